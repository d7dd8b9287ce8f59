"""Every way a password is set (account creation, a change, an invitation) applies the same password rules."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.users import (AccountError, accept_invitation, change_password, create_user,
                                invitation_token)
from tests.conftest import TEST_PASSWORD


def test_creating_an_account_with_a_common_password_is_refused(db):
    with pytest.raises(AccountError, match="password: this is one of the most commonly used"):
        create_user(db.session, email="pat@example.com", name="Pat Jones", role="labtech", password="Password123")


def test_creating_an_account_whose_password_is_its_email_is_refused(db):
    with pytest.raises(AccountError, match="password: it must not be your e-mail address"):
        create_user(db.session, email="pat.jones@example.com", name="Pat Jones", role="labtech",
                    password="Pat.Jones@example.com")


def test_changing_to_ones_own_name_is_refused_and_the_password_stays(db, make_user):
    user = make_user("labtech", name="Patricia Jonesworth")
    with pytest.raises(AccountError, match="password: it must not be your name"):
        change_password(db.session, user, current=TEST_PASSWORD, new="patricia jonesworth")
    change_password(db.session, user, current=TEST_PASSWORD, new="a brand new secret")


def test_an_invitation_refuses_a_common_password(app, db):
    user = create_user(db.session, email="new@example.com", name="New Person", role="labtech", password=None)
    db.session.commit()
    token = invitation_token(user, app.config["SECRET_KEY"])
    with pytest.raises(AccountError, match="commonly used"):
        accept_invitation(db.session, token, "qwertyuiop", secret_key=app.config["SECRET_KEY"],
                          max_age=timedelta(hours=1))
    assert user.password_hash is None
