"""attendance: records per session and learner, excused policy per cycle, warnings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 22:41:30.517168

"""
from alembic import op
import sqlalchemy as sa

import lms.db_types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('present', 'late', 'excused', 'absent', name='attendance_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('method', sa.Enum('roll_call', 'qr', 'code', 'personal_qr', 'paper', name='attendance_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', lms.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendances_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_attendances_session_id_class_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_attendances_session_user')
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_user_id'), ['user_id'], unique=False)

    op.create_table('attendance_rules',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('excused_policy', sa.Enum('not_counted', 'absent', 'attended', name='excused_policy', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', lms.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_attendance_rules_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_attendance_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_attendance_rules'))
    )
    with op.batch_alter_table('attendance_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_rules_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_rules_updated_by_id'), ['updated_by_id'], unique=False)

    op.create_table('attendance_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('one_away', 'unreachable', name='attendance_warning_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notified_at', lms.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_attendance_warnings_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_warnings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_warnings')),
    sa.UniqueConstraint('user_id', 'cycle_id', 'kind', name='uq_attendance_warnings_user_cycle_kind')
    )
    with op.batch_alter_table('attendance_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_warnings_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_warnings_notified_at'), ['notified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_warnings_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('attendance_warnings')
    op.drop_table('attendance_rules')
    op.drop_table('attendances')
