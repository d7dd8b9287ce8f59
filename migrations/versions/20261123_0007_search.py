"""The search index: one row per record, with full text by engine (SQLite FTS5, PostgreSQL GIN).

Revision ID: 0007_search
Revises: 0006_signed_reports
Create Date: 2026-11-23 09:06:13.198619
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_search'
down_revision = '0006_signed_reports'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: UTC timestamps are plain DATETIME columns holding naive UTC (app.models.base.UTCDateTime).
    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('outfall', sa.String(length=4), nullable=True),
    sa.Column('parameter_code', sa.String(length=5), nullable=True),
    sa.Column('record_date', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_search_entry_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('entity', 'entity_id', name=op.f('uq_search_entry_entity_entity_id'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_entity'), ['entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_record_date'), ['record_date'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # An external-content FTS5 table kept in step by triggers: the text lives once, in search_entry.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_entry', "
                   "content_rowid='id', tokenize='unicode61')")
        op.execute("CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entry BEGIN "
                   "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END")
        op.execute("CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entry BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, "
                   "old.body); END")
        op.execute("CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entry BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, "
                   "old.body); INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_search_entry_fts ON search_entry USING gin "
                   "(to_tsvector('simple', title || ' ' || body))")


def downgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_record_date'))
        batch_op.drop_index(batch_op.f('ix_search_entry_permit_id'))
        batch_op.drop_index(batch_op.f('ix_search_entry_entity'))

    op.drop_table('search_entry')
