"""Time-based one-time passwords (RFC 6238) and recovery codes: the arithmetic, with the clock as an argument."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp

STEP_SECONDS = 30      # RFC 6238's default, what every authenticator app uses
DIGITS = 6
# One step either side: a phone whose clock is up to ~30 s off, or a code typed as it rolled over.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 10 characters from an alphabet without I, O, 0, 1, 8 and 9, which people misread on paper: about
# 49 bits each. Only a keyed digest of each is stored (app/domain/secret_sealing.py).
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
_RECOVERY_LENGTH = 10


def new_secret() -> str:
    """A fresh 160-bit secret as base32 (RFC 4226 recommends at least 128 bits; 160 is SHA-1's size)."""
    return pyotp.random_base32(32)


def time_step(now: datetime) -> int:
    """The RFC 6238 counter T for this moment (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("time_step needs an aware datetime")
    return int(now.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise_code(code: str) -> str:
    """What the person typed, without the spaces and dashes people put in codes."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").upper()


def matching_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The time step whose code this is, within the allowed drift, or None.

    A step at or before `last_used_step` never matches: a code seen once (over a shoulder, or by
    a phishing page relaying it) cannot be used again, nor can an older one.
    """
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = time_step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate in constant time, so timing does not tell which step was close.
        if hmac.compare_digest(code_at_step(secret, step), code) and found is None:
            found = step
    if found is None or (last_used_step is not None and found <= last_used_step):
        return None
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def grouped_for_typing(secret: str) -> str:
    """The secret in groups of four ("ABCD EFGH ..."), for someone typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """One-time recovery codes, shown once as "ABCDE-FGHJK"."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    normalised = normalise_code(code)
    return len(normalised) == _RECOVERY_LENGTH and all(ch in _RECOVERY_ALPHABET for ch in normalised)
