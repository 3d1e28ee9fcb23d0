"""Who is on the other end of a request, without storing who they are.

Raw IP addresses are never stored: rate limits key on a keyed hash of the
client's network (the /24 of an IPv4 address, the /48 of an IPv6 one), since
one person easily holds many addresses inside one such block.
"""

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, believing X-Forwarded-For only from our proxies.

    Walks X-Forwarded-For from the right, skipping trusted proxies; the first
    address that is not one of ours is the client. Anyone can write anything
    into that header, so without configured proxies it is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    trusted = settings.TALKPAGE_TRUSTED_PROXIES
    if not trusted or not _in_networks(remote, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _valid_ip(hop):
            break
        if not _in_networks(hop, trusted):
            return hop
    return remote


def network_of(ip: str) -> str:
    """The block one person plausibly controls: IPv4 /24 or IPv6 /48."""
    address = _address(ip)
    if address is None:
        return "invalid"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def network_hash(request: HttpRequest) -> str:
    """The client's network, for rate limits: the key changes every day (UTC),
    so yesterday's counters cannot be tied to today's visitors."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return _keyed_hash(f"ratelimit:{day}", network_of(client_ip(request)))


def ban_network_hash(request: HttpRequest) -> str:
    """The client's network, as stored on comments and bans: one key for as
    long as the installation keeps its secret key, so a ban holds."""
    return _keyed_hash("ban", network_of(client_ip(request)))


def _keyed_hash(purpose: str, value: str) -> str:
    key = hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256)
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()[:32]


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in ``value``, IPv4 ones as IPv4 even when written as
    ``::ffff:a.b.c.d`` (how a server listening on ``[::]`` sees them)."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _valid_ip(value: str) -> bool:
    return _address(value) is not None


def _in_networks(ip: str, networks: list[str]) -> bool:
    address = _address(ip)
    if address is None:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
