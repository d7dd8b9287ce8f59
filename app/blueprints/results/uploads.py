"""Results files kept between the import preview and the import, under random names in the instance folder.

The browser gets back only the random name (the token); the path is rebuilt here from the token and
the signed-in user's id, so no client-supplied path is ever opened and one user cannot import another's file.
"""
from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")
# A preview nobody confirmed is abandoned; a day is longer than anyone looks at one.
MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str, owner_id: int) -> Path | None:
    return _folder() / f"{int(owner_id)}-{token}" if TOKEN.fullmatch(token or "") else None


def keep_upload(storage: FileStorage, owner_id: int) -> str:
    """Save the upload under a fresh random name and return that name (the token)."""
    _sweep()
    # The form let only .csv and .xlsx names through; the stored name keeps which reader to use.
    token = secrets.token_hex(16) + (".xlsx" if (storage.filename or "").lower().endswith(".xlsx") else ".csv")
    storage.stream.seek(0)
    with _path(token, owner_id).open("xb") as handle:
        shutil.copyfileobj(storage.stream, handle)
    return token


def kept_upload(token: str | None, owner_id: int) -> Path | None:
    path = _path(token or "", owner_id)
    return path if path is not None and path.is_file() else None


def discard_upload(token: str | None, owner_id: int) -> None:
    path = _path(token or "", owner_id)
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for stale in _folder().glob("*-*"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except FileNotFoundError:
            pass  # another request swept it first
