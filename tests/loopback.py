"""A throwaway HTTP server on loopback for tests that play a remote app (a fake or a
malicious one) to code that polls it over real HTTP."""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer


class _QuietOnHangUp(ThreadingHTTPServer):
    """A client that hangs up before its answer is written (a witness giving up at its
    deadline) is no error of the server's: socketserver would print the traceback to
    whatever sys.stderr is then, which a CliRunner in another thread may be capturing."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Serves `handler` (a BaseHTTPRequestHandler class) on a free loopback port until
    stop(); `base` is its URL."""

    def serve(self, handler) -> None:
        self.server = _QuietOnHangUp(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
