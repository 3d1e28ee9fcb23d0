"""The concurrency gate, through the test client at real URLs of its own:
a view that holds its place until the test lets it go stands in for a slow
page, so a test can fill the gate and watch what the next request gets."""

import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from talkpage.accounts.models import User
from talkpage.lib import overload


class Hold:
    """Lets a test keep a request inside a view, and let it go."""

    def __init__(self):
        self.inside = threading.Event()
        self.release = threading.Event()


hold = Hold()


def slow(request):
    hold.inside.set()
    hold.release.wait(10)
    return HttpResponse("done")


def quick(request):
    return HttpResponse("quick")


def broken(request):
    raise RuntimeError("the view failed")


def counting(request):
    return HttpResponse(str(User.objects.count()))


urlpatterns = [
    path("slow/", slow),
    path("quick/", quick),
    path("api/quick/", quick),
    path("broken/", broken),
    path("count/", counting),
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def fresh_hold():
    global hold
    hold = Hold()
    yield
    hold.release.set()


@pytest.fixture
def one_at_a_time(settings):
    settings.TALKPAGE_MAX_CONCURRENT_REQUESTS = 1


@pytest.fixture
def no_waiting_room(monkeypatch):
    monkeypatch.setattr(overload, "MAX_WAITING", 0)


def hold_the_only_place(client: Client) -> threading.Thread:
    """Starts a slow request and returns once it is inside the view."""
    answers = []
    holder = threading.Thread(target=lambda: answers.append(client.get("/slow/")))
    holder.answers = answers
    holder.start()
    assert hold.inside.wait(5)
    return holder


def let_go(holder: threading.Thread):
    hold.release.set()
    holder.join(10)
    return holder.answers[0]


def test_a_request_past_the_limit_and_the_waiting_room_gets_a_quick_503(
    client, one_at_a_time, no_waiting_room
):
    holder = hold_the_only_place(client)

    started = time.monotonic()
    response = client.get("/quick/")
    seconds = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"The server is busy. Please try again in a moment.\n"
    assert int(response["Content-Length"]) == len(response.content)
    assert seconds < 1
    assert let_go(holder).status_code == 200


def test_api_clients_get_the_refusal_as_a_json_error(
    client, one_at_a_time, no_waiting_room
):
    holder = hold_the_only_place(client)

    response = client.get("/api/quick/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "error": "The server is busy. Please try again in a moment.",
        "detail": "Retry after 1 s.",
    }
    let_go(holder)


def test_a_waiting_request_is_served_as_soon_as_a_place_frees(client, one_at_a_time):
    holder = hold_the_only_place(client)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(client.get("/quick/")))
    waiter.start()
    time.sleep(0.2)
    assert not answers  # still waiting its turn

    assert let_go(holder).status_code == 200
    waiter.join(5)

    assert answers[0].status_code == 200
    assert answers[0].content == b"quick"


def test_a_request_waits_no_longer_than_the_longest_wait(
    client, one_at_a_time, monkeypatch
):
    monkeypatch.setattr(overload, "MAX_WAIT_SECONDS", 0.3)
    holder = hold_the_only_place(client)

    started = time.monotonic()
    response = client.get("/quick/")
    seconds = time.monotonic() - started

    assert response.status_code == 503
    assert 0.3 <= seconds < 2
    let_go(holder)


def test_static_files_are_never_refused(client, settings, no_waiting_room):
    settings.TALKPAGE_MAX_CONCURRENT_REQUESTS = 1
    settings.WHITENOISE_USE_FINDERS = True
    holder = hold_the_only_place(client)

    response = client.get("/static/talkpage/talkpage.css")

    assert response.status_code == 200
    assert client.get("/quick/").status_code == 503
    let_go(holder)


def test_a_failing_view_gives_its_place_back(one_at_a_time, no_waiting_room):
    client = Client(raise_request_exception=False)

    assert client.get("/broken/").status_code == 500

    assert client.get("/quick/").status_code == 200


def test_refusals_are_logged_as_a_count_not_as_an_error_each(
    client, one_at_a_time, no_waiting_room, caplog
):
    holder = hold_the_only_place(client)

    for _ in range(3):
        assert client.get("/quick/").status_code == 503
    let_go(holder)

    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "talkpage.overload"]
    assert errors == []
    assert warnings == ["Overloaded: 1 refused with 503 in the last 10 s."]


def test_a_limit_below_one_stops_the_start(settings):
    settings.TALKPAGE_MAX_CONCURRENT_REQUESTS = 0

    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        Client().get("/quick/")


def test_the_server_runs_threads_for_the_admitted_the_waiting_and_the_refusals(
    settings,
):
    from talkpage.server import blocking_threads_per_worker

    settings.TALKPAGE_MAX_CONCURRENT_REQUESTS = 4

    assert blocking_threads_per_worker() == 4 + overload.MAX_WAITING + 32
