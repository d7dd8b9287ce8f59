"""Two-factor sign-in (TOTP): the sealed secret, when it was turned on, the last step used, recovery codes.

Revision ID: 0010_totp
Revises: 0009_api_token_scope
Create Date: 2026-12-01 10:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_totp'
down_revision = '0009_api_token_scope'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: every column is nullable with no default, so every existing account keeps
    # signing in with its password alone until its owner turns two-factor on.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recovery_code_digests', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('recovery_code_digests')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret_sealed')
