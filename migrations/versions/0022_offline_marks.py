"""Marks sent from trainers' devices, kept by idempotency key (the offline roll call).

Revision ID: 0022_offline_marks
Revises: 0021_waitlist_offers
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0022_offline_marks'
down_revision = '0021_waitlist_offers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('present', 'late', 'excused', 'absent', name='attendance_mark_status',
                                    native_enum=False, create_constraint=True, length=7), nullable=False),
        sa.Column('outcome', sa.Enum('applied', 'unchanged', 'refused', name='attendance_mark_outcome',
                                     native_enum=False, create_constraint=True, length=9), nullable=False),
        sa.Column('message', sa.String(length=300), nullable=False),
        sa.Column('marked_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.Column('received_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_attendance_marks_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'],
                                name=op.f('fk_attendance_marks_session_id_class_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_marks_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
        sa.UniqueConstraint('key', name=op.f('uq_attendance_marks_key')),
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_marks_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('attendance_marks')
