"""Error pages for the whole application (and JSON errors under /api/v1)."""
from flask import Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.authz import is_api_request


def register_error_handlers(app) -> None:
    from app.blueprints.api.errors import http_error, json_error
    from app.extensions import db

    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(error):
        if is_api_request():
            return http_error(error)
        return page(400, "Bad request", error.description)

    @app.errorhandler(403)
    def forbidden(error):
        if is_api_request():
            return http_error(error)
        return page(403, "Not allowed", "Your role does not allow this page or action.")

    @app.errorhandler(404)
    def not_found(error):
        if is_api_request():
            return http_error(error)
        return page(404, "Not found", "There is no such page or record.")

    @app.errorhandler(413)
    def too_large(error):
        if is_api_request():
            return http_error(error)
        return page(413, "File too large", "The upload is larger than the 8 MB this form accepts.")

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        # A script reads JSON, including for the errors no page above covers (401, 405, ...);
        # the pages keep Werkzeug's own answer for those.
        if is_api_request():
            return http_error(error)
        return error

    @app.errorhandler(500)
    def server_error(_error):
        # Flask has logged the exception with its traceback; the person sees neither it nor its message.
        try:
            db.session.rollback()  # the failure may have left the transaction half done, and the page reads the user
            if is_api_request():
                return json_error(500, "internal error: the request was not completed; the server log has the details")
            return page(500, "Something went wrong", "The server could not complete this request, and the error has "
                                                      "been logged. Go back and try again; if it happens again, tell "
                                                      "your administrator what you were doing.")
        except Exception:  # noqa: BLE001  (the error page must not fail in turn: the database may be what broke)
            return Response("500 Internal Server Error: the request was not completed.", status=500,
                            mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return page(400, "Form expired", f"The form could not be accepted ({error.description}). "
                                         "Reload the page and try again.")
