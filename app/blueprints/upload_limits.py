"""Upload caps per blueprint: a larger body limit for its upload endpoints, and a 413 page naming the cap."""
from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Blueprint, render_template, request

# The multipart envelope around the file: boundaries, headers, the CSRF token and the other fields.
MULTIPART_SLACK = 64 * 1024


def allow_uploads(bp: Blueprint, endpoints: Collection[str], cap: Callable[[], int], what: str) -> None:
    """`endpoints` accept a file of up to cap() bytes; anything larger is refused saying what `what` may be."""

    @bp.url_value_preprocessor
    def raise_the_cap(endpoint: str | None, _values) -> None:
        # CSRFProtect reads the request body in the app's before_request, ahead of any view or blueprint
        # hook; URL value preprocessors are the one hook that runs earlier, so the larger cap is set here.
        if endpoint in endpoints:
            request.max_content_length = cap() + MULTIPART_SLACK

    @bp.errorhandler(413)
    def too_large(_error):
        megabytes = cap() / (1024 * 1024)
        return render_template("error.html", code=413, title="File too large",
                               message=f"{what} may be at most {megabytes:g} MB; nothing was stored."), 413
