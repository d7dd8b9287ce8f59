"""Secrets kept at rest under a key derived from the app's SECRET_KEY, so a copied database alone reveals none."""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(ValueError):
    """A sealed value could not be opened: it was altered, or sealed under another SECRET_KEY."""


def derived_key(secret_key: str, purpose: str) -> bytes:
    """32 bytes for one purpose only: the same SECRET_KEY never serves two uses with one key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"outfall",
                info=f"outfall:{purpose}".encode("utf-8")).derive(secret_key.encode("utf-8"))


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(secret_key, "two-factor-secret")))


def seal(plaintext: str, secret_key: str) -> str:
    """Encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256), as ASCII text."""
    return _fernet(secret_key).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(token: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SealError("the sealed value cannot be opened with this SECRET_KEY") from None


def keyed_digest(value: str, secret_key: str, purpose: str) -> str:
    """HMAC-SHA256 under a derived key: checkable by the app, not guessable offline from the database."""
    return hmac.new(derived_key(secret_key, purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()
