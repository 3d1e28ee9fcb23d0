"""The reference the targets of issue 5 were set against: a bare Django 5.2
project with the usual middleware (as ``startproject`` writes it), with
two views and nothing of Talkpage.

- ``GET /cached`` returns a 20 KB JSON body from the local-memory cache;
- ``POST /insert`` inserts one row into an SQLite database in WAL mode
  (``synchronous`` as Talkpage sets it, FULL unless REFERENCE_SYNCHRONOUS).

Served by ``bench/reference/run.py`` under granian with 2 workers and
measured with wrk, it tells how fast this machine is compared with the one
the targets were set on (12,500 req/s and 2,200 inserts/s there).
"""

import json
import os
from pathlib import Path

from django.conf import settings

BENCH_VAR = Path(__file__).resolve().parent.parent / "var"
DATA_DIR = Path(os.environ.get("REFERENCE_DATA_DIR", BENCH_VAR / "reference"))
SYNCHRONOUS = os.environ.get("REFERENCE_SYNCHRONOUS", "FULL")

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="reference-only-" + "x" * 40,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": DATA_DIR / "reference.sqlite3",
                "OPTIONS": {
                    "init_command": f"PRAGMA journal_mode=WAL; "
                    f"PRAGMA synchronous={SYNCHRONOUS};",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                },
                "CONN_MAX_AGE": 300,
            }
        },
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        },
        USE_TZ=True,
    )

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

BODY = json.dumps(
    {"comments": [{"id": n, "html": "<p>" + "words " * 30 + "</p>"} for n in range(96)]}
).encode()[: 20 * 1024]


def cached(request):
    body = cache.get("body")
    if body is None:
        body = BODY
        cache.set("body", body, 3600)
    return HttpResponse(body, content_type="application/json")


@csrf_exempt
def insert(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO reference_row (body) VALUES (%s)", [request.body])
    return HttpResponse(status=201)


urlpatterns = [path("cached", cached), path("insert", insert)]


def prepare() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS reference_row "
            "(id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        )
    connection.close()


application = WSGIHandler()
