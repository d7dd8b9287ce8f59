"""API token scopes: a "read" token only reads, a "write" token may post results, neither beyond the role."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.models.monitoring import Result
from app.models.user import User
from app.services.permits import import_permit_definition
from app.services.users import AccountError, issue_api_token, token_digest
from tests.factories import permit_document
from tests.web.test_api import TSS


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _headers(db, user, scope: str) -> dict[str, str]:
    token = issue_api_token(db.session, user, scope=scope)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _results_stored(db) -> int:
    return db.session.scalar(select(func.count(Result.id)))


def test_a_read_token_reads_and_its_post_is_403_naming_the_scope(client, db, make_user, npdes):
    headers = _headers(db, make_user("labtech"), "read")
    assert client.get("/api/v1/results", headers=headers).status_code == 200
    assert client.get("/api/v1/permits", headers=headers).status_code == 200
    response = client.post("/api/v1/results", json=TSS, headers=headers)
    assert response.status_code == 403 and response.mimetype == "application/json"
    body = response.get_json()
    assert "scope is 'read'" in body["error"]
    assert body["details"][0]["scope"] == "read" and body["details"][0]["method"] == "POST"
    assert _results_stored(db) == 0


def test_a_write_token_posts_results(client, db, make_user, npdes):
    response = client.post("/api/v1/results", json=TSS, headers=_headers(db, make_user("labtech"), "write"))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert _results_stored(db) == 1


def test_a_write_token_stays_within_its_owners_role(client, db, make_user, npdes):
    response = client.post("/api/v1/results", json=TSS, headers=_headers(db, make_user("viewer"), "write"))
    assert response.status_code == 403
    assert "role" in response.get_json()["error"] and "scope" not in response.get_json()["error"]
    assert _results_stored(db) == 0


def test_an_unknown_scope_is_refused_and_nothing_changes(db, make_user):
    user = make_user("labtech")
    with pytest.raises(AccountError, match="scope: expected one of read, write"):
        issue_api_token(db.session, user, scope="admin")
    assert user.api_token_hash is None


def test_a_new_token_replaces_the_old_one_and_its_scope(client, db, make_user, npdes):
    user = make_user("labtech")
    old = _headers(db, user, "write")
    new = _headers(db, user, "read")
    assert client.get("/api/v1/permits", headers=old).status_code == 401
    assert client.post("/api/v1/results", json=TSS, headers=new).status_code == 403


@pytest.mark.parametrize("sent, stored", [({"scope": "read"}, "read"), ({"scope": "write"}, "write"), ({}, "read")])
def test_the_profile_page_creates_a_token_of_the_chosen_scope(client, db, login_as, sent, stored):
    user = login_as("labtech")
    page = client.post("/auth/profile/api-token", data=sent)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = html.split('id="api-token">')[1].split("<")[0]
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.api_token_hash, user.api_token_scope) == (token_digest(token), stored)
    assert f"Your new {stored} token" in html
    assert f"with the <strong>{stored}</strong> scope" in client.get("/auth/profile").get_data(as_text=True)


def test_the_profile_page_refuses_an_unknown_scope(client, db, login_as):
    user = login_as("labtech")
    page = client.post("/auth/profile/api-token", data={"scope": "everything"})
    assert page.status_code == 400 and "scope: expected one of read, write" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).api_token_hash is None


def test_tokens_issued_before_scopes_existed_are_write(client, db, npdes):
    # A row written without the column, as every row was before migration 0009, gets "write".
    token = "ofl_issued-before-scopes"
    db.session.execute(text(
        'INSERT INTO "user" (email, name, role, active, session_generation, created_at, reminder_preferences, '
        "api_token_hash) VALUES ('lims@example.com', 'LIMS', 'labtech', :true, 0, CURRENT_TIMESTAMP, '{}', :digest)"),
        {"true": True, "digest": token_digest(token)})
    db.session.commit()
    user = db.session.scalar(select(User).where(User.email == "lims@example.com"))
    assert user.api_token_scope == "write"
    response = client.post("/api/v1/results", json=TSS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_the_openapi_document_describes_the_scopes(client):
    scheme = client.get("/api/v1/openapi.json").get_json()["components"]["securitySchemes"]["bearer"]
    assert "`read`" in scheme["description"] and "`write`" in scheme["description"]
