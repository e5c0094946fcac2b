"""Signed attendance: a per-cycle setting and the learners' signatures (docs/attendance.md).

Revision ID: 0023_attendance_signatures
Revises: 0022_offline_marks
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0023_attendance_signatures'
down_revision = '0022_offline_marks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatures_required', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'attendance_signatures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attendance_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('svg', sa.Text(), nullable=False),
        sa.Column('signed_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('captured_by_id', sa.Integer(), nullable=True),
        sa.Column('device', sa.Enum('trainer', 'learner', name='signature_device', native_enum=False,
                                    create_constraint=True, length=7), nullable=False),
        sa.ForeignKeyConstraint(['attendance_id'], ['attendances.id'],
                                name=op.f('fk_attendance_signatures_attendance_id_attendances'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'],
                                name=op.f('fk_attendance_signatures_session_id_class_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_attendance_signatures_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['captured_by_id'], ['users.id'],
                                name=op.f('fk_attendance_signatures_captured_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_signatures')),
        sa.UniqueConstraint('attendance_id', name=op.f('uq_attendance_signatures_attendance_id')),
        sa.UniqueConstraint('session_id', 'user_id', name='uq_attendance_signatures_session_user'),
    )
    with op.batch_alter_table('attendance_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_signatures_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_signatures_signed_at'), ['signed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_signatures_captured_by_id'), ['captured_by_id'], unique=False)


def downgrade():
    op.drop_table('attendance_signatures')
    with op.batch_alter_table('attendance_rules', schema=None) as batch_op:
        batch_op.drop_column('signatures_required')
