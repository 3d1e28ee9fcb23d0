"""``/healthz``: whether this process can serve, for load balancers,
container health checks and monitoring."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer, 503 otherwise (which
    one failed is named, nothing more)."""
    failed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 (any failure means "not healthy")
        failed.append("database")
    try:
        cache.set("talkpage:healthz", 1, 10)
    except Exception:  # noqa: BLE001
        failed.append("cache")
    return JsonResponse(
        {"status": "unhealthy" if failed else "ok", "failed": failed},
        status=503 if failed else 200,
    )
