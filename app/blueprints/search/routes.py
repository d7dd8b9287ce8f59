"""Views of the search blueprint."""
from __future__ import annotations

from flask import render_template, request

from app.blueprints.search import bp
from app.blueprints.search.forms import SearchForm
from app.blueprints.search.hits import highlight, record_url
from app.extensions import db
from app.services.search import permit_choices, run_search


@bp.context_processor
def display_helpers() -> dict:
    return {"record_url": record_url, "highlight": highlight}


@bp.get("/")
def index():
    form = SearchForm(request.args)
    form.offer(permit_choices(db.session))
    form.validate()
    outcome = run_search(db.session, form.q.data, **form.filters())
    query = {k: v for k, v in request.args.items() if k != "type" and v}
    return render_template("search/index.html", form=form, outcome=outcome, asked=form.asked(), query=query)
