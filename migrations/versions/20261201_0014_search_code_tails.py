"""Every tail of a code run together in the search keys ("PH011-20261129-11" also gives "2026112911").

Revision ID: 0014_search_code_tails
Revises: 0013_search_kinds
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa

# The keys function of the app itself: a pure function of the entry's text (no model, no session),
# so this data step does not depend on the schema of later revisions.
from app.services.search_entries import KEYS_MARK, search_keys

revision = '0014_search_code_tails'
down_revision = '0013_search_kinds'
branch_labels = None
depends_on = None

BATCH = 5000
_SELECT = sa.text("SELECT id, title, body FROM search_entry WHERE id > :after ORDER BY id LIMIT :batch")
_UPDATE = sa.text("UPDATE search_entry SET body = :body WHERE id = :id")


def _rekeyed(title: str, body: str) -> str:
    # app.services.search_entries.entry(): body = text + "\n" + KEYS_MARK + keys of (title, text).
    text = body.split("\n" + KEYS_MARK, 1)[0] if KEYS_MARK in body else body
    keys = search_keys(f"{title} {text}")
    return f"{text}\n{KEYS_MARK}{keys}" if keys else text


def upgrade():
    # Reviewed by hand. Why: a hyphenated word typed in a search is matched run together as well as a
    # phrase (app/services/search_match.py), which lets PostgreSQL's GIN index answer "2026-11-17"
    # without re-reading every entry holding "2026", "11" and a "17..."; entries written before this
    # revision lack the tails and would no longer be found by them, so their keys are written again.
    # The FTS5 triggers and the PostgreSQL generated vector follow each update (minutes at ten years of
    # records; on PostgreSQL autovacuum then reclaims the old row versions).
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        # Rewriting every entry through a live GIN index fills its pending list (searches then read it
        # row by row); building the index again afterwards is faster and leaves it compact.
        op.execute("DROP INDEX ix_search_entry_fts_vector")
    after = 0
    while True:
        rows = bind.execute(_SELECT, {"after": after, "batch": BATCH}).all()
        if not rows:
            break
        changed = [{"id": row.id, "body": new} for row in rows if (new := _rekeyed(row.title, row.body)) != row.body]
        if changed:
            bind.execute(_UPDATE, changed)
        after = rows[-1].id
    if postgresql:
        op.execute("CREATE INDEX ix_search_entry_fts_vector ON search_entry USING gin (search_fts_vector)")
        op.execute("ANALYZE search_entry")  # the planner's statistics of the new lexemes


def downgrade():
    # The tails are extra words only: the searches of the earlier revisions read the entries as before.
    pass
