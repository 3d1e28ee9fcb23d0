"""A small HTTP client for the load generators: http.client, one keep-alive
connection per simulated person, and a distinct client network per request
(through X-Forwarded-For, which the server believes from 127.0.0.1)."""

import http.client
import itertools
import json
import threading
import time
from dataclasses import dataclass

_networks = itertools.count(1)
_networks_lock = threading.Lock()


def next_client_ip() -> str:
    """An address in a /24 no earlier request used: 10.A.B.7, then 11.A.B.7."""
    with _networks_lock:
        number = next(_networks)
    return f"{10 + number // 65536}.{number // 256 % 256}.{number % 256}.7"


@dataclass
class Reply:
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    body: bytes
    headers: dict[str, str]
    seconds: float
    error: str = ""

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


class Client:
    """One person's keep-alive connection; reconnects after any failure."""

    def __init__(self, port: int, *, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            self.connection.request(method, path, body=payload, headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
            reply = Reply(
                response.status,
                data,
                {k.lower(): v for k, v in response.getheaders()},
                time.monotonic() - started,
            )
            if response.will_close:
                self.close()
            return reply
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Reply(0, b"", {}, time.monotonic() - started, repr(error))

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def post_comment(
    client: Client, slug: str, *, text: str, key: str, name: str = "Soak"
) -> Reply:
    return client.request(
        "POST",
        f"/api/v1/articles/{slug}/comments",
        body={"text": text, "name": name},
        headers={"Idempotency-Key": key, "X-Forwarded-For": next_client_ip()},
    )


def vote(client: Client, comment_id: int, *, voter: str, value: int = 1) -> Reply:
    return client.request(
        "POST",
        f"/api/v1/comments/{comment_id}/vote",
        body={"value": value},
        headers={"X-Talkpage-Voter": voter, "X-Forwarded-For": next_client_ip()},
    )
