"""Wait-list offers, cancellation deadlines and the no-show rule (docs/planning.md).

Revision ID: 0021_waitlist_offers
Revises: 0020_seat_reservations
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0021_waitlist_offers'
down_revision = '0020_seat_reservations'
branch_labels = None
depends_on = None

OFFER_STATUS = sa.Enum('open', 'accepted', 'declined', 'lapsed', 'withdrawn', name='offer_status',
                       native_enum=False, create_constraint=True, length=9)


def upgrade():
    # plain ADD COLUMN (no batch copy of the table: the attendance triggers name `cycles`)
    op.add_column('cycles', sa.Column('offer_hours', sa.Integer(), server_default='24', nullable=False))
    op.add_column('cycles', sa.Column('cancellation_hours', sa.Integer(), server_default='48', nullable=False))
    op.create_table(
        'waitlist_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', OFFER_STATUS, nullable=False),
        sa.Column('offered_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('answered_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.CheckConstraint('expires_at > offered_at', name=op.f('ck_waitlist_offers_offer_window_positive')),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_waitlist_offers_cycle_id_cycles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_waitlist_offers_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_waitlist_offers_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_offers')),
    )
    with op.batch_alter_table('waitlist_offers', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_offers_cycle_status', ['cycle_id', 'status'], unique=False)
        batch_op.create_index('ix_waitlist_offers_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_offers_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_offers_user_id'), ['user_id'], unique=False)
    op.create_table(
        'late_cancellations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_late_cancellations_cycle_id_cycles'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_late_cancellations_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_late_cancellations')),
    )
    with op.batch_alter_table('late_cancellations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_cancellations_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_cancellations_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_cancellations_user_id'), ['user_id'], unique=False)
    op.create_table(
        'no_show_lifts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('lifted_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_no_show_lifts_lifted_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_no_show_lifts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_no_show_lifts')),
    )
    with op.batch_alter_table('no_show_lifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_no_show_lifts_lifted_at'), ['lifted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_no_show_lifts_lifted_by_id'), ['lifted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_no_show_lifts_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('no_show_lifts')
    op.drop_table('late_cancellations')
    op.drop_table('waitlist_offers')
    op.drop_column('cycles', 'cancellation_hours')
    op.drop_column('cycles', 'offer_hours')
