"""Run an ASGI app on a loopback port in a background thread (tests and local development)."""

import threading
import time
from dataclasses import dataclass
from typing import Any

from app.sandbox import refuse_to_run_in_lambda


@dataclass
class RunningServer:
    url: str
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def serve_in_background(asgi_app: Any, *, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start uvicorn on host:port (0 picks a free port) and return once it accepts requests."""
    refuse_to_run_in_lambda()
    import uvicorn  # a development dependency, never in the Lambda package

    config = uvicorn.Config(asgi_app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on {host}:{port} did not start")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(url=f"http://{host}:{bound_port}", _server=server, _thread=thread)
