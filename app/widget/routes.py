"""Serve the embeddable widget (`GET /widget.js`) and a demo coaching site (`GET /demo`)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
DEMO_KEY_ENV = "RAPPORT_DEMO_KEY"
# Short enough that a new release reaches sites within minutes; the ETag makes revalidation cheap.
WIDGET_CACHE = "public, max-age=300, stale-while-revalidate=86400"

router = APIRouter(tags=["widget"])
_templates = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def widget_source() -> tuple[bytes, str]:
    """The script and its strong ETag; read once per process, since it only changes on deploy."""
    body = (HERE / "widget.js").read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/widget.js", include_in_schema=False)
async def widget_js(request: Request) -> Response:
    body, etag = widget_source()
    headers = {
        "Cache-Control": WIDGET_CACHE,
        "ETag": etag,
        # Sites that isolate themselves (COEP) may still load the script from our origin.
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)


def render_demo(demo_key: str | None, persona: str = "recruiter") -> str:
    """The demo page; the key (if any) is a publishable key meant to be seen by browsers."""
    return _templates.get_template("demo.html").render(demo_key=demo_key or None, persona=persona)


@router.get("/demo", include_in_schema=False, response_class=HTMLResponse)
async def demo() -> HTMLResponse:
    return HTMLResponse(
        render_demo(os.environ.get(DEMO_KEY_ENV)), headers={"Cache-Control": "no-cache"}
    )
