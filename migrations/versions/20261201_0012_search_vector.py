"""PostgreSQL search on a stored weighted tsvector (title A, body) with its GIN index; SQLite unchanged.

Revision ID: 0012_search_vector
Revises: 0011_result_indexes
Create Date: 2026-12-01 10:40:00
"""
from alembic import op


revision = '0012_search_vector'
down_revision = '0011_result_indexes'
branch_labels = None
depends_on = None

# The ranking's document, stored: ranking a common word re-parsed every matching row's text. Its
# lexemes are those of migration 0007's to_tsvector(title || ' ' || body), so it matches the same rows.
VECTOR = "setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)"


def upgrade():
    # Reviewed by hand. SQLite keeps its FTS5 table (0007). On PostgreSQL the column is computed by
    # the server on every insert and update, so no writer can forget it; adding it rewrites the table
    # (seconds for 400 k entries, minutes at ten years of records).
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE search_entry ADD COLUMN search_fts_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_search_entry_fts_vector ON search_entry USING gin (search_fts_vector)")
    # Nothing queries the expression any more; keeping its index would only slow every write.
    op.execute("DROP INDEX ix_search_entry_fts")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_entry_fts ON search_entry USING gin "
               "(to_tsvector('simple', title || ' ' || body))")
    op.execute("DROP INDEX ix_search_entry_fts_vector")
    op.execute("ALTER TABLE search_entry DROP COLUMN search_fts_vector")
