"""Seats reserved per organisation (blocks, their organisations, the seats given), and the weekly digest choice.

Revision ID: 0020_seat_reservations
Revises: 0018_renewals
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0020_seat_reservations'
down_revision = '0018_renewals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'seat_reservations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('seats_assigned', sa.Integer(), nullable=False),
        sa.Column('release_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('released_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.Column('released_seats', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('seats > 0', name=op.f('ck_seat_reservations_reservation_has_seats')),
        sa.CheckConstraint('seats_assigned >= 0 AND seats_assigned <= seats',
                           name=op.f('ck_seat_reservations_assigned_within_block')),
        sa.CheckConstraint('released_at IS NULL OR released_seats IS NOT NULL',
                           name=op.f('ck_seat_reservations_released_counted')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_seat_reservations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_seat_reservations_cycle_id_cycles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_reservations')),
    )
    with op.batch_alter_table('seat_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_reservations_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_reservations_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index('ix_seat_reservations_due', ['released_at', 'release_at'], unique=False)
    op.create_table(
        'seat_reservation_organisations',
        sa.Column('reservation_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_seat_reservation_organisations_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reservation_id'], ['seat_reservations.id'],
                                name=op.f('fk_seat_reservation_organisations_reservation_id_seat_reservations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('reservation_id', 'organisation_id', name=op.f('pk_seat_reservation_organisations')),
    )
    with op.batch_alter_table('seat_reservation_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_reservation_organisations_organisation_id'), ['organisation_id'],
                              unique=False)
    op.create_table(
        'reserved_seats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reservation_id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_reserved_seats_assigned_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_reserved_seats_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reservation_id'], ['seat_reservations.id'],
                                name=op.f('fk_reserved_seats_reservation_id_seat_reservations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reserved_seats')),
        sa.UniqueConstraint('enrolment_id', name=op.f('uq_reserved_seats_enrolment_id')),
    )
    with op.batch_alter_table('reserved_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reserved_seats_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reserved_seats_reservation_id'), ['reservation_id'], unique=False)
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekly_digest', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('weekly_digest')
    op.drop_table('reserved_seats')
    op.drop_table('seat_reservation_organisations')
    op.drop_table('seat_reservations')
