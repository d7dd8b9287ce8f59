"""The password rules: a minimum length, no commonly used password (any case), not the e-mail or the name."""
import pytest

from app.domain.password_policy import MIN_PASSWORD_LENGTH, common_passwords, password_problem
from tests.conftest import TEST_PASSWORD

DEMO_PASSWORD = "outfall-demo"


def test_the_shipped_list_is_the_full_common_password_list():
    listed = common_passwords()
    assert len(listed) > 25_000
    assert {"password", "123456", "qwertyuiop", "password123"} <= listed


@pytest.mark.parametrize("password", ["qwertyuiop", "QWERTYUIOP", "Password123", "1234567890", "iloveyou12"])
def test_common_passwords_are_refused_in_any_case(password):
    assert len(password) >= MIN_PASSWORD_LENGTH  # so it is the list, not the length, that refuses it
    assert "commonly used" in password_problem(password)


@pytest.mark.parametrize("password", [DEMO_PASSWORD, TEST_PASSWORD, "a long enough secret", "a brand new secret"])
def test_the_demo_and_test_passwords_are_accepted(password):
    assert password_problem(password, email="someone@example.com", name="Test manager") is None


def test_too_short_is_refused():
    expected = f"at least {MIN_PASSWORD_LENGTH} characters are required"
    assert password_problem("x" * (MIN_PASSWORD_LENGTH - 1)) == expected
    assert password_problem("unusual-" + "x" * (MIN_PASSWORD_LENGTH - 8), common=frozenset()) is None


@pytest.mark.parametrize("password, email, name, refused", [
    ("pat.jones@example.com", "pat.jones@example.com", "Pat Jones", "e-mail address"),
    ("PAT.JONES@EXAMPLE.COM", "pat.jones@example.com", "Pat Jones", "e-mail address"),
    ("Patricia Jonesworth", "pj@example.com", "Patricia Jonesworth", "name"),
    ("patriciajonesworth", "pj@example.com", "Patricia  Jonesworth", "name"),
    ("patricia jonesworth!", "pj@example.com", "Patricia Jonesworth", None),
])
def test_the_accounts_own_email_or_name_is_refused(password, email, name, refused):
    problem = password_problem(password, email=email, name=name, common=frozenset())
    assert (problem is None) if refused is None else problem == f"it must not be your {refused}"


def test_a_given_list_replaces_the_shipped_one():
    assert password_problem("facility-secret", common=frozenset({"facility-secret"})) is not None
    assert password_problem("qwertyuiop", common=frozenset()) is None
