"""Single sign-on for host sites with their own accounts.

The host's server signs its user into the widget with a payload:

    payload = base64url(json.dumps({"id": "42", "name": "Dana", "exp": <unix>}))
    signature = hex(hmac_sha256(site.sso_secret, payload))
    data-talkpage-sso = payload + "." + signature

Talkpage checks the signature in constant time, refuses expired, too
long-lived and replayed payloads, and signs the person in as a user of that
site. Their username has a colon, which local usernames cannot have, so an
SSO user can never take over or pose as a local account.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from talkpage.accounts.models import User
from talkpage.embeds.models import Site


class SsoRefused(Exception):
    pass


@dataclass(frozen=True)
class SsoIdentity:
    id: str
    name: str
    expires: int


def sign_payload(site: Site, data: dict) -> str:
    """What a host server does; here for tests and for documentation."""
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    signature = hmac.new(
        site.sso_secret.encode(), payload.encode(), hashlib.sha256
    ).hexdigest()
    return f"{payload}.{signature}"


def verify(site: Site, signed: str, *, now: float | None = None) -> SsoIdentity:
    now = time.time() if now is None else now
    payload, _, signature = signed.strip().rpartition(".")
    expected = hmac.new(
        site.sso_secret.encode(), payload.encode(), hashlib.sha256
    ).hexdigest()
    if not payload or not hmac.compare_digest(expected, signature):
        raise SsoRefused("The SSO signature does not match.")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise SsoRefused("The SSO payload is not base64url JSON.") from None
    if not isinstance(data, dict):
        raise SsoRefused("The SSO payload must be a JSON object.")
    user_id, name, expires = data.get("id"), data.get("name"), data.get("exp")
    if not isinstance(user_id, str | int) or not str(user_id).strip():
        raise SsoRefused("The SSO payload needs an id.")
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise SsoRefused("The SSO payload needs a name of at most 150 characters.")
    if not isinstance(expires, int) or expires <= now:
        raise SsoRefused("The SSO payload has expired.")
    if expires > now + settings.TALKPAGE_SSO_MAX_AGE:
        raise SsoRefused("The SSO payload lives too long; give it a shorter exp.")
    # Each payload signs in once: a copied one is refused.
    if not cache.add(f"sso:{signature}", 1, timeout=int(expires - now) + 1):
        raise SsoRefused("This SSO payload was used already.")
    return SsoIdentity(str(user_id).strip()[:100], " ".join(name.split()), expires)


def user_for(site: Site, identity: SsoIdentity) -> User:
    username = f"sso{site.pk}:{identity.id}"[:150]
    user = User.objects.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=username, display_name=identity.name)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # two first sign-ins raced
            user = User.objects.get(username=username)
    if user.display_name != identity.name:
        user.display_name = identity.name
        user.save(update_fields=["display_name"])
    return user
