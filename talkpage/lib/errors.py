"""Error pages in the site's own layout, with a message a person can act on."""

import json
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render

# A database that cannot be reached (restarting, out of connections, a pool
# with none free in time, SQLite locked past its busy timeout) is a passing
# condition, not a bug: the client is told to retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_DATABASE_SECONDS = 5


def bad_request(request, exception=None):
    return render(
        request,
        "errors/400.html",
        {"message": "The request could not be understood."},
        status=400,
    )


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """Django calls this while it handles the exception, so the exception
    is at hand to tell a broken database from a bug."""
    unavailable = isinstance(sys.exception(), DATABASE_UNAVAILABLE)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        error = (
            "The database cannot be reached just now. Nothing was saved."
            if unavailable
            else "Something went wrong on our side. The error has been logged."
        )
        response = HttpResponse(
            json.dumps({"error": error, "detail": None}),
            status=status,
            content_type="application/json",
        )
    else:
        # No context processors' database queries here: the failure may be
        # the database itself.
        response = render(request, f"errors/{status}.html", status=status, using=None)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_DATABASE_SECONDS)
    return response
