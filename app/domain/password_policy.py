"""Password rules: long enough, not a commonly used password, not the account's own e-mail or name."""
from __future__ import annotations

from collections.abc import Container
from functools import cache

MIN_PASSWORD_LENGTH = 10


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords, lower-case, as shipped by the pinned `zxcvbn` package.

    zxcvbn (Dropbox's password strength estimator; the Python port by Daniel Wolf, MIT licence, see
    its LICENSE.txt in the installed distribution) counted them from Mark Burnett's public corpus
    of ten million leaked passwords. They are what a guesser tries first, offline or against the
    login throttle. Loaded on first use, not at import: the list module is 800 kB of source.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def password_problem(password: str, *, email: str = "", name: str = "",
                     common: Container[str] | None = None) -> str | None:
    """Why this password is refused, or None when it may be used.

    `common` is the list of refused passwords (lower-case); by default the shipped one. Case and
    runs of white space do not make a listed password, the e-mail or the name a new one.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters are required"
    folded = _folded(password)
    if folded in (common if common is not None else common_passwords()):
        return "this is one of the most commonly used passwords; choose another"
    for label, own in (("e-mail address", email), ("name", name)):
        if own.strip() and folded in {_folded(own), _folded(own).replace(" ", "")}:
            return f"it must not be your {label}"
    return None
