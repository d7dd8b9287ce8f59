"""The files of a built DMR: JSON now; the NetDMR formats come from netdmr_export."""
from __future__ import annotations

import json

from app.services.dmr_build import BuiltDmr, DmrError

FORMATS = ("json",)


def render_dmr(built: BuiltDmr, fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(built.document, indent=2) + "\n").encode("utf-8")
    raise DmrError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
