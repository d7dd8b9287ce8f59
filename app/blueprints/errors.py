"""Error pages for the whole application."""
from flask import render_template
from flask_wtf.csrf import CSRFError


def register_error_handlers(app) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(_error):
        return page(403, "Not allowed", "Your role does not allow this page or action.")

    @app.errorhandler(404)
    def not_found(_error):
        return page(404, "Not found", "There is no such page or record.")

    @app.errorhandler(413)
    def too_large(_error):
        return page(413, "File too large", "The upload is larger than the 8 MB this form accepts.")

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return page(400, "Form expired", f"The form could not be accepted ({error.description}). "
                                         "Reload the page and try again.")
