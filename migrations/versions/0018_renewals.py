"""Renewals: a course's validity, each certificate's validity period (history kept), the renewal
reminders done, and whether a person wants them by e-mail.

Revision ID: 0018_renewals
Revises: 0017_domain_events
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0018_renewals'
down_revision = '0017_domain_events'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('validity', sa.JSON(), nullable=True))
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_renewals', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'certificate_validity_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('valid_until', lms.db_types.UTCDateTime(), nullable=True),
        sa.Column('window_opens_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.Column('basis', sa.Enum('no_end', 'completion', 'previous_expiry', 'fixed_date', name='expiry_basis',
                                   native_enum=False, create_constraint=True, length=15), nullable=False),
        sa.Column('renews_period_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('valid_until IS NULL OR valid_until > valid_from',
                           name=op.f('ck_certificate_validity_periods_ends_after_start')),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], ondelete='CASCADE',
                                name=op.f('fk_certificate_validity_periods_certificate_id_certificates')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE',
                                name=op.f('fk_certificate_validity_periods_course_id_courses')),
        sa.ForeignKeyConstraint(['renews_period_id'], ['certificate_validity_periods.id'], ondelete='SET NULL',
                                name=op.f('fk_certificate_validity_periods_renews_period_id_certificate_validity_periods')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_certificate_validity_periods_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_validity_periods')),
        sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_validity_periods_certificate_id')),
        sa.UniqueConstraint('renews_period_id', name=op.f('uq_certificate_validity_periods_renews_period_id')),
    )
    with op.batch_alter_table('certificate_validity_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_validity_periods_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_validity_periods_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_validity_periods_valid_until', ['valid_until', 'window_opens_at'], unique=False)
    op.create_table(
        'renewal_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('queued_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['certificate_validity_periods.id'], ondelete='CASCADE',
                                name=op.f('fk_renewal_reminders_period_id_certificate_validity_periods')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_reminders')),
        sa.UniqueConstraint('period_id', 'step', name=op.f('uq_renewal_reminders_period_step')),
    )


def downgrade():
    op.drop_table('renewal_reminders')
    op.drop_table('certificate_validity_periods')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('email_renewals')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('validity')
