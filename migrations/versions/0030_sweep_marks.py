"""The certificate sweep looks only at what changed: a mark per cycle, its state, the sessions by
their end, and module progress ids that only grow on SQLite too (lms/certificates/sweep.py).

Revision ID: 0030_sweep_marks
Revises: 0028_quiz_renewals
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0030_sweep_marks'
down_revision = '0028_quiz_renewals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_sweep_marks',
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('attendance_version', sa.Integer(), nullable=False),
        sa.Column('min_attendance_percent', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('content_version', sa.String(length=64), nullable=False),
        sa.Column('swept_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'],
                                name=op.f('fk_certificate_sweep_marks_cycle_id_cycles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_certificate_sweep_marks')),
    )
    op.create_table(
        'certificate_sweep_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('swept_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('progress_after', sa.Integer(), nullable=False),
        sa.Column('progress_seen', sa.Integer(), nullable=False),
        sa.Column('progress_seen_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('full_swept_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_sweep_state')),
    )
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_class_sessions_ends_cycle', ['ends_at', 'cycle_id', 'status'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # AUTOINCREMENT: the id of a deleted newest row is never handed out again
        with op.batch_alter_table('module_progress', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            pass


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('module_progress', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': False}) as batch_op:
            pass
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_class_sessions_ends_cycle')
    op.drop_table('certificate_sweep_state')
    op.drop_table('certificate_sweep_marks')
