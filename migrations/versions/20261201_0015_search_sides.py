"""PostgreSQL: one GIN index for the records and one for the audit trail, in place of one for both.

Revision ID: 0015_search_sides
Revises: 0014_search_code_tails
Create Date: 2026-12-01 14:25:00
"""
from alembic import op


revision = '0015_search_sides'
down_revision = '0014_search_code_tails'
branch_labels = None
depends_on = None

# Reviewed by hand. Why: the audit trail is most of the search index (4.9 M of 7.7 M entries at ten
# years) and every search reads the records and the trail apart (records first). With one index, "copper
# among the records" had the index read the trail's whole posting list to leave it out; a partial index
# per side holds only its own entries (app/services/search_match.py _pg_kinds). SQLite keeps its one
# FTS5 table, where the same question costs a doclist lookup.
#
# Each index also holds the record date (btree_gin, a contrib extension PostgreSQL ships and marks trusted):
# "the newest matches of copper" is answered inside the index, the text intersected with the last
# month's dates, where the planner, misjudging how many entries hold "total", "suspended" and "solids",
# read all 44,000 matching rows to keep the 264 of the month.
_RECORDS = ("CREATE INDEX ix_search_entry_fts_records ON search_entry USING gin (search_fts_vector, record_date) "
            "WHERE entity <> 'audit_entry'")
_TRAIL = ("CREATE INDEX ix_search_entry_fts_trail ON search_entry USING gin (search_fts_vector, record_date) "
          "WHERE entity = 'audit_entry'")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute(_RECORDS)
    op.execute(_TRAIL)
    op.execute("DROP INDEX ix_search_entry_fts_vector")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_entry_fts_vector ON search_entry USING gin (search_fts_vector)")
    op.execute("DROP INDEX ix_search_entry_fts_trail")
    op.execute("DROP INDEX ix_search_entry_fts_records")
    # btree_gin stays: another index of the database may use it.
