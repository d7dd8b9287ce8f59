"""Every endpoint has a rule, and the rule holds for every role (the URL map is walked)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.authz import ENDPOINT_PERMISSIONS, PUBLIC_ENDPOINTS, ROLE_PERMISSIONS
from app.config import document_store_path
from tests.factories import permit_document

ROLES = ("admin", "manager", "labtech", "viewer")


def _endpoints(app):
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - {"static"})


def test_every_endpoint_has_an_access_rule(app):
    unlisted = [e for e in _endpoints(app) if e not in PUBLIC_ENDPOINTS and e not in ENDPOINT_PERMISSIONS]
    assert unlisted == [], f"add these endpoints to app/authz.py ENDPOINT_PERMISSIONS: {unlisted}"


def test_the_rule_table_names_only_real_endpoints(app):
    assert set(ENDPOINT_PERMISSIONS) <= set(_endpoints(app))


@pytest.fixture
def url_args(db):
    """Values for every URL variable the app uses, backed by real rows."""
    from app.services.events import EventReport, report_event
    from app.services.permits import import_permit_definition
    from app.services.results import record_result
    from tests.factories import create_test_user

    import_permit_definition(db.session, permit_document("npdes"))
    target = create_test_user(db.session, role="viewer", email="target@test.example")
    # An event gives the obligation whose id the compliance forms post to.
    _event, obligations = report_event(db.session, EventReport(
        permit="CT0000001", kind="upset", discovered_at=datetime(2026, 3, 13, 13, 15, tzinfo=timezone.utc)))
    # A stored result gives the result page and its correction form.
    outcome = record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                         "sample_id": "AUTHZ-1", "sampled_at": "2026-03-10T08:00", "value": "12",
                                         "unit": "mg/L"}, now=datetime(2026, 3, 12, tzinfo=timezone.utc))
    # A failed reminder gives the outbox retry form.
    from app.models.schedule import OutboxMessage
    message = OutboxMessage(dedupe_key="authz", kind="sampling_due", recipient="x@test.example", subject="s",
                            body_text="b", due_at=datetime(2026, 3, 12, tzinfo=timezone.utc), status="failed")
    db.session.add(message)
    # The records pages: a stored document (its file in the app's store, so the download works), an
    # instrument, and the sample behind the result above.
    from flask import current_app

    from app.models.monitoring import Result
    from app.services.calibration import InstrumentSpec, register_instrument
    from app.services.documents import DocumentUpload, store_document
    store = document_store_path(current_app.config, current_app.instance_path)
    document = store_document(db.session, DocumentUpload(
        data=b"COC-1 relinquished by A, received by B", filename="coc.txt", kind="chain_of_custody",
        title="COC 1", document_date=datetime(2026, 3, 10).date(), permit_number="CT0000001"), store=store)
    instrument = register_instrument(db.session, InstrumentSpec(name="authz pH meter", kind="ph_meter",
                                                                calibration_interval_days=1,
                                                                permit_number="CT0000001", outfall="001"))
    from app.services.inspector_links import issue_inspector_link
    link = issue_inspector_link(db.session, label="authz inspector", hours=2, actor=target,
                                now=datetime.now(timezone.utc)).link
    db.session.commit()
    return {"link_id": link.id, "number": "CT0000001", "permit": "CT0000001", "period": "2026-03", "version": 1, "user_id": target.id, "active": 1, "token": "x",
            "obligation_id": obligations[0].id, "result_id": outcome.result_id, "message_id": message.id,
            "document_id": document.id, "instrument_id": instrument.id, "fmt": "json",
            "sample_id": db.session.get(Result, outcome.result_id).sample_pk}


def _requests(app, url_args):
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            url = url_for(rule.endpoint, **{arg: url_args[arg] for arg in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def test_anonymous_requests_are_sent_to_login(app, client, url_args):
    for endpoint, method, url in _requests(app, url_args):
        response = client.open(url, method=method)
        if endpoint in PUBLIC_ENDPOINTS:
            assert response.status_code != 403, (endpoint, method)
            continue
        if endpoint.startswith("api."):  # a script has no login page: 401 in JSON
            assert (response.status_code, response.mimetype) == (401, "application/json"), (endpoint, method)
            continue
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/auth/login" in response.headers["Location"], (endpoint, method)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_its_permissions_allow(app, client, db, login_as, url_args, role):
    from app.services.users import issue_api_token

    user = login_as(role)
    for endpoint, method, url in _requests(app, url_args):
        if endpoint in PUBLIC_ENDPOINTS or endpoint == "auth.logout":
            continue
        headers = {}
        if endpoint.startswith("api."):
            # The API knows the user by the bearer token only; a fresh one, as the profile page's
            # endpoints in this walk replace and revoke the user's token.
            headers = {"Authorization": f"Bearer {issue_api_token(db.session, user)}"}
            db.session.commit()
        response = client.open(url, method=method, data={}, headers=headers)
        assert response.status_code != 401, (role, endpoint, method)
        allowed = ENDPOINT_PERMISSIONS[endpoint] in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code != 403, (role, endpoint, method)
            assert response.status_code < 500, (role, endpoint, method, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, method, response.status_code)


def test_viewer_cannot_change_anything():
    # The inspector's account is read-only by construction, not by page-by-page care.
    assert ROLE_PERMISSIONS["viewer"] == frozenset({"view"})
    writes = [e for e, p in ENDPOINT_PERMISSIONS.items() if p != "view"]
    assert writes, "there must be write endpoints for this test to mean anything"
