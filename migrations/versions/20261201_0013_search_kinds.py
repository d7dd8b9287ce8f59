"""The kind of each search entry inside the full-text index (both engines); FTS5 prefix indexes on SQLite.

Revision ID: 0013_search_kinds
Revises: 0012_search_vector
Create Date: 2026-12-01 13:10:00
"""
from alembic import op


revision = '0013_search_kinds'
down_revision = '0012_search_vector'
branch_labels = None
depends_on = None

# Why: at ten years of records a common word matches tens of thousands of entries. Counting them by
# kind, or keeping the audit trail after the records, read every matching row of search_entry. With
# the kind inside the index, the full-text index itself intersects "copper" with "a sample", and only
# the rows shown are read (app/services/search_match.py).
#
# SQLite: the FTS5 table gains the `entity` column (its words: "sample", "audit entry", ...; the user's
# words are kept to title and body by a column filter), and prefix indexes of 2, 3 and 4 characters:
# every word typed is a prefix query, and without them "lab"* merged the doclists of every token
# starting with "lab" before intersecting anything.
_FTS_COLUMNS = {"0012": "title, body", "0013": "title, body, entity"}
_FTS_OPTIONS = {"0012": "tokenize='unicode61'", "0013": "tokenize='unicode61', prefix='2 3 4'"}
# PostgreSQL: the stored vector gains one lexeme "@<kind>" ("@sample", "@audit_entry"). No user word can
# reach it: search terms are letter/digit runs only (app/services/search.py search_terms).
_VECTOR = {
    "0012": "setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)",
    "0013": "setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body) "
            "|| array_to_tsvector(ARRAY['@' || entity::text])",
}


def _sqlite_fts(version: str) -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS search_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    columns = _FTS_COLUMNS[version]
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    # An external-content FTS5 table kept in step by triggers, as in 0007: the text lives once, in search_entry.
    op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='search_entry', "
               f"content_rowid='id', {_FTS_OPTIONS[version]})")
    op.execute(f"CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entry BEGIN "
               f"INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entry BEGIN "
               f"INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entry BEGIN "
               f"INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    # Index what is already stored (minutes at ten years of records).
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _postgresql_vector(version: str) -> None:
    # A generated column's expression cannot be altered: dropped and added again (rewrites the table).
    op.execute("DROP INDEX IF EXISTS ix_search_entry_fts_vector")
    op.execute("ALTER TABLE search_entry DROP COLUMN search_fts_vector")
    op.execute(f"ALTER TABLE search_entry ADD COLUMN search_fts_vector tsvector "
               f"GENERATED ALWAYS AS ({_VECTOR[version]}) STORED")
    op.execute("CREATE INDEX ix_search_entry_fts_vector ON search_entry USING gin (search_fts_vector)")


def _to(version: str) -> None:
    # Reviewed by hand: engine-specific full-text structures, not mapped (app/models/search.py).
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts(version)
    elif dialect == "postgresql":
        _postgresql_vector(version)


def upgrade():
    _to("0013")


def downgrade():
    _to("0012")
