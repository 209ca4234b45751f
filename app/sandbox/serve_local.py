"""`make run`: Birdhouse alone under uvicorn, settings from the environment and `.env`.

Nothing is stood in: AWS and X are whatever the environment configures. `make dev` starts its
app the same way, in a child process.
"""

import argparse
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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
