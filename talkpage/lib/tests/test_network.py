import pytest
from django.test import RequestFactory

from talkpage.lib.network import client_ip, network_hash, network_of


def request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def proxies(settings):
    settings.TALKPAGE_TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]


def test_without_proxies_forwarded_for_is_ignored(settings):
    settings.TALKPAGE_TRUSTED_PROXIES = []

    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_forwarded_for_from_an_untrusted_address_is_ignored(proxies):
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_forwarded_for_from_a_trusted_proxy_is_believed(proxies):
    assert client_ip(request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"


def test_the_client_is_the_first_untrusted_hop_from_the_right(proxies):
    # The visitor wrote "1.1.1.1" themselves; our proxies appended the rest.
    forwarded = "1.1.1.1, 198.51.100.1, 10.9.9.9"

    assert client_ip(request("10.1.2.3", forwarded)) == "198.51.100.1"


def test_a_proxy_on_a_dual_stack_socket_is_still_trusted(proxies):
    # A server listening on [::] sees IPv4 peers as ::ffff:a.b.c.d.
    assert client_ip(request("::ffff:10.1.2.3", "198.51.100.1")) == "198.51.100.1"


def test_an_ipv6_proxy(proxies):
    assert client_ip(request("fd00::1", "2001:db8::5")) == "2001:db8::5"


@pytest.mark.parametrize("forwarded", ["", "garbage", "unknown, 10.2.2.2", " , "])
def test_unreadable_forwarded_for_falls_back_to_the_peer(proxies, forwarded):
    assert client_ip(request("10.1.2.3", forwarded)) == "10.1.2.3"


def test_a_missing_remote_addr_does_not_crash(settings):
    settings.TALKPAGE_TRUSTED_PROXIES = []
    req = RequestFactory().get("/")
    del req.META["REMOTE_ADDR"]

    assert client_ip(req) == "0.0.0.0"  # noqa: S104


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("203.0.113.255", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("2001:db8:1234:ffff:ffff::1", "2001:db8:1234::/48"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),
        ("not an ip", "invalid"),
        ("", "invalid"),
    ],
)
def test_network_of(ip, network):
    assert network_of(ip) == network


def test_the_network_hash_is_per_network_and_hides_the_address(settings):
    settings.TALKPAGE_TRUSTED_PROXIES = []
    one = network_hash(request("203.0.113.7"))

    assert network_hash(request("203.0.113.200")) == one
    assert network_hash(request("::ffff:203.0.113.9")) == one
    assert network_hash(request("203.0.114.7")) != one
    assert "203.0.113" not in one
    assert len(one) == 32


def test_the_network_hash_depends_on_the_secret_key(settings):
    settings.TALKPAGE_TRUSTED_PROXIES = []
    before = network_hash(request())

    settings.SECRET_KEY = "another secret key, just as long as the first one"

    assert network_hash(request()) != before
