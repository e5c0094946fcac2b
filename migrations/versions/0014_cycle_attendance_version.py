"""a cycle's attendance version, moved by triggers (lms/attendance/versions.py)

The coordinator's dashboard keeps each cycle's roll-up of sessions, seats and records until this
number moves.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 07:00:00

"""
from alembic import op
import sqlalchemy as sa

from lms.attendance import versions


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cycles', sa.Column('attendance_version', sa.Integer(), server_default='0', nullable=False))
    dialect = op.get_bind().dialect.name
    for statement in versions.shared_statements(dialect):
        op.execute(statement)
    for table in versions.WATCHED:
        for statement in versions.create_statements(dialect, table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in versions.WATCHED:
        for statement in versions.drop_statements(dialect, table):
            op.execute(statement)
    for statement in versions.drop_shared_statements(dialect):
        op.execute(statement)
    op.drop_column('cycles', 'attendance_version')
