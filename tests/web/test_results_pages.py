"""The results pages: the list, one sample's entry (check, save), a result with its corrections, and file import."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.compliance import ACTIVE, WITHDRAWN, Exceedance
from app.models.monitoring import Result, ResultRevision, Sample
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document
from tests.web.test_csrf import _token, csrf_client  # noqa: F401  (csrf_client is a fixture used here)

ENTER = "/results/enter?permit=CT0000001&outfall=001"
HEADER = "permit,outfall,parameter_code,sample_id,sampled_at,value,qualifier,unit\n"


@pytest.fixture
def permits(db):
    import_permit_definition(db.session, permit_document("npdes"))
    import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _grid(client, url: str = ENTER) -> tuple[dict[str, int], dict[str, str]]:
    """The grid as the page offers it: parameter code → row index, and every row's hidden fields."""
    html = client.get(url).get_data(as_text=True)
    hidden = dict(re.findall(r'name="(rows-\d+-(?:parameter_code|monitoring_location))" type="hidden" value="([^"]*)"',
                             html))
    index = {code: int(re.match(r"rows-(\d+)-", name).group(1)) for name, code in hidden.items()
             if name.endswith("parameter_code")}
    return index, hidden


def _entry(client, values: dict[str, str | tuple], button: str, url: str = ENTER, **shared) -> dict:
    """Form data for the grid: values maps a code to its value (or to (value, unit)); shared fields as given."""
    index, data = _grid(client, url)
    data = {**data, "sample_id": "S-100", "sampled_at": "2026-03-10T08:00", "sample_type": "composite", **shared,
            button: button.capitalize()}
    for code, value in values.items():
        value, unit = value if isinstance(value, tuple) else (value, None)
        data[f"rows-{index[code]}-value"] = value
        data[f"rows-{index[code]}-unit"] = unit or ("SU" if code == "00400" else "mg/L")
    return data


