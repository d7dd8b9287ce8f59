"""Time-limited read-only inspector links, and the expiry of the viewer account behind each.

Revision ID: 0008_inspector_links
Revises: 0007_search
Create Date: 2026-12-01 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_inspector_links'
down_revision = '0007_search'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_expires_at', sa.DateTime(), nullable=True))

    op.create_table('inspector_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_inspector_link_created_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_inspector_link_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspector_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_inspector_link_token_hash'))
    )


def downgrade():
    op.drop_table('inspector_link')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('access_expires_at')
