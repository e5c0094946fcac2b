"""a covering index of a session's records (docs/PERFORMANCE.md)

It replaces the single-column index on attendances.session_id, which the unique constraint on
(session_id, user_id) already made redundant; with the status in it, the pages that read a
cycle's records (the roll call, the matrix, the dashboard) need not read the table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 04:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_attendances_session_user_status', 'attendances', ['session_id', 'user_id', 'status'])
    op.drop_index('ix_attendances_session_id', table_name='attendances')


def downgrade():
    op.create_index('ix_attendances_session_id', 'attendances', ['session_id'])
    op.drop_index('ix_attendances_session_user_status', table_name='attendances')
