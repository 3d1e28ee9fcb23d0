"""Settings for the test suite: the real settings, with state in a temp dir.

Only what tests need differs: a throwaway data directory, static files
served without a collectstatic step, and a fast password hasher for the
many accounts tests create (a test checks that Argon2 is the real one).
"""

import os
import tempfile

os.environ.setdefault("TALKPAGE_DATA_DIR", tempfile.mkdtemp(prefix="talkpage-test-"))

from talkpage.config.settings import *  # noqa: E402, F403
from talkpage.config.settings import PASSWORD_HASHERS as REAL_PASSWORD_HASHERS  # noqa: E402

PRODUCTION_PASSWORD_HASHERS = REAL_PASSWORD_HASHERS
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise warns about a missing static root; tests serve nothing from it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# With a shared Redis, parallel test workers would clear each other's
# counters: each xdist worker gets a database of its own (15, 14, ...).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if CACHES["default"]["BACKEND"].endswith("RedisCache") and _worker:  # noqa: F405
    _base_url = CACHES["default"]["LOCATION"].rsplit("/", 1)[0]  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base_url}/{15 - int(_worker[2:] or 0)}"  # noqa: F405
