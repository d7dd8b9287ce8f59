"""Sampling events, the reminder outbox, reminder preferences, calendar tokens, facility schedule preferences.

Revision ID: 0004_schedule_outbox
Revises: 0003_nodi_declarations
Create Date: 2026-11-23 08:58:38.954950
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_schedule_outbox'
down_revision = '0003_nodi_declarations'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_outbox_message_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_user_id'), ['user_id'], unique=False)

    op.create_table('sampling_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('permit_version', sa.Integer(), nullable=False),
    sa.Column('outfall', sa.String(length=4), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('sample_type', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_sampling_event_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_event')),
    sa.UniqueConstraint('permit_id', 'outfall', 'event_date', 'sample_type', name=op.f('uq_sampling_event_permit_id_outfall_event_date_sample_type'))
    )
    with op.batch_alter_table('sampling_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_event_event_date'), ['event_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sampling_event_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sampling_event_status'), ['status'], unique=False)

    with op.batch_alter_table('facility', schema=None) as batch_op:
        # Existing rows get an empty preference map.
        batch_op.add_column(sa.Column('schedule_preferences', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_preferences', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_calendar_token_hash'), ['calendar_token_hash'])



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_token_hash')
        batch_op.drop_column('reminder_preferences')

    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_column('schedule_preferences')

    with op.batch_alter_table('sampling_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sampling_event_status'))
        batch_op.drop_index(batch_op.f('ix_sampling_event_permit_id'))
        batch_op.drop_index(batch_op.f('ix_sampling_event_event_date'))

    op.drop_table('sampling_event')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_kind'))

    op.drop_table('outbox_message')
