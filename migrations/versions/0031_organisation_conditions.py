"""What an organisation's members need of a cycle to take part (lms/needs/conditions.py).

Revision ID: 0031_organisation_conditions
Revises: 0030_sweep_marks
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0031_organisation_conditions'
down_revision = '0030_sweep_marks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organisation_conditions',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('day_parts', sa.JSON(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('seats_needed', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('seats_needed IS NULL OR seats_needed BETWEEN 1 AND 500',
                           name=op.f('ck_organisation_conditions_seats_needed_range')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_conditions_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_organisation_conditions_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_organisation_conditions')),
    )


def downgrade():
    op.drop_table('organisation_conditions')
