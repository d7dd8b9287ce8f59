"""The reports pages: the periods, the DMR laid out for review with derivations, its files, roles, NODIs, CSRF."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree, html
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models.monitoring import Result
from app.models.report import NodiDeclaration, SignedReport
from app.services.dmr_build import build_dmr
from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, flag_key, sign_report
from app.services.report_views import recent_periods
from app.services.results import record_result
from tests.conftest import TEST_PASSWORD
from tests.factories import permit_document
from tests.web.test_csrf import _token, csrf_client  # noqa: F401  (csrf_client is a fixture used here)

UTC = timezone.utc
NOW = datetime(2026, 4, 2, 12, tzinfo=UTC)
REVIEW = "/reports/CT0000001/2026-03"
XSD = Path(__file__).resolve().parents[3] / "shared" / "domain" / "icis_npdes_5.14_xsd" / "index.xsd"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTFALL_DOCUMENTS_PATH", str(tmp_path / "documents"))
    return tmp_path / "documents"


def _store(db, code, sample_id, day, value, unit="mg/L", qualifier="", actor_id=None, **extra):
    return record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": code,
                                      "sample_id": sample_id, "sampled_at": day, "value": value, "unit": unit,
                                      "qualifier": qualifier, "received_at": "2026-03-31T12:00", **extra}, now=NOW,
                         actor_id=actor_id, actor_label="test")


@pytest.fixture
def month(db, store):
    """March 2026 by hand: copper 0.30, <0.10, 1.4 (mean 0.5667 -> 0.57 over 0.50; max 1.4 over 1.0); TSS 22
    and 72 mg/L with flow 0.150 MGD on the 3rd only (mass 22 x 0.150 x 8.34 = 27.522 -> 28 lb/d)."""
    import_permit_definition(db.session, permit_document("npdes"))
    for sample_id, day, value, qualifier in (("CU-1", "2026-03-03T08:00", "0.30", ""),
                                             ("CU-2", "2026-03-10T08:00", "0.10", "<"),
                                             ("CU-3", "2026-03-17T08:00", "1.4", "")):
        _store(db, "01042", sample_id, day, value, qualifier=qualifier)
    _store(db, "00530", "TSS-1", "2026-03-03T08:00", "22")
    _store(db, "00530", "TSS-2", "2026-03-10T08:00", "72")
    _store(db, "50050", "FLOW-1", "2026-03-03", "0.150", unit="MGD")
    db.session.commit()


def _tree(response):
    return html.fromstring(response.get_data(as_text=True))


def _cell(tree, outfall, code, slot):
    cells = tree.xpath(f"//tr[@id='row-{outfall}-{code}-1-0']/td[@data-slot='{slot}']")
    assert len(cells) == 1, (outfall, code, slot)
    return cells[0]


def _fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)


def _sign_data(page: str, *, acknowledge=True, **overrides) -> dict:
    data = {"fingerprint": _fingerprint(page),
            "signer_name": "Morgan Manager", "signer_title": "Plant Manager", "certify": "y"}
    if acknowledge:
        data.update({name: "reviewed with the lab" for name in re.findall(r'name="(ack-[0-9a-f]{16})"', page)})
    data.update(overrides)
    return data


def _sign(client, page=None):
    page = page or client.get(REVIEW).get_data(as_text=True)
    return client.post(REVIEW + "/sign", data=_sign_data(page))


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# ---- the review page --------------------------------------------------------------------------------------

def test_the_review_page_lays_out_values_limits_and_violations(client, login_as, month):
    login_as("viewer")
    response = client.get(REVIEW)
    assert response.status_code == 200
    tree = _tree(response)
    copper_average, copper_max = _cell(tree, "001", "01042", "C2"), _cell(tree, "001", "01042", "C3")
    assert copper_average.text_content().split()[:2] == ["0.57", "mg/L"]
    assert "violation" in copper_average.get("class") and "violation" in copper_max.get("class")
    assert copper_max.text_content().split()[0] == "1.4"
    limits = tree.xpath("//tr[@id='row-001-01042-1-0']/following-sibling::tr[1]/td[@class='limit']")
    assert [" ".join(td.text_content().split()) for td in limits if td.text_content().strip()] == \
        ["0.50 mg/L monthly average", "1.0 mg/L daily maximum"]
    mass = _cell(tree, "001", "00530", "Q1")
    assert mass.text_content().split()[:2] == ["28", "lb/d"] and "violation" not in mass.get("class")
    assert "violation" in _cell(tree, "001", "00530", "C3").get("class")  # 72 over 60
    assert _cell(tree, "001", "01092", "C2").text_content().split()[0] == "—"  # zinc: no result, asks for a NODI
    copper_row = tree.xpath("//tr[@id='row-001-01042-1-0']")[0]
    assert [" ".join(td.text_content().split()) for td in copper_row.xpath("td")[-3:]] == \
        ["1", "3/31 required 1/7", "24-hour composite 3 sample(s)"]
    flags = [li.get("data-flag") for li in tree.xpath("//ol[@class='flags']/li")]
    assert "NODI_REQUIRED|01092|" in flags and "FLOW_MISSING_FOR_MASS|00530|Q1" in flags
    assert "Revision needed" not in response.get_data(as_text=True)


def test_each_value_links_to_its_derivation_with_the_samples_behind_it(client, db, login_as, month):
    login_as("viewer")
    tree = _tree(client.get(REVIEW))
    link = _cell(tree, "001", "01042", "C2").xpath(".//a")[0].get("href")
    assert link == "#derive-001-01042-1-0-C2"
    section = tree.xpath(f"//section[@id='{link[1:]}']")[0]
    text = " ".join(section.text_content().split())
    assert "CALC-02 monthly average" in text and "CALC-01 daily value" in text
    assert "ND-02 a non-detect counts as zero" in text
    assert "ND-07 2 significant figure(s), as the limit 0.50 is written" in text
    assert "Unrounded 0.5666666667… → reported 0.57 mg/L" in text and "violation" in text
    rows = section.xpath(".//table[@class='derivation-values']/tbody/tr")
    assert [r.xpath("td")[0].text_content().strip() for r in rows] == ["2026-03-03", "2026-03-10", "2026-03-17"]
    assert [r.xpath("td")[1].text_content().strip() for r in rows] == ["0.30", "<0.10", "1.4"]
    results = {r.sample_id: r for r in db.session.scalars(select(Result).where(Result.parameter_code == "01042"))}
    hrefs = set(section.xpath(".//ul[contains(@class, 'sources')]//a/@href"))
    for code in ("CU-1", "CU-2", "CU-3"):
        assert f"/records/samples/{results[code].sample_pk}" in hrefs
        assert f"/results/{results[code].id}" in hrefs
    mass = " ".join(tree.xpath("//section[@id='derive-001-00530-1-0-Q1']")[0].text_content().split())
    assert "CALC-07 mass" in mass and "Flow (MGD)" in mass and "0.150" in mass and "Unrounded 27.522" in mass
    weekly = " ".join(tree.xpath("//section[@id='derive-001-00530-1-0-C1']")[0].text_content().split())
    assert "CALC-03 weekly average" in weekly and "saturday month" in weekly


@pytest.mark.parametrize("fmt, content_type, name", [
    ("json", "application/json", "CT0000001_2026-03.json"),
    ("icis-xml", "application/xml", "CT0000001_2026-03.xml"),
    ("netdmr-csv", "text/csv", "CT0000001_2026-03.csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "CT0000001_2026-03.xlsx"),
])
def test_each_format_downloads_with_its_content_type_and_name(client, db, login_as, month, fmt, content_type, name):
    login_as("viewer")
    response = client.get(f"{REVIEW}/download/{fmt}")
    assert response.status_code == 200 and response.mimetype == content_type
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    data = response.data
    if fmt == "json":
        assert json.loads(data) == json.loads(json.dumps(build_dmr(db.session, "CT0000001", "2026-03").document))
    elif fmt == "icis-xml":
        schema = etree.XMLSchema(etree.parse(str(XSD)))
        tree = etree.fromstring(data)
        assert schema.validate(tree), schema.error_log
        ns = {"i": "http://www.exchangenetwork.net/schema/icis/5"}
        assert tree.xpath("//i:ReportParameter[i:ParameterCode='01042']/i:NumericReport[i:NumericReportCode='C2']"
                          "//i:NumericConditionQuantity/text()", namespaces=ns) == ["0.57"]
    elif fmt == "netdmr-csv":
        row = next(r for r in csv.DictReader(data.decode().splitlines()) if r["parameter_cd"] == "01042")
        assert (row["permitted_feature_id"], row["conc_2_value"], row["conc_3_value"]) == ("001", "0.57", "1.4")
    else:
        cells = {str(c.value) for row in load_workbook(io.BytesIO(data))["Outfall 001"].iter_rows() for c in row}
        assert "0.57" in cells


def test_bad_addresses_answer_404_or_say_what_is_wrong(client, db, login_as, month):
    login_as("viewer")
    assert client.get("/reports/CT9999999/2026-03").status_code == 404
    assert client.get(f"{REVIEW}/download/pdf").status_code == 404
    for period in ("2026-Q1", "March", "2025-12"):
        response = client.get(f"/reports/CT0000001/{period}", follow_redirects=True)
        assert response.status_code == 200 and response.request.path == "/reports/"
        assert "No such report: --period" in response.get_data(as_text=True)
    # An SMR whose unit has no ICIS code: the XML cannot be made, and the page says why.
    import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()
    response = client.get("/reports/SP0002345/2026-H1/download/icis-xml", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/reports/SP0002345/2026-H1"
    assert "no ICIS unit code is known for unit &#39;gpd&#39;" in response.get_data(as_text=True)


def test_the_index_lists_each_permits_periods_with_their_status(client, db, login_as, store):
    import_permit_definition(db.session, permit_document("npdes"))
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
    periods = [p for p in recent_periods("monthly", today) if p.start.year >= 2026]
    last = periods[1]  # the month before this one: over, with one result in it
    _store(db, "01042", "CU-9", f"{last.start.isoformat()}T08:00", "0.20")
    db.session.commit()
    login_as("viewer")
    tree = _tree(client.get("/reports/"))
    rows = tree.xpath("//section[@id='permit-CT0000001']//tbody/tr")
    assert [r.xpath("td/a")[0].text for r in rows] == [p.label for p in periods]
    assert rows[1].xpath("td/a/@href") == [f"/reports/CT0000001/{last.label}"]
    statuses = [r.xpath("td/strong")[0].text for r in rows]
    # Zinc, pH and flow of the month before still need data or NODIs; the others have no result yet.
    assert statuses == ["not started", "data incomplete"] + ["not started"] * (len(periods) - 2)
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/reports/"' in dashboard  # the navigation
    assert f'href="/reports/CT0000001/{last.label}"' in dashboard  # the dashboard's reports card


# ---- roles, NODI, CSRF ------------------------------------------------------------------------------------

def test_the_viewer_sees_everything_but_no_form_and_cannot_post(app, client, db, login_as, month, store, make_user):
    manager = make_user("manager")
    acks = {flag_key(f): "ok" for f in build_dmr(db.session, "CT0000001", "2026-03").document["flags"]}
    sign_report(db.session, "CT0000001", "2026-03", Signature("M. Manager", "Plant Manager", True), acks,
                now=NOW, store=store, actor_id=manager.id, actor_label=manager.email)
    db.session.commit()
    login_as("viewer")
    tree = _tree(client.get(REVIEW))
    assert tree.xpath("//article[@id='revision-1']//code[@class='sha256']")
    assert tree.xpath("//form[@method='post']") == tree.xpath("//header//form[@method='post']")  # sign-out only
    assert not tree.xpath("//textarea") and "Sign revision" not in tree.text_content()
    posts = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("reports.") and "POST" in r.methods]
    assert len(posts) == 3
    for rule in posts:
        url = rule.replace("<number>", "CT0000001").replace("<period>", "2026-03")
        assert client.post(url, data={"reason": "x", "code": "C", "outfall": "002"}).status_code == 403, url
    assert (_count(db, SignedReport), _count(db, NodiDeclaration)) == (1, 0)


def test_the_nodi_form_declares_and_a_later_declaration_supersedes(client, db, login_as, month):
    login_as("manager")
    response = client.post(REVIEW + "/nodi", data={"outfall": "001", "parameter": "00556", "code": "D",
                                                   "reason": "lost"})
    assert response.status_code == 400 and "outfall 001 does not monitor 00556" in response.get_data(as_text=True)
    response = client.post(REVIEW + "/nodi", data={"outfall": "002", "parameter": "", "code": "B", "reason": "x"})
    assert response.status_code == 400 and "B (below detection) is off for this permit" in \
        response.get_data(as_text=True)
    for code, reason in (("E", "bottle broke"), ("C", "no discharge all month")):
        response = client.post(REVIEW + "/nodi", data={"outfall": "002", "parameter": "", "code": code,
                                                       "reason": reason})
        assert response.status_code == 302 and response.headers["Location"].endswith(REVIEW + "#nodi")
    statuses = sorted((d.code, d.status) for d in db.session.scalars(select(NodiDeclaration)))
    assert statuses == [("C", "active"), ("E", "superseded")]
    tree = _tree(client.get(REVIEW))
    assert "NODI C" in _cell(tree, "002", "00556", "C3").text_content()
    derivation = " ".join(tree.xpath("//section[@id='derive-002-00556-1-0-C3']")[0].text_content().split())
    assert "No Data Indicator C (No Discharge)" in derivation and "no discharge all month" in derivation
    assert len(tree.xpath("//section[@id='nodi']//tbody/tr")) == 2


def test_report_forms_need_the_csrf_token(csrf_client, db, month, make_user):  # noqa: F811
    user = make_user("manager")
    token = _token(csrf_client.get("/auth/login").get_data(as_text=True))
    assert csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD,
                                                 "csrf_token": token}).status_code == 302
    response = csrf_client.post(REVIEW + "/nodi", data={"outfall": "002", "code": "C", "reason": "none"})
    assert response.status_code == 400 and b"Form expired" in response.data
    assert _count(db, NodiDeclaration) == 0
