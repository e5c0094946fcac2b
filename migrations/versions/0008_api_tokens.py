"""API v1: personal access tokens and their scopes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa

import lms.db_types


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', lms.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', lms.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_at IS NULL OR expires_at > created_at', name=op.f('ck_api_tokens_expires_after_creation')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('api_token_scopes',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Enum('read', 'enrol', 'attendance', 'admin', name='token_scope', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_api_token_scopes_token_id_api_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', 'scope', name=op.f('pk_api_token_scopes'))
    )
    with op.batch_alter_table('api_token_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_scopes_token_id'), ['token_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_scopes_token_id'))

    op.drop_table('api_token_scopes')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