def test_roles_and_the_nav_link(client, db, permits, login_as):
    outcome = record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                         "sample_id": "V-1", "sampled_at": "2026-03-10T08:00", "value": "12",
                                         "unit": "mg/L"}, now=datetime(2026, 3, 11, tzinfo=timezone.utc))
    db.session.commit()
    login_as("viewer")
    listing = client.get("/results/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert 'href="/results/"' in html and ">Results</a>" in html  # the nav link
    assert f'href="/results/{outcome.result_id}"' in html and "Enter a sample" not in html
    page = client.get(f"/results/{outcome.result_id}").get_data(as_text=True)
    assert "Revision history" in page and "Correct this result" not in page
    for url in (ENTER, "/results/import"):
        assert client.get(url).status_code == 403
    assert client.post(f"/results/{outcome.result_id}/correct", data={}).status_code == 403

    for role, allowed in (("admin", False), ("labtech", True), ("manager", True)):
        client.post("/auth/logout")
        login_as(role)
        assert (client.get(ENTER).status_code == 200) is allowed, role
        assert (client.get("/results/import").status_code == 200) is allowed, role


def test_the_outfall_chooser_links_to_each_sampling_point(client, permits, login_as):
    login_as("labtech")
    html = client.get("/results/enter").get_data(as_text=True)
    assert 'href="/results/enter?permit=CT0000001&amp;outfall=001"' in html
    assert 'href="/results/enter?permit=SP0002345&amp;outfall=101"' in html
    assert client.get("/results/enter?permit=CT0000001&outfall=1").status_code == 404  # "1" is not "001"


def test_the_grid_has_every_parameter_with_the_limit_unit(client, permits, login_as):
    login_as("labtech")
    html = client.get(ENTER).get_data(as_text=True)
    index, _hidden = _grid(client)
    assert sorted(index) == ["00400", "00530", "01042", "01092", "50050"]
    # TSS has mass columns (lb/d) too; a lab reports the concentration, so that is the unit offered.
    assert re.search(rf'name="rows-{index["00530"]}-unit" type="text" value="mg/L"', html)
    assert re.search(rf'name="rows-{index["50050"]}-unit" type="text" value="MGD"', html)
    assert "daily maximum 60 mg/L" in html


def test_check_shows_the_verdict_and_stores_nothing(client, db, permits, login_as):
    login_as("labtech")
    audit_before = _count(db, AuditEntry)
    # Analysed ten days after sampling: TSS keeps seven (40 CFR 136.3(e) Table II).
    data = _entry(client, {"00530": "72", "01042": "0.2"}, "check", analyzed_at="2026-03-20T09:00")
    response = client.post(ENTER, data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Checked — nothing was stored" in html
    assert "Would exceed: 00530 daily maximum 72 mg/L over the limit 60" in html
    assert "Holding time exceeded" in html and "Skipped: no value." in html
    assert "No exceedance found." in html  # copper 0.2 mg/L is under both limits
    assert (_count(db, Result), _count(db, Sample), _count(db, Exceedance)) == (0, 0, 0)
    assert _count(db, AuditEntry) == audit_before


def test_check_flags_a_composite_grab_only_pollutant_on_a_pretreatment_permit(client, db, permits, login_as):
    login_as("labtech")
    url = "/results/enter?permit=SP0002345&outfall=101"
    data = _entry(client, {"00720": "0.01"}, "check", url=url, sample_type="composite")
    html = client.post(url, data=data).get_data(as_text=True)
    assert "must be a grab sample under a pretreatment permit (SAMP-01" in html
    assert _count(db, Result) == 0


def test_check_names_the_field_of_a_bad_row(client, db, permits, login_as):
    login_as("labtech")
    html = client.post(ENTER, data=_entry(client, {"00530": "abc"}, "check")).get_data(as_text=True)
    assert "Would be rejected: value: expected a decimal number such as 12.5, got &#39;abc&#39;" in html


def test_save_stores_the_sample_and_shows_the_exceedance(client, db, permits, login_as):
    user = login_as("labtech")
    data = _entry(client, {"00530": "72", "01042": "0.2"}, "save", chain_of_custody="COC-9", lab="Acme Labs")
    response = client.post(ENTER, data=data)
    assert response.status_code == 302
    tss = db.session.scalars(select(Result).where(Result.parameter_code == "00530")).one()
    assert response.headers["Location"].endswith(f"/results/{tss.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sample S-100: 00530 saved (revision 1), 01042 saved (revision 1)." in page
    assert "exceedance created: 00530 daily maximum 72 mg/L over the limit 60 mg/L (2026-03-10)" in page
    assert "Solids, total suspended" in page and "COC-9" in page and "Acme Labs" in page
    assert "Copper, total" in page  # the other result of the sample is linked
    assert (_count(db, Result), _count(db, Sample)) == (2, 1)
    assert tss.current.entered_by_id == user.id and tss.current.sample_type == "composite"
    exceedances = db.session.scalars(select(Exceedance).where(Exceedance.status == ACTIVE)).all()
    assert any(e.statistical_base == "daily_maximum" and e.sample_ids == ["S-100"] for e in exceedances)


def test_save_with_one_bad_row_stores_nothing_and_names_the_field(client, db, permits, login_as):
    login_as("labtech")
    audit_before = _count(db, AuditEntry)
    data = _entry(client, {"00530": "72", "01042": ("0.2", "furlongs")}, "save")
    response = client.post(ENTER, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was stored" in html and "unit: unknown unit &#39;furlongs&#39;" in html
    assert (_count(db, Result), _count(db, Sample), _count(db, Exceedance)) == (0, 0, 0)
    assert _count(db, AuditEntry) == audit_before
    # The typed values come back, so only the bad one needs fixing.
    assert 'value="72"' in html and 'value="furlongs"' in html


def test_save_without_any_value_asks_for_one(client, db, permits, login_as):
    login_as("labtech")
    response = client.post(ENTER, data=_entry(client, {}, "save"))
    assert response.status_code == 400
    assert "Enter a value for at least one parameter." in response.get_data(as_text=True)


def test_a_sampling_time_in_the_future_is_refused(client, db, permits, login_as):
    login_as("labtech")
    response = client.post(ENTER, data=_entry(client, {"00530": "12"}, "save", sampled_at="2099-01-01T08:00"))
    assert response.status_code == 400 and "Cannot be in the future." in response.get_data(as_text=True)
    assert _count(db, Result) == 0


def test_entering_other_values_for_a_stored_result_is_a_conflict(client, db, permits, login_as):
    login_as("labtech")
    assert client.post(ENTER, data=_entry(client, {"00530": "12"}, "save")).status_code == 302
    response = client.post(ENTER, data=_entry(client, {"00530": "13"}, "save"))
    assert response.status_code == 400
    assert "is already stored with other values" in response.get_data(as_text=True)
    assert _count(db, ResultRevision) == 1


def _stored_tss(db, value: str = "72") -> int:
    outcome = record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                         "sample_id": "C-1", "sampled_at": "2026-03-10T08:00", "value": value,
                                         "unit": "mg/L", "rl": "4.0", "lab": "Acme Labs"},
                            now=datetime(2026, 3, 11, 15, tzinfo=timezone.utc))
    db.session.commit()
    return outcome.result_id


def _correction(client, result_id: int, **changes) -> dict:
    html = client.get(f"/results/{result_id}").get_data(as_text=True)
    form = html[html.index('id="correct"'):]
    data = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*type="text" value="([^"]*)"', form))
    assert {"value", "unit", "sampled_at"} <= set(data)
    data.update({"qualifier": "", "sample_type": "", "notes": "", "correction_reason": ""})
    data.update(changes)
    return data


