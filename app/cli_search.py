"""The `flask --app wsgi search ...` commands: the search index is derived data, rebuilt at will."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services.search_index import rebuild_search_index

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def search_reindex():
    """Index every record again (after an upgrade, or a restore of an older backup)."""
    count = rebuild_search_index(db.session)
    db.session.commit()
    click.echo(f"search index rebuilt: {count} records indexed")
