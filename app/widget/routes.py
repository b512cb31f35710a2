"""Serve the embeddable widget (`GET /widget.js`), a demo coaching site (`GET /demo`), its icon."""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
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


# The demo site's icon (and any page on this server): a speech bubble in the widget's accent.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="7" fill="#2f5bea"/>'
    '<path d="M8 8h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H14l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z" '
    'fill="#fff"/></svg>'
)


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    """The same icon as a 32x32 ICO holding a PNG, drawn here so that no binary is checked in."""
    size, accent, white = 32, (0x2F, 0x5B, 0xEA, 255), (255, 255, 255, 255)

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        bubble = 6 <= x <= 25 and 8 <= y <= 20
        tail = 9 <= x <= 13 and 21 <= y <= 24 and x - 9 <= 24 - y
        return white if bubble or tail else accent

    rows = b"".join(
        b"\x00" + bytes(c for x in range(size) for c in pixel(x, y)) for y in range(size)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


ICON_CACHE = "public, max-age=86400"


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(favicon_ico(), media_type="image/x-icon", headers={"Cache-Control": ICON_CACHE})


@router.get("/favicon.svg", include_in_schema=False)
async def favicon_svg() -> Response:
    return Response(FAVICON_SVG, media_type="image/svg+xml", headers={"Cache-Control": ICON_CACHE})
