"""Each content version keeps the files it imported, zipped, to compare and restore (lms/catalog/history.py).

Revision ID: 0032_content_version_packages
Revises: 0031_organisation_conditions
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_content_version_packages'
down_revision = '0031_organisation_conditions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.drop_column('package')
