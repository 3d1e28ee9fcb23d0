"""Reading configuration from ``TALKPAGE_*`` environment variables.

Every helper fails loudly on a value it cannot read: a typo in production
configuration should stop the process at start-up, not surface as odd
behaviour weeks later.
"""

import ipaddress
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "TALKPAGE_"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a whole number, not {raw!r}"
        ) from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    return Path(env("DATA_DIR", "var")).expanduser().resolve()


RATE = re.compile(r"^\s*[1-9][0-9]*\s*/\s*([1-9][0-9]*)?[smhd]?\s*$")


def env_int_list(name: str, default: list[int]) -> list[int]:
    """Comma-separated whole numbers of 1 or more, checked at start-up."""
    items = env_list(name, [str(number) for number in default])
    if not items or not all(item.isdigit() and int(item) > 0 for item in items):
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be whole numbers above 0 separated by commas, "
            f"like 30,120,600"
        )
    return [int(item) for item in items]


def env_rate(name: str, default: str) -> str:
    """A rate such as ``10/m`` or ``5/15m``, checked at start-up."""
    raw = os.environ.get(PREFIX + name, default)
    if not RATE.match(raw) or raw.strip().endswith("/"):
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must look like 10/m, 5/15m or 100/h, not {raw!r}"
        )
    return raw


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks, checked at start-up."""
    networks = env_list(name)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{PREFIX}{name}: {network!r} is not an IP address or network"
            ) from None
    return networks


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a number, not {raw!r}"
        ) from None


def env_choice(name: str, default: str, choices: list[str]) -> str:
    raw = os.environ.get(PREFIX + name, default).strip()
    if raw not in choices:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be one of {', '.join(choices)}, not {raw!r}"
        )
    return raw
