"""The scope of a user's API token: "read" (GET only) or "write" (may also post results).

Revision ID: 0009_api_token_scope
Revises: 0008_inspector_links
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_api_token_scope'
down_revision = '0008_inspector_links'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: the server default makes every token issued before this migration "write",
    # which is what it could do until now, so no LIMS integration stops working.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_scope', sa.String(length=10), server_default='write',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('api_token_scope')
