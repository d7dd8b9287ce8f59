"""Two-factor sign-in (TOTP): enrolment, the second sign-in step, turning it off, an administrator's reset.

The secret is sealed under a key derived from SECRET_KEY and recovery codes are kept as keyed
digests; neither a secret nor a code ever reaches the audit trail or a log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from app.domain.secret_sealing import SealError, keyed_digest, seal, unseal
from app.domain.two_factor import (looks_like_recovery_code, matching_step, new_recovery_codes, new_secret,
                                   normalise_code)
from app.models.user import LoginFailure, User
from app.services.audit import audit_context, record_event
from app.services.users import AccountError, Throttle, is_throttled

# Who is offered two-factor: the people whose accounts can change permits, sign reports or manage
# accounts. A viewer or lab technician reads or enters results; the option is not theirs.
TWO_FACTOR_ROLES = frozenset({"manager", "admin"})
_RECOVERY_PURPOSE = "recovery-code"


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows while two-factor is being set up."""
    secret: str


def may_use_two_factor(user: User) -> bool:
    return user.role in TWO_FACTOR_ROLES


def must_enrol(user: User, required: bool) -> bool:
    """True when the installation requires two-factor and this account should have it but has not."""
    return required and may_use_two_factor(user) and not user.two_factor_on


def _open_secret(user: User, secret_key: str) -> str | None:
    if user.totp_secret_sealed is None:
        return None
    try:
        return unseal(user.totp_secret_sealed, secret_key)
    except SealError:
        # Sealed under an earlier SECRET_KEY: the codes cannot be checked any more. SECURITY.md
        # says what to do (an administrator resets two-factor and the person enrols again).
        return None


def begin_enrolment(session: Session, user: User, *, secret_key: str) -> Enrolment:
    """A new secret, sealed and stored but not in force until `enable_two_factor` sees a valid code."""
    if not may_use_two_factor(user):
        raise AccountError(f"two-factor sign-in is for managers and administrators, not {user.role}s")
    if user.two_factor_on:
        raise AccountError("two-factor sign-in is already on; turn it off first to move to a new phone")
    secret = new_secret()
    user.totp_secret_sealed = seal(secret, secret_key)
    user.totp_last_step = None
    session.flush()
    return Enrolment(secret=secret)


def pending_enrolment(user: User, *, secret_key: str) -> Enrolment | None:
    """The secret being set up (for the page and its QR code); None once two-factor is on or before it starts."""
    if user.two_factor_on:
        return None
    secret = _open_secret(user, secret_key)
    return Enrolment(secret=secret) if secret else None


def _issue_recovery_codes(user: User, secret_key: str) -> list[str]:
    codes = new_recovery_codes()
    user.recovery_code_digests = [keyed_digest(normalise_code(c), secret_key, _RECOVERY_PURPOSE) for c in codes]
    return codes


def enable_two_factor(session: Session, user: User, code: str, *, secret_key: str, now: datetime) -> list[str]:
    """Turn two-factor on once the person proves their app has the secret; returns the recovery codes (shown once).

    Every other session of the account ends (the caller signs its own session in again).
    """
    enrolment = pending_enrolment(user, secret_key=secret_key)
    if enrolment is None or not may_use_two_factor(user):
        raise AccountError("start the two-factor set-up first")
    step = matching_step(enrolment.secret, code, now, user.totp_last_step)
    if step is None:
        raise AccountError("code: that is not the current code of the authenticator app; check the phone's clock")
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="two-factor sign-in turned on"):
        user.totp_last_step = step  # the code just typed cannot then sign anyone in
        user.totp_enabled_at = now
        # A session opened before, perhaps with a stolen password, must not outlive the change.
        user.session_generation += 1
        codes = _issue_recovery_codes(user, secret_key)
        record_event(session, entity="user", entity_id=user.id, action="two_factor_enabled",
                     after={"recovery_codes": len(codes)})
    return codes


def _clear(user: User) -> None:
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_code_digests = None


def disable_two_factor(session: Session, user: User, *, password: str, code: str, secret_key: str,
                       now: datetime) -> None:
    """Turn two-factor off: the password and a current code, so a session left open is not enough."""
    if not user.two_factor_on:
        raise AccountError("two-factor sign-in is not on")
    if not (user.password_hash and check_password_hash(user.password_hash, password)):
        raise AccountError("password: it does not match")
    secret = _open_secret(user, secret_key)
    step = matching_step(secret, code, now, user.totp_last_step) if secret else None
    if step is None:
        raise AccountError("code: that is not the current code of the authenticator app")
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="two-factor sign-in turned off"):
        _clear(user)
        record_event(session, entity="user", entity_id=user.id, action="two_factor_disabled")


def reset_two_factor(session: Session, user: User, *, actor: User | None, reason: str) -> None:
    """An administrator turns someone's two-factor off (a lost or replaced phone); the reason is audited.

    `actor` None is the server's operator at the command line (`flask users reset-two-factor`), the
    way back in for a sole administrator after a lost phone or a changed SECRET_KEY.
    """
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("reason: say why two-factor is being reset (for the audit trail)")
    if actor is not None and user.id == actor.id:
        raise AccountError("use your own profile page, with your password and a code, to turn yours off")
    if not user.two_factor_on and user.totp_secret_sealed is None:
        raise AccountError(f"{user.email} has no two-factor sign-in to reset")
    with audit_context(session, actor_id=actor.id if actor else None, actor_label=actor.email if actor else "cli",
                       reason=reason):
        _clear(user)
        record_event(session, entity="user", entity_id=user.id, action="two_factor_reset", reason=reason)


def _use_recovery_code(session: Session, user: User, code: str, secret_key: str) -> bool:
    digest = keyed_digest(normalise_code(code), secret_key, _RECOVERY_PURPOSE)
    remaining = list(user.recovery_code_digests or [])
    if digest not in remaining:
        return False
    remaining.remove(digest)
    user.recovery_code_digests = remaining  # a new list, so the JSON column is seen as changed
    record_event(session, entity="user", entity_id=user.id, action="recovery_code_used",
                 after={"recovery_codes_left": len(remaining)})
    return True


def complete_two_factor_sign_in(session: Session, user: User, code: str, *, remote_addr: str,
                                throttle: Throttle, secret_key: str, now: datetime) -> str | None:
    """Check the second step of a sign-in: "totp" or "recovery_code" when it passes, else None.

    A wrong code is a failed sign-in like a wrong password, counted by the same throttle, so the
    password step cannot be used to try a million codes. Raises AccountError while throttled.
    """
    if is_throttled(session, user.email, remote_addr, throttle, now):
        raise AccountError("too many failed sign-ins; wait "
                           f"{int(throttle.window.total_seconds() // 60)} minutes and try again")
    method = None
    with audit_context(session, actor_id=user.id, actor_label=user.email):
        secret = _open_secret(user, secret_key) if user.active and user.two_factor_on else None
        step = matching_step(secret, code, now, user.totp_last_step) if secret else None
        if step is not None:
            user.totp_last_step = step
            method = "totp"
        elif secret and looks_like_recovery_code(code) and _use_recovery_code(session, user, code, secret_key):
            method = "recovery_code"
        if method is None:
            session.add(LoginFailure(email=user.email, remote_addr=remote_addr, at=now))
            session.flush()
            return None
        record_event(session, entity="user", entity_id=user.id, action="login",
                     after={"remote_addr": remote_addr, "second_factor": method})
    return method


def recovery_codes_left(user: User) -> int:
    return len(user.recovery_code_digests or [])
