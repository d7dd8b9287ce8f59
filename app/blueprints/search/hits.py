"""How a search hit is shown: the page it links to, and its text with the matched words marked."""
from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, url_for
from markupsafe import Markup, escape

from app.services.search import SearchHit, term_pattern

# The page that shows each kind of record, where the app has one; any other hit (or a page this
# installation lacks) opens the audit trail filtered to that record.
RECORD_PAGES = {"result": "results.detail", "sample": "records.sample", "document": "records.document",
                "instrument": "records.instrument"}


def record_url(hit: SearchHit) -> str:
    if hit.page is not None:
        entity, record_id = hit.page
        endpoint = RECORD_PAGES.get(entity)
        try:
            rules = list(current_app.url_map.iter_rules(endpoint)) if endpoint else []
        except KeyError:  # that blueprint is not registered in this app
            rules = []
        if rules and len(rules[0].arguments) == 1 and record_id.isdigit():
            (argument,) = rules[0].arguments
            return url_for(endpoint, **{argument: int(record_id)})
    entity, record_id = hit.trail
    return url_for("admin.audit_trail", entity=entity, entity_id=record_id)


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """The text escaped piece by piece, with each matched term wrapped in <mark>."""
    pattern = term_pattern(terms)
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for found in pattern.finditer(text):
        pieces += [escape(text[last:found.start()]), Markup("<mark>%s</mark>") % found.group()]
        last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)
