"""`make run`: Birdhouse alone under uvicorn, settings from the environment and `.env`.

Nothing is stood in: AWS and X are whatever the environment configures. `make dev` starts its
app the same way, in a child process, before the AWS and X it needs are up: that process
loads the app meanwhile and waits for its environment on a pipe of its own (--environment-fd),
so stdin stays the terminal's (a breakpoint() in the app still reads from it).
"""

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from app.env_file import load_env_file
from app.sandbox import refuse_to_run_in_lambda

_APP_DIR = Path(__file__).resolve().parents[1]
_REPOSITORY = _APP_DIR.parent


def main(argv: list[str] | None = None) -> int:
    refuse_to_run_in_lambda()
    parser = argparse.ArgumentParser(prog="python -m app.sandbox.serve_local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, help="default: PORT, else 8000")
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    # make dev's: the environment comes as one JSON line on this file descriptor, once its AWS
    # and X are up.
    parser.add_argument("--environment-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.environment_fd is not None:
        environment = _environment_from_launcher(args.environment_fd, preload=not args.reload)
        if environment is None:
            return 0  # make dev stopped before it needed the app
        os.environ.clear()
        os.environ.update(environment)
    load_env_file()
    port = args.port or int(os.environ.get("PORT") or 8000)

    import uvicorn  # a development dependency, never in the Lambda package

    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=port,
        reload=args.reload,
        reload_dirs=[str(_APP_DIR)] if args.reload else None,
        app_dir=str(_REPOSITORY),
        # Uvicorn's own access log, with every query value masked by app.logging_setup.
        access_log=True,
    )
    return 0


def _environment_from_launcher(fd: int, *, preload: bool) -> dict[str, str] | None:
    """The environment make dev hands over once what the app reaches is up, or None if it
    stopped first (the pipe closed empty, or Ctrl-C). Meanwhile uvicorn and the app are
    imported, which is most of the app's start. Importing the app reads only LOG_LEVEL, which
    make dev passes on as it found it; every setting it hands over is read at the first
    request or at start-up. Under --reload there is nothing to load early: uvicorn serves from
    a new process at each change."""
    try:
        with os.fdopen(fd, "rb") as pipe:
            import uvicorn  # noqa: F401 - imported now, used by main()

            if preload:
                importlib.import_module("app.main")
            line = pipe.readline()
    except KeyboardInterrupt:  # Ctrl-C while make dev was still starting
        return None
    if not line.strip():
        return None
    environment: dict[str, str] = json.loads(line)
    return environment


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C before uvicorn took the signals over
        sys.exit(0)
