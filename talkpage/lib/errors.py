"""Error pages in the site's own layout, with a message a person can act on."""

from django.shortcuts import render


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
    # No context processors' database queries here: the failure may be the
    # database itself.
    return render(request, "errors/500.html", status=500, using=None)
