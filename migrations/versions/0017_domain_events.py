"""Domain events: one durable path from a change to what it causes (lms/events).

Revision ID: 0017_domain_events
Revises: 0015_h4
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0017_domain_events'
down_revision = '0015_h4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'domain_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('consumer', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('consumed_at', lms.db_types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_events')),
    )
    with op.batch_alter_table('domain_events', schema=None) as batch_op:
        batch_op.create_index('ix_domain_events_pending', ['consumed_at', 'attempts'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_events_consumed_at'), ['consumed_at'], unique=False)


def downgrade():
    op.drop_table('domain_events')
