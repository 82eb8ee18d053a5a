"""The offline operations map: the page at ``/``, the public page, its assets and vector layers.

The page is a Leaflet application bundled at build time (``make web``: ``npm ci`` and
esbuild in ``web/frontend/``) into ``web/static/dist/``. Nothing is loaded from the
internet: the base map is the coastline, SAR regions, approximate zone lines and ports
served here as GeoJSON. Layer answers are gzipped once and cached; static assets are
served precompressed when the build wrote a ``.gz`` beside them.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from sarwatch.errors import NotFoundError
from sarwatch.geo.bbox import parse_bbox
from sarwatch.settings import Settings
from sarwatch.web import layers
from sarwatch.web.station import SettingsDep

__all__ = ["DIST_DIR", "STATIC_DIR", "install", "page_response"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
DIST_DIR = STATIC_DIR / "dist"

_LAYER_MAX_AGE_S = 86_400
_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>sarwatch: map not built</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>The map page has not been built</h1>
<p>The web assets are produced by the build, not shipped in the repository. Run
<code>make web</code> (or <code>make run</code>) in the sarwatch checkout: it runs
<code>npm ci</code> and <code>npm run build</code> in <code>src/sarwatch/web/frontend/</code>.</p>
<p>The API works without it: its schema is <a href="/openapi.json">/openapi.json</a>
(the public feed: <a href="/api/public/cases">/api/public/cases</a>).</p></body></html>"""


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _gzipped_response(
    request: Request, body_gz: bytes, media_type: str, *, max_age_s: int = _LAYER_MAX_AGE_S
) -> Response:
    """Send precompressed bytes as they are, or inflated for a client without gzip."""
    etag = '"' + hashlib.sha256(body_gz).hexdigest()[:20] + '"'
    headers = {
        "Cache-Control": f"public, max-age={max_age_s}",
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(content=body_gz, media_type=media_type, headers=headers)
    return Response(content=gzip.decompress(body_gz), media_type=media_type, headers=headers)


def page_response(request: Request, name: str) -> Response:
    """A built page of ``static/dist`` (gzipped when the client takes it, never cached
    without revalidation), or a 503 page that says to run ``make web``."""
    path = DIST_DIR / name
    if not path.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    gz = path.with_name(path.name + ".gz")
    body = gz.read_bytes() if gz.is_file() else gzip.compress(path.read_bytes(), mtime=0)
    response = _gzipped_response(request, body, "text/html; charset=utf-8", max_age_s=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


_page = page_response  # the name other route modules may still use


def _static_file(request: Request, relative: str) -> Response:
    root = STATIC_DIR.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file() or path.suffix == ".gz":
        raise NotFoundError(f"no static file {relative!r}; is the map built (make web)?")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # Bundles carry a content hash in their name: cache them for a long time.
    max_age = 31_536_000 if "-" in path.stem and path.parent.name == "dist" else 3600
    gz = path.with_name(path.name + ".gz")
    if gz.is_file() and gz.stat().st_mtime >= path.stat().st_mtime:
        return _gzipped_response(request, gz.read_bytes(), media_type, max_age_s=max_age)
    data = path.read_bytes()
    return _gzipped_response(request, gzip.compress(data, mtime=0), media_type, max_age_s=max_age)


def _ports_body(settings: Settings) -> bytes:
    """The ports layer under the policy in force (the user's file, else the packaged one)."""
    try:
        from sarwatch.geo.ports import ports
        from sarwatch.services.assess import load_policy
    except ModuleNotFoundError as exc:
        raise NotFoundError(
            "the ports layer needs the packaged ports and place-of-safety policy "
            f"(sarwatch.geo.ports), which this build lacks ({exc.name})"
        ) from exc
    policy = load_policy(settings)
    entries = []
    for port in ports():
        status = policy.status_of(port)
        entries.append(
            layers.PortStatus(
                port_id=port.port_id,
                name=port.name,
                country=port.country,
                role=port.role,
                lon=port.lon,
                lat=port.lat,
                status=status.status,
                reason=status.reason,
                source=status.source or port.source,
            )
        )
    return layers.ports_layer(entries, policy=policy.summary())


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    def operations_page(request: Request) -> Response:
        """The coordinator's operations map."""
        return page_response(request, "index.html")

    @router.get("/public", include_in_schema=False)
    def public_page(request: Request) -> Response:
        """The public page: only what the public feed policy allows."""
        return page_response(request, "public.html")

    @router.get("/static/{relative:path}", include_in_schema=False)
    def static(request: Request, relative: str) -> Response:
        return _static_file(request, relative)

    @router.get("/api/layers/coast", tags=["layers"])
    async def coast(
        request: Request,
        settings: SettingsDep,
        zoom: Annotated[int, Query(ge=0, le=30, description="Leaflet zoom level")] = 6,
        bbox: Annotated[
            str | None,
            Query(description="lon_min,lat_min,lon_max,lat_max (degrees); required from zoom 8"),
        ] = None,
    ) -> Response:
        """Land polygons (GSHHG full resolution) simplified for the zoom level, GeoJSON."""
        cache_dir = settings.cache_dir
        index, body = await run_in_threadpool(
            layers.coast_layer, Path(cache_dir), zoom, parse_bbox(bbox)
        )
        response = _gzipped_response(request, body, "application/geo+json")
        response.headers["X-Sarwatch-Coast-Level"] = str(index)
        return response

    @router.get("/api/layers/srr", tags=["layers"])
    async def srr(request: Request) -> Response:
        """SAR regions (IMO GISIS) and their overlaps, GeoJSON."""
        body = await run_in_threadpool(layers.srr_layer)
        return _gzipped_response(request, body, "application/geo+json")

    @router.get("/api/layers/zones", tags=["layers"])
    async def zones(request: Request, settings: SettingsDep) -> Response:
        """Approximate 12 nm and 24 nm lines drawn from the shoreline (not baselines), GeoJSON."""
        cache_dir = settings.cache_dir
        body = await run_in_threadpool(layers.zones_layer, Path(cache_dir))
        return _gzipped_response(request, body, "application/geo+json")

    @router.get("/api/layers/ports", tags=["layers"])
    async def ports(request: Request, settings: SettingsDep) -> Response:
        """Ports with their place-of-safety status under the packaged policy, GeoJSON."""
        body = await run_in_threadpool(_ports_body, settings)
        return _gzipped_response(request, body, "application/geo+json", max_age_s=300)

    return router


def install(app: FastAPI) -> None:
    """Attach the page, the static assets and the layer endpoints to ``app``."""
    app.include_router(_router())
