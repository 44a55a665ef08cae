"""The output folder served on 127.0.0.1 for ``watch``, with live reload.

Every HTML page is sent with a small script that listens on ``/__l13/events`` (server-sent events) and
reloads the page when a round has published new outputs. The page carries the round it was served after,
and the stream names the current round when it connects, so a page that missed an event while its
connection was down still reloads. The files on disk are never changed: the served bytes are the built ones
plus that script.
"""

from __future__ import annotations

import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import UserError

EVENTS = "/__l13/events"
START_PAGE = "preview/index.html"
_SCRIPT = """<script>(function () {{
  var served = {round};
  var events = new EventSource("{events}");
  events.onmessage = function (message) {{ if (Number(message.data) !== served) location.reload(); }};
}})();</script>"""


class Rounds:
    """The number of the last published round, and a way to wait for the next one."""

    def __init__(self) -> None:
        self.number = 0
        self._changed = threading.Condition()

    def advance(self) -> None:
        with self._changed:
            self.number += 1
            self._changed.notify_all()

    def after(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.number != seen, timeout)
            return self.number


class Handler(SimpleHTTPRequestHandler):
    rounds: Rounds

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == EVENTS:
            self._events()
        elif path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/" + START_PAGE)
            self.end_headers()
        elif path.endswith(".html") or path.endswith("/"):
            self._page()
        else:
            super().do_GET()

    def _page(self) -> None:
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            target = target / "index.html"
        try:
            html = target.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "not built (yet)")
            return
        script = _SCRIPT.format(round=self.rounds.number, events=EVENTS).encode()
        body = html.replace(b"</body>", script + b"</body>", 1) if b"</body>" in html else html + script
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while True:
                now = self.rounds.number if seen < 0 else self.rounds.after(seen, timeout=15)
                # A comment line every 15 s keeps proxies and the browser from closing an idle stream.
                self.wfile.write(f"data: {now}\n\n".encode() if now != seen else b": idle\n\n")
                self.wfile.flush()
                seen = now
        except OSError:  # the page went away
            return

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal is for the build's own lines


class Server:
    """A server thread for ``folder``; ``reload()`` after a round published."""

    def __init__(self, folder: Path, port: int) -> None:
        self.rounds = Rounds()
        handler = type("BoundHandler", (Handler,), {"rounds": self.rounds})
        try:
            self.http = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(folder)))
        except OSError as error:
            raise UserError.plain(f"--port {port}", f"cannot serve on 127.0.0.1:{port} ({error.strerror}), "
                                  "expected a free port (pass another --port, or 0 for any free one)") from None
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, name="l13-serve", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/{START_PAGE}"

    def reload(self) -> None:
        self.rounds.advance()
