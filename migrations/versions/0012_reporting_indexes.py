"""indexes the coordinator dashboard needs at a region's scale (docs/PERFORMANCE.md)

Each composite index replaces the single-column index on its leading foreign key.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 02:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cycles_status_first_date', 'cycles', ['status', 'first_date', 'id'])
    op.drop_index('ix_cycles_status', table_name='cycles')
    op.create_index('ix_class_sessions_cycle_starts', 'class_sessions',
                    ['cycle_id', 'starts_at', 'status', 'ends_at'])
    op.drop_index('ix_class_sessions_cycle_id', table_name='class_sessions')
    op.create_index('ix_class_sessions_starts_id', 'class_sessions', ['starts_at', 'id'])
    op.drop_index('ix_class_sessions_starts_at', table_name='class_sessions')
    op.create_index('ix_enrolments_cycle_status', 'enrolments', ['cycle_id', 'status'])
    op.drop_index('ix_enrolments_cycle_id', table_name='enrolments')
    op.create_index('ix_certificates_cycle_revoked', 'certificates', ['cycle_id', 'revoked_at'])
    op.create_index('ix_certificates_issued_revoked', 'certificates', ['issued_at', 'revoked_at'])
    op.drop_index('ix_certificates_cycle_id', table_name='certificates')


def downgrade():
    op.create_index('ix_certificates_cycle_id', 'certificates', ['cycle_id'])
    op.drop_index('ix_certificates_issued_revoked', table_name='certificates')
    op.drop_index('ix_certificates_cycle_revoked', table_name='certificates')
    op.create_index('ix_enrolments_cycle_id', 'enrolments', ['cycle_id'])
    op.drop_index('ix_enrolments_cycle_status', table_name='enrolments')
    op.create_index('ix_class_sessions_cycle_id', 'class_sessions', ['cycle_id'])
    op.create_index('ix_class_sessions_starts_at', 'class_sessions', ['starts_at'])
    op.drop_index('ix_class_sessions_starts_id', table_name='class_sessions')
    op.drop_index('ix_class_sessions_cycle_starts', table_name='class_sessions')
    op.create_index('ix_cycles_status', 'cycles', ['status'])
    op.drop_index('ix_cycles_status_first_date', table_name='cycles')
