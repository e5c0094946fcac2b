"""Renewal by a quiz alone: a certificate may hold several validity periods (its history), the
latest being its validity; a period added by a passed renewal quiz names that attempt.

Revision ID: 0028_quiz_renewals
Revises: 0023_attendance_signatures
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_quiz_renewals'
down_revision = '0023_attendance_signatures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_validity_periods', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_validity_periods_certificate_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_certificate_validity_periods_certificate_id'), ['certificate_id'],
                              unique=False)
        batch_op.add_column(sa.Column('quiz_attempt_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_certificate_validity_periods_quiz_attempt_id_quiz_attempts'), 'quiz_attempts',
            ['quiz_attempt_id'], ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_validity_periods_quiz_attempt_id'),
                                          ['quiz_attempt_id'])


def downgrade():
    # a certificate renewed by a quiz keeps its latest period only (one period per certificate again)
    op.execute(
        "DELETE FROM certificate_validity_periods WHERE id IN ("
        " SELECT p.id FROM certificate_validity_periods p"
        " JOIN certificate_validity_periods later ON later.certificate_id = p.certificate_id AND later.id > p.id)")
    with op.batch_alter_table('certificate_validity_periods', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_validity_periods_quiz_attempt_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_certificate_validity_periods_quiz_attempt_id_quiz_attempts'),
                                 type_='foreignkey')
        batch_op.drop_column('quiz_attempt_id')
        batch_op.drop_index(batch_op.f('ix_certificate_validity_periods_certificate_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_validity_periods_certificate_id'),
                                          ['certificate_id'])
