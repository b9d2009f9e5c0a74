"""The sandbox over real HTTP, on loopback, in a background thread.

    server = SandboxServer("127.0.0.1", 0, SandboxState(locations=5))
    server.start(); ... server.base_url ...; server.stop()

Besides HighLevel's operations it answers a few of its own, never rate limited nor faulted:
    GET  /_sandbox/stats   requests by method and operation, and the count of writes
    POST /_sandbox/faults  JSON body of fault settings to change; answers all of them
    POST /_sandbox/reset   back to the seeded world, faults off
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import pages
from .protocol import ApiError, ApiRequest, ApiResponse
from .routes import handle
from .state import SandboxState

CONTROL_PREFIX = "/_sandbox/"
BODY_TIMEOUT_SECONDS = 10


def control(state: SandboxState, method: str, path: str, body: bytes) -> ApiResponse:
    if method == "GET" and path == "/_sandbox/stats":
        return ApiResponse(200, state.stats.as_dict())
    if method == "POST" and path == "/_sandbox/reset":
        state.reset()
        return ApiResponse(200, {"reset": True})
    if method == "POST" and path == "/_sandbox/faults":
        try:
            state.faults.update(**json.loads(body or b"{}"))
            return ApiResponse(200, state.faults.as_dict())
        except (ValueError, TypeError) as error:
            return ApiResponse(400, {"statusCode": 400, "message": str(error)})
    if method == "GET" and path == "/_sandbox/faults":
        return ApiResponse(200, state.faults.as_dict())
    return ApiResponse(404, {"statusCode": 404, "message": f"Cannot {method} {path}", "error": "Not Found"})


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a pooled client expects
    server_version = "HighLevelSandbox/1.0"
    state: SandboxState  # set on the subclass made per server
    # An answer goes out in one write (see _send); should it not, Nagle's algorithm and the
    # client's delayed ACK would add ~40 ms to it, swamping the latency the benchmarks set.
    disable_nagle_algorithm = True

    def __getattr__(self, name):
        # BaseHTTPRequestHandler looks up do_<METHOD> and answers 501 (in HTML) when there is none.
        # Every method goes to the router instead, which answers one outside the contract with a
        # JSON 405 and its Allow header (404 on an unknown path), as an API server does.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            return
        if url.path in pages.PAGES:  # the marketplace's page and the sign-up button: HTML, not the API
            self._send_page(pages.PAGES[url.path](self.state, self.command, url.query, body))
            return
        if url.path.startswith(CONTROL_PREFIX):
            response = control(self.state, self.command, url.path, body)
        else:
            request = ApiRequest(
                method=self.command,
                path=url.path,
                query={key: values[0] for key, values in parse_qs(url.query, keep_blank_values=True).items()},
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            try:
                response = handle(self.state, request)
            except Exception:  # noqa: BLE001 - a bug of the sandbox's own
                # Answered as a service would, with a 500, rather than by a dropped connection,
                # which a client takes for a lost answer (and a create for one that may have landed).
                traceback.print_exc()
                response = ApiResponse(500, ApiError(500, "Internal server error").body())
        if response.drop_connection:
            self._drop()
        else:
            self._send(response)

    def _read_body(self) -> bytes | None:
        """The body the Content-Length announces; None once a broken one has been answered 400 or 408
        (the connection is then closed: where this request ends, and the next begins, is unknown)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError
        except ValueError:
            return self._refuse_framing(400, "Content-Length must be a number of bytes")
        if not length:
            return b""
        # A client announcing more than it sends would hold this thread for good; a real one sends
        # its body right after the headers, so a generous wait is plenty.
        self.connection.settimeout(BODY_TIMEOUT_SECONDS)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            return self._refuse_framing(408, f"The body announced by Content-Length ({length} bytes) did not arrive")
        finally:
            self.connection.settimeout(None)
        if len(body) < length:
            self.close_connection = True  # the client closed its side early: nobody to answer
            return None
        return body

    def _refuse_framing(self, status: int, message: str) -> None:
        self.close_connection = True
        self._send(ApiResponse(status, ApiError(status, message).body()))
        return None

    def _send(self, response: ApiResponse) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            # end_headers() would write the headers on their own: one write (one packet to read
            # for the client) costs both sides less CPU, which benchmarks share with the sandbox.
            # A HEAD answer tells the length of its body but never carries it (the client would
            # read it as the start of the next answer on the kept-alive connection).
            self._headers_buffer.extend([b"\r\n", b"" if self.command == "HEAD" else payload])
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault did its job)

    def _send_page(self, page: pages.Page) -> None:
        payload = page.html.encode()
        self.send_response(page.status)
        for name, value in {**page.headers, **({"Location": page.location} if page.location else {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        # The work is done but no answer ever comes: close the socket under the client.
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass  # quiet: tests and the demo read /_sandbox/stats instead


class _QuietThreadingHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that goes away mid-connection (a killed worker's kept-alive socket) is normal
        # here; anything else is still printed with its traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class SandboxServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: SandboxState | None = None):
        self.state = state if state is not None else SandboxState(locations=25)
        handler = type("BoundSandboxRequestHandler", (SandboxRequestHandler,), {"state": self.state})
        self._httpd = _QuietThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "SandboxServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="highlevel-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self.state.abandon_pending_requests()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
