"""The web console at ``/`` and the OpenAPI page at ``/docs``, both served from the package.

The console is a page of plain JavaScript modules (``static/``: no build step, no CDN) that reads
the ``/console/...`` endpoints (:mod:`offchain.api.routers.console`), ``/status`` and
``/summary``, follows ``/events`` and verifies files through ``POST /proofs/verify``.
``/docs`` is FastAPI's Swagger UI page pointed at the copy of ``swagger-ui-dist`` in
``static/vendor/swagger-ui/`` (its ``VERSION`` file says which), so both work without internet.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from offchain.api.routers import console as console_router

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = "/console/assets"


def install_console(app: FastAPI) -> None:
    """Serve the console at ``/`` (assets under ``/console/assets``), its reads under
    ``/console/``, and a ``/docs`` (and ``/redoc``) that need no internet."""
    app.include_router(console_router.router)
    app.mount(ASSETS, StaticFiles(directory=STATIC), name="console-assets")

    @app.get("/", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    # FastAPI's own /docs and /redoc load their scripts from a CDN: replace them.
    gone = {app.docs_url, app.redoc_url} - {None}
    app.router.routes[:] = [
        r for r in app.router.routes if not (isinstance(r, Route) and r.path in gone)
    ]
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.svg",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")
