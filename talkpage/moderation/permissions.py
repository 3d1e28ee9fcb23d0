from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def moderator_required(view):
    """Moderators only: others get 403, visitors are asked to sign in (GET)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.method == "GET":
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("Only moderators can do that.")
        if not user.is_moderator:
            raise PermissionDenied("Only moderators can do that.")
        return view(request, *args, **kwargs)

    return guarded
