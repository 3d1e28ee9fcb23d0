"""A blog on another site than Talkpage, for the embed tests.

It serves the pages a test gives it, from a thread in the test process, at
http://localhost:<port>. Talkpage runs at http://127.0.0.1:<port>: another
host name, so another *site* as browsers count them for cookies (ports do
not make a site), and Talkpage's cookies would be third-party here. The same
server also answers at http://127.0.0.1:<port> (``cross_site_url``), which
is what the third-party cookie probe needs.
"""

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class HostSite:
    def __init__(self, port: int):
        self.pages: dict[str, str] = {}
        self.url = f"http://localhost:{port}"
        self.cross_site_url = f"http://127.0.0.1:{port}"

    def add(self, path: str, body: str) -> str:
        """Serves ``body`` as HTML at ``path``; returns the page's URL."""
        self.pages[path] = body
        return self.url + path


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = self.server.site.pages.get(urlsplit(self.path).path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass  # keep the test output to what failed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HostSite


@contextmanager
def serve_host() -> Iterator[HostSite]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = HostSite(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# A host stylesheet that would wreck a widget relying on the page's styles.
HOSTILE_CSS = """
button, textarea, select { display: none; }
form { visibility: hidden; }
ol { list-style: upper-roman; }
"""


def article_page(
    *, talkpage_url: str, site_key: str, title: str, lang: str = "en", attrs=""
) -> str:
    """A blog post embedding the widget with the two lines from the README."""
    script = f'src="{talkpage_url}/embed.js" data-talkpage-site="{site_key}" {attrs}'
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{HOSTILE_CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>A post on a static blog.</p>
<div id="talkpage"></div>
<script {script} async></script>
</body>
</html>
"""


def list_page(*, talkpage_url: str, site_key: str, links: list[str], lang="en") -> str:
    """A blog's index with a comment count beside each post."""
    items = "\n".join(
        f'<li><a href="{html.escape(href)}" data-talkpage-count>Comments</a></li>'
        for href in links
    )
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>All posts</title></head>
<body>
<ul>
{items}
</ul>
<script src="{talkpage_url}/count.js" data-talkpage-site="{site_key}" async></script>
</body>
</html>
"""
