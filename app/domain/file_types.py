"""What an uploaded file really is, judged by its content (never by its name), and a safe name for it."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

ALLOWED = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt", "text/csv": ".csv",
}
_OOXML = {"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class FileTypeError(ValueError):
    """The content is not one of the kinds a record may be stored as."""


def _ooxml_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, content_type in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return content_type
    return None


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Control characters other than tab/newline/CR mean binary content wearing a text name.
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:65536])


def detect_content_type(data: bytes, name: str = "") -> str:
    """The MIME type the bytes show, or FileTypeError; a name only tells CSV from plain text."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data.startswith(b"PK\x03\x04"):
        content_type = _ooxml_type(data)
        if content_type:
            return content_type
        raise FileTypeError("a ZIP archive that is not an .xlsx or .docx document")
    if data and _is_text(data):
        return "text/csv" if name.lower().endswith(".csv") else "text/plain"
    raise FileTypeError("not a PDF, PNG, JPEG, TIFF, XLSX, DOCX or UTF-8 text file")


def safe_filename(name: str) -> str:
    """The last path part of a client-supplied name, without control characters or path tricks."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = base.strip().lstrip(".")
    return base[:200] or "unnamed"