def test_a_correction_needs_a_reason_then_makes_revision_2_and_shows_the_history(client, db, permits, login_as):
    result_id = _stored_tss(db)
    user = login_as("labtech")
    page = client.get(f"/results/{result_id}").get_data(as_text=True)
    assert re.search(r'name="value" [^>]*value="72"', page)
    assert re.search(r'name="sampled_at" [^>]*value="2026-03-10T08:00"', page)

    refused = client.post(f"/results/{result_id}/correct", data=_correction(client, result_id, value="22"))
    assert refused.status_code == 400
    assert "Give the reason for the correction" in refused.get_data(as_text=True)
    assert _count(db, ResultRevision) == 1

    data = _correction(client, result_id, value="22", correction_reason="transcription error: 22 read as 72")
    response = client.post(f"/results/{result_id}/correct", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/results/{result_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Result C-1: 00530 saved (revision 2)." in page
    assert "exceedance withdrawn: 00530 daily maximum 72 mg/L over the limit 60 mg/L (2026-03-10)" in page
    history = page[page.index('id="history"'):page.index('id="correct"')]
    assert "transcription error: 22 read as 72" in history and user.email in history
    assert re.search(r"<code>value</code>: 72 → 22", history)
    assert "first entry" in history and "in force" in history
    result = db.session.get(Result, result_id)
    db.session.refresh(result)
    assert result.current_revision == 2 and result.current.reason == "transcription error: 22 read as 72"
    assert result.current.rl == "4.0" and result.current.lab == "Acme Labs"  # unchanged fields carried over
    assert db.session.scalars(select(Exceedance)).first().status == WITHDRAWN
    assert "withdrawn" in page[page.index('id="exceedances"'):]


def test_a_correction_with_the_same_values_changes_nothing(client, db, permits, login_as):
    result_id = _stored_tss(db)
    login_as("labtech")
    data = _correction(client, result_id, correction_reason="re-checked")
    response = client.post(f"/results/{result_id}/correct", data=data, follow_redirects=True)
    assert "Nothing changed" in response.get_data(as_text=True)
    assert _count(db, ResultRevision) == 1


def test_a_bad_correction_names_its_field(client, db, permits, login_as):
    result_id = _stored_tss(db)
    login_as("manager")
    data = _correction(client, result_id, sampled_at="10/03/2026", correction_reason="date fix")
    response = client.post(f"/results/{result_id}/correct", data=data)
    assert response.status_code == 400
    assert "sampled_at: expected an ISO 8601 date or date-time" in response.get_data(as_text=True)
    assert _count(db, ResultRevision) == 1


def test_the_list_filters_and_marks_exceeding_samples(client, db, permits, login_as):
    _stored_tss(db, "72")
    record_result(db.session, {"permit": "SP0002345", "outfall": "101", "parameter_code": "01042",
                               "sample_id": "P-1", "sampled_at": "2026-04-02T08:00", "value": "0.1", "unit": "mg/L"},
                  now=datetime(2026, 4, 3, tzinfo=timezone.utc))
    db.session.commit()
    login_as("viewer")
    html = client.get("/results/").get_data(as_text=True)
    assert "2 results" in html and html.index("P-1") < html.index("C-1")  # newest sample first
    assert html.count('class="badge exceeds"') == 1
    only = client.get("/results/?permit=CT0000001&parameter=00530&since=2026-03-01&until=2026-03-31")
    html = only.get_data(as_text=True)
    assert "1 result," in html and "C-1" in html and "P-1" not in html
    assert "0 results" in client.get("/results/?outfall=101&until=2026-03-31").get_data(as_text=True)


def _upload(client, content: bytes, name: str):
    response = client.post("/results/import", data={"file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    # The test client spools a big body to a temporary file; a request refused unread never closes it.
    response.request.environ["wsgi.input"].close()
    return response


def _uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


GOOD_ROWS = ("CT0000001,001,00530,F-1,2026-03-10T08:00,72,,mg/L\n"
             "CT0000001,001,01042,F-1,2026-03-10T08:00,0.2,,mg/L\n")


def test_import_previews_then_stores_and_deletes_the_file(app, client, db, permits, login_as):
    login_as("labtech")
    for stale in _uploads(app):
        stale.unlink()
    preview = _upload(client, (HEADER + GOOD_ROWS).encode(), "lims.csv")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Import preview" in html and "lims.csv" in html
    assert re.search(r"<dt>New results</dt><dd>2</dd>", html) and re.search(r"<dt>Rejected</dt><dd[^>]*>0</dd>", html)
    assert "00530 F-1" in html
    token = _token_of(html)
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", token) and len(_uploads(app)) == 1
    assert _count(db, Result) == 0

    done = client.post("/results/import", data={"token": token, "filename": "lims.csv"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/results/")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "lims.csv: imported 2, unchanged 0, rejected 0." in page
    assert "exceedance created: 00530 daily maximum 72 mg/L" in page
    assert _count(db, Result) == 2 and _uploads(app) == []
    # The token is spent: a second press finds no file.
    again = client.post("/results/import", data={"token": token, "filename": "lims.csv"}, follow_redirects=True)
    assert "no longer available" in again.get_data(as_text=True) and _count(db, Result) == 2


def test_import_is_all_or_nothing_unless_the_valid_rows_are_chosen(app, client, db, permits, login_as):
    login_as("manager")
    content = HEADER + GOOD_ROWS + "CT0000001,001,01092,F-1,2026-03-10T08:00,lots,,mg/L\n"
    html = _upload(client, content.encode(), "mixed.csv").get_data(as_text=True)
    assert re.search(r"<dt>Rejected</dt><dd[^>]*>1</dd>", html)
    assert "row 4, column value &#39;lots&#39;: expected a decimal number" in html
    token = _token_of(html)

    refused = client.post("/results/import", data={"token": token, "filename": "mixed.csv"})
    assert refused.status_code == 400
    assert "Nothing was stored: 1 row(s) were rejected." in refused.get_data(as_text=True)
    assert _count(db, Result) == 0 and len(_uploads(app)) == 1  # kept for a second try

    done = client.post("/results/import", data={"token": token, "filename": "mixed.csv", "skip_invalid": "y"},
                       follow_redirects=True)
    assert "mixed.csv: imported 2, unchanged 0, rejected 1." in done.get_data(as_text=True)
    assert _count(db, Result) == 2 and _uploads(app) == []


def test_an_xlsx_file_imports_too(client, db, permits, login_as):
    login_as("labtech")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["CT0000001", "001", "00530", "X-1", "2026-03-10T08:00", "12", "", "mg/L"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = _upload(client, buffer.getvalue(), "LIMS.XLSX").get_data(as_text=True)
    token = _token_of(html)
    assert token.endswith(".xlsx")
    client.post("/results/import", data={"token": token, "filename": "LIMS.XLSX"})
    assert _count(db, Result) == 1


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("content, name, message", [
    (b"hello", "notes.txt", "Only .csv and .xlsx results files are accepted."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.csv", "not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.xlsx", "not a readable .xlsx workbook"),
    (b"colour,shape\nred,round\n", "other.csv", "unknown column(s) &#39;colour&#39;"),
    (b"", "empty.csv", "the file is empty"),
    (_zip({"[Content_Types].xml": "<<<"}), "broken.xlsx", "not a readable .xlsx workbook"),
])
def test_a_bad_upload_is_rejected_with_a_clear_message(app, client, db, permits, login_as, content, name, message):
    login_as("labtech")
    before = _uploads(app)
    response = _upload(client, content, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _uploads(app) == before and _count(db, Result) == 0


def test_an_upload_over_20_mb_is_refused(client, db, permits, login_as):
    login_as("labtech")
    big = HEADER.encode() + b"x" * (20 * 1024 * 1024)
    response = _upload(client, big, "big.csv")
    assert response.status_code == 400 and "larger than 20 MB" in response.get_data(as_text=True)
    huge = _upload(client, big + b"x" * (128 * 1024), "huge.csv")
    assert huge.status_code == 413 and "20 MB" in huge.get_data(as_text=True)


@pytest.mark.parametrize("token", ["../../secret_key", "0" * 32 + ".csv/../../x", "0" * 32 + ".json", ""])
def test_a_token_is_never_a_path(client, db, permits, login_as, token):
    login_as("labtech")
    response = client.post("/results/import", data={"token": token, "filename": "x.csv"}, follow_redirects=True)
    assert "no longer available" in response.get_data(as_text=True)


def test_another_users_upload_cannot_be_imported(app, client, db, permits, login_as):
    login_as("labtech")
    token = _token_of(_upload(client, (HEADER + GOOD_ROWS).encode(), "lims.csv").get_data(as_text=True))
    client.post("/auth/logout")
    login_as("manager")
    response = client.post("/results/import", data={"token": token, "filename": "lims.csv"}, follow_redirects=True)
    assert "no longer available" in response.get_data(as_text=True) and _count(db, Result) == 0


def test_the_entry_form_needs_its_csrf_token(csrf_client, db, permits, make_user):
    from tests.conftest import TEST_PASSWORD

    user = make_user("labtech")
    login_token = _token(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": login_token})
    data = _entry(csrf_client, {"00530": "12"}, "save")
    assert csrf_client.post(ENTER, data=data).status_code == 400
    assert _count(db, Result) == 0
    data["csrf_token"] = _token(csrf_client.get(ENTER).get_data(as_text=True))
    assert csrf_client.post(ENTER, data=data).status_code == 302
