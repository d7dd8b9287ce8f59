"""Pre-submission flags through a real DMR: in the JSON, on the review page, and in the way of sign-off (CALC-06)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from lxml import html

from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, SignOffError, flag_key, sign_report
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 5, 15, 0, tzinfo=timezone.utc)
SIGNER = Signature("Morgan Manager", "Plant Manager", certify=True)
# EPA parameter 51040 "E. coli" (DMR_Parameter_List_10302018.csv), averaged the way the permit writes it.
E_COLI = {"code": "51040", "name": "E. coli", "monitoring_location": "1", "season": 0, "frequency": "1/7",
          "sample_type": "grab", "conditional": False,
          "columns": [{"slot": "C2", "statistical_base": "monthly_average", "limit": "126", "unit": "cfu/100mL"},
                      {"slot": "C3", "statistical_base": "daily_maximum", "limit": "410", "unit": "cfu/100mL"}]}


@pytest.fixture
def bacteria_month(db):
    document = permit_document("npdes")
    document["permit"]["outfalls"][0]["parameters"].append(E_COLI)
    import_permit_definition(db.session, document)
    for sample_id, day, value in (("EC-1", "2026-03-03T08:00", "40"), ("EC-2", "2026-03-10T08:00", "200"),
                                  ("EC-3", "2026-03-17T08:00", "90")):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "51040",
                                   "sample_id": sample_id, "sampled_at": day, "value": value, "unit": "cfu/100mL",
                                   "received_at": "2026-03-31T12:00"}, now=NOW)
    db.session.commit()


def test_CALC_06_bacteria_average_flag_is_in_the_dmr_on_the_page_and_must_be_acknowledged(
        runner, client, db, login_as, make_user, bacteria_month, tmp_path):
    built = runner.invoke(args=["dmr", "build", "--permit", "CT0000001", "--period", "2026-03", "--format", "json",
                                "--out", "-"])
    assert built.exit_code == 0, built.output
    document = json.loads(built.stdout)
    e_coli = next(p for p in document["outfalls"][0]["parameters"] if p["code"] == "51040")
    assert e_coli["values"]["C2"]["value"] == "110"  # (40 + 200 + 90) / 3, arithmetic as the column says
    flag = next(f for f in e_coli["flags"] if f["code"] == "BACTERIA_ARITHMETIC_AVERAGE")
    assert (flag["parameter"], flag["slot"]) == ("51040", "C2") and "CALC-06" in flag["reason"]
    assert flag in document["flags"]
    assert not [f for f in e_coli["flags"] if f["slot"] == "C3" and f["code"] == "BACTERIA_ARITHMETIC_AVERAGE"]

    key = flag_key(flag)
    assert key == "BACTERIA_ARITHMETIC_AVERAGE|51040|C2"
    login_as("viewer")
    page = html.fromstring(client.get("/reports/CT0000001/2026-03").get_data(as_text=True))
    shown = page.xpath(f"//ol[@class='flags']/li[@data-flag='{key}']")
    assert len(shown) == 1 and "geometric" in shown[0].text_content()

    manager = make_user("manager")
    everything_else = {flag_key(f): "reviewed" for f in document["flags"] if flag_key(f) != key}
    with pytest.raises(SignOffError, match="BACTERIA_ARITHMETIC_AVERAGE\\|51040\\|C2"):
        sign_report(db.session, "CT0000001", "2026-03", SIGNER, everything_else, now=NOW, store=tmp_path,
                    actor_id=manager.id, actor_label=manager.email)
    comment = "permit Part I.A: the E. coli monthly limit is an arithmetic average"
    report = sign_report(db.session, "CT0000001", "2026-03", SIGNER, {**everything_else, key: comment}, now=NOW,
                         store=tmp_path, actor_id=manager.id, actor_label=manager.email)
    assert {"flag": key, "comment": comment} in report.acknowledgements
