"""outbox: who claimed a message and its heartbeat; messages expired or superseded at send time

Revision ID: 0015_h8
Revises: 0014
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db_types


# revision identifiers, used by Alembic.
revision = '0015_h8'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD = ('pending', 'sending', 'sent', 'failed')
NEW = OLD + ('expired', 'superseded')


def _status(values, length):
    return sa.Enum(*values, name='message_status', native_enum=False, create_constraint=False, length=length)


def _check(values):
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', lms.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_outbox_messages_message_status'), type_='check')
        batch_op.alter_column('status', existing_type=_status(OLD, 7), type_=_status(NEW, 10),
                              existing_nullable=False)
        batch_op.create_check_constraint('message_status', _check(NEW))


def downgrade():
    op.execute("UPDATE outbox_messages SET status = 'failed' WHERE status IN ('expired', 'superseded')")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_message_status'), type_='check')
        batch_op.alter_column('status', existing_type=_status(NEW, 10), type_=_status(OLD, 7),
                              existing_nullable=False)
        batch_op.create_check_constraint('message_status', _check(OLD))
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('claimed_by')
