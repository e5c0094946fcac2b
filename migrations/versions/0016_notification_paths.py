"""in-app notifications keep the target path, not an absolute link

A notification stored `https://old-host/cycles/3`; when the base URL changed, the link broke. Rows
now keep `/cycles/3` (lms/notifications/compose.py: app_path), resolved against the address the
person uses. This converts existing rows by stripping scheme and host.

Revision ID: 0015_h4
Revises: 0015_h8
Create Date: 2026-12-03 12:50:00

"""
from urllib.parse import urlsplit, urlunsplit

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_h4'
down_revision = '0015_h8'
branch_labels = None
depends_on = None

notifications = sa.table('notifications', sa.column('id', sa.Integer), sa.column('link', sa.String))


def _path(link):
    parts = urlsplit(link)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(notifications.c.id, notifications.c.link).where(
        sa.or_(notifications.c.link.like('http://%'), notifications.c.link.like('https://%')))).all()
    for row in rows:
        bind.execute(notifications.update().where(notifications.c.id == row.id).values(link=_path(row.link)))


def downgrade():
    # A path works with any base URL, so there is nothing to undo.
    pass
