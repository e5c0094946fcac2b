"""Coordinators may let the trainers of a course's cycles edit it in the browser (lms/catalog/editor_routes.py),
and each content version says whether it came from the files or from the browser (lms/cli.py refuses to
import files over a newer edit made in the browser).

Revision ID: 0034_course_trainer_authors
Revises: 0033_competence_growth
"""
import sqlalchemy as sa
from alembic import op

revision = '0034_course_trainer_authors'
down_revision = '0033_competence_growth'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trainers_may_edit', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), server_default='files', nullable=False))


def downgrade():
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('trainers_may_edit')
