"""moto's server on a loopback port in a background thread, the embedded AWS of `make dev` and
of the tests that need AWS over real HTTP.

The same application, request handler and threading as `moto.server.ThreadedMotoServer`, with
one difference: the server looks for a shutdown every 50 ms rather than every 500, so Ctrl-C
on `make dev` (and every test's teardown) does not wait out half a second for it.
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any

_SHUTDOWN_POLL_SECONDS = 0.05


@dataclass
class RunningMotoServer:
    url: str
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()  # returns once serve_forever has seen it
        self._server.server_close()
        self._thread.join(timeout=10)


def serve_moto(*, host: str = "127.0.0.1", port: int = 0) -> RunningMotoServer:
    """Start moto's server on host:port (0 picks a free port); it accepts requests on return."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = make_server(
        host,
        port,
        DomainDispatcherApplication(create_backend_app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
        name=f"moto-{host}:{server.port}",
        daemon=True,
    )
    thread.start()
    return RunningMotoServer(url=f"http://{host}:{server.port}", _server=server, _thread=thread)
