"""Where the records blueprint finds the document store and its size cap, and how it hands files to the browser."""
from __future__ import annotations

# Both downloads are lazy generators: the file is opened (or the binder built) only once the server starts
# sending, so a response that is never sent leaves nothing open.

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, stream_with_context

from app.config import document_store_path
from app.domain.file_types import safe_filename
from app.models.record import Document
from app.services.documents import DEFAULT_MAX_BYTES

CHUNK = 256 * 1024


def document_store() -> Path:
    return document_store_path(current_app.config, current_app.instance_path)


def max_document_bytes() -> int:
    # An environment variable arrives as text; instance/config.py may give a number.
    return int(current_app.config.get("OUTFALL_MAX_DOCUMENT_BYTES") or DEFAULT_MAX_BYTES)


def _attachment(response: Response, name: str) -> None:
    """Content-Disposition: attachment, with an ASCII name for old clients and the exact one in RFC 5987 form."""
    name = safe_filename(name)
    try:
        name.encode("ascii")
        names = {"filename": name}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or "document"
        names = {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    response.headers.set("Content-Disposition", "attachment", **names)
    # A stored file is never shown as anything but what its content was judged to be.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"


def document_download(document: Document, path: Path) -> Response:
    size = path.stat().st_size

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while block := handle.read(CHUNK):
                yield block

    response = Response(chunks(), mimetype=document.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    _attachment(response, document.original_name)
    return response


def streamed_download(chunks: Iterator[bytes], name: str, mimetype: str) -> Response:
    """A generated file (the binder) sent as it is made; the request context stays up while it is."""
    response = Response(stream_with_context(chunks), mimetype=mimetype, direct_passthrough=True)
    _attachment(response, name)
    return response
