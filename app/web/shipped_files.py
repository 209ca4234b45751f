"""Pages and assets shipped with the app (the docs, the console): read once, served under a CSP."""

from functools import lru_cache
from pathlib import Path

from fastapi import HTTPException
from starlette.responses import Response

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"

# name -> (file, media type)
Assets = dict[str, tuple[Path, str]]


@lru_cache
def read(path: Path) -> bytes:
    return path.read_bytes()


def page_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def asset_response(assets: Assets, name: str, *, csp: str) -> Response:
    """One of `assets` by name, cacheable for an hour; a plain 404 for any other name."""
    if name not in assets:
        raise HTTPException(status_code=404, detail="Not Found")
    path, media_type = assets[name]
    return Response(
        read(path),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": csp},
    )
