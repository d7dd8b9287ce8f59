"""The search page: one box in the top bar, results grouped by kind, each linked to where the record is shown."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.models.compliance import Exceedance
from app.models.monitoring import Sample
from app.services.documents import DocumentUpload, store_document
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def records(db, tmp_path):
    import_permit_definition(db.session, permit_document("npdes"))
    copper = record_result(db.session, {
        "permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L2510-0147",
        "sampled_at": "2026-03-10T08:00", "value": "1.3", "unit": "mg/L", "received_at": "2026-03-13T09:15",
        "chain_of_custody": "COC-88121"}, now=NOW)
    document = store_document(db.session, DocumentUpload(
        data=b"Copper by ICP-MS for L2510-0147. <b>bold</b> & done\n", filename="lab.txt", kind="lab_report",
        title='<script>alert("x")</script> October lab report', document_date=date(2026, 3, 14),
        permit_number="CT0000001", outfall="001"), store=tmp_path)
    db.session.commit()
    return {"result": copper.result_id, "document": document.id,
            "sample": db.session.scalar(select(Sample.id).where(Sample.sample_code == "L2510-0147")),
            "exceedance": db.session.scalars(select(Exceedance.id)).first()}


def _headings(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in re.findall(r"<h2>(.*?)</h2>", page, re.S)]


def test_a_viewer_finds_a_sample_by_part_of_its_id(client, login_as, records):
    login_as("viewer")
    response = client.get("/search/?q=L2510")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sample <mark>L2510</mark>-0147 — outfall 001, 2026-03-10" in page
    assert f'href="/results/{records["result"]}"' in page


def test_results_are_grouped_by_kind_with_counts(client, login_as, records):
    login_as("viewer")
    page = client.get("/search/?q=L2510-0147").get_data(as_text=True)
    headings = _headings(page)
    assert {"Samples (1)", "Results (1)", "Documents (1)", "Exceedances (2)"} <= set(headings)
    assert headings[-1].startswith("Audit trail")  # the records first, their audit entries after
    assert 'href="#found-exceedance"' in page


def test_html_in_a_stored_title_and_text_is_escaped(client, login_as, records):
    login_as("viewer")
    page = client.get("/search/?q=october").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>October</mark> lab report" in page
    page = client.get("/search/?q=bold").get_data(as_text=True)
    assert "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; done" in page


def test_each_hit_links_to_its_page_or_to_its_audit_trail(app, client, login_as, records):
    login_as("viewer")
    page = client.get("/search/?q=L2510-0147").get_data(as_text=True)
    if "records.document" in {rule.endpoint for rule in app.url_map.iter_rules()}:
        assert f'href="/records/documents/{records["document"]}"' in page
    # There is no page of one exceedance: the audit trail of that record shows it.
    assert f'href="/admin/audit?entity=exceedance&amp;entity_id={records["exceedance"]}"' in page


def test_filters_narrow_and_alone_list_the_newest(client, login_as, records):
    login_as("viewer")
    page = client.get("/search/?q=L2510-0147&type=sample").get_data(as_text=True)
    assert _headings(page) == ["Samples (1)"]
    page = client.get("/search/?type=result&outfall=001&from=2026-03-01&to=2026-03-31&parameter=01042"
                      "&permit=CT0000001").get_data(as_text=True)
    assert _headings(page) == ["Results (1)"]
    page = client.get("/search/?q=L2510-0147&to=2026-02-28").get_data(as_text=True)
    assert "Nothing found" in page


def test_a_group_with_more_matches_than_shown_links_to_all_of_them(client, login_as, records, monkeypatch):
    from functools import partial

    from app.blueprints.search import routes
    from app.services.search import run_search

    monkeypatch.setattr(routes, "run_search", partial(run_search, limit=2))
    login_as("viewer")
    page = client.get("/search/?q=L2510-0147").get_data(as_text=True)
    assert "the best 2 are shown" in page
    assert re.search(r'href="/search/\?(q=L2510-0147&amp;type=exceedance|type=exceedance&amp;q=L2510-0147)">'
                     r'All 2 exceedances', page)


@pytest.mark.parametrize("query", ["q=%22", "q=NEAR(", "q=AND+OR+NOT", "q=*", "q=-", "type=bogus&q=x",
                                   "from=not-a-date", "parameter=copper", "permit=NOPE&q=x", "q=" + "x" * 500])
def test_odd_input_is_answered_not_an_error(client, login_as, records, query):
    login_as("viewer")
    assert client.get(f"/search/?{query}").status_code == 200


def test_the_top_bar_box_searches(client, login_as, records):
    login_as("labtech")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<form class="topbar-search" role="search" method="get" action="/search/">', page)
    assert 'name="q"' in page
    page = client.get("/search/?q=COC-88121").get_data(as_text=True)
    assert 'value="COC-88121"' in page  # the box keeps what was asked
    assert "Sample L2510-0147" in page


def test_an_empty_search_explains_itself(client, login_as, records):
    login_as("viewer")
    page = client.get("/search/").get_data(as_text=True)
    assert "Type a sample id" in page and "<h2>" not in page
