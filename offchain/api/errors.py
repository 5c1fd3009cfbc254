"""The API's errors: :class:`ApiError` and the handlers that answer every failure as JSON
``{"error": <code>, "message": <one line>}`` (:class:`~offchain.api.schemas.ErrorOut`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from offchain.api.schemas import ErrorOut
from offchain.exceptions import LeaseholdError

# Documented on every operation (the app's default responses).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed value"},
    404: {"model": ErrorOut, "description": "Unknown id"},
    422: {"model": ErrorOut, "description": "Invalid parameter"},
}


class ApiError(Exception):
    """An answer with a 4xx status and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("path", "query", "body"))
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}{shown}")
    return "; ".join(parts) or "invalid request"


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _error(exc.status, exc.code, exc.message)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    return _error(422, "invalid_request", _validation_message(exc))


async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    # Starlette's own answers (no such route, method not allowed...) in the API's shape.
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint; see /docs for the API"
    return JSONResponse(
        {"error": code, "message": message},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _leasehold(_: Request, exc: LeaseholdError) -> JSONResponse:
    return _error(400, "bad_request", " ".join(str(exc).split()))


def install_error_handlers(app: FastAPI) -> None:
    """Answer :class:`ApiError`, invalid requests, Starlette's own errors (unknown route, wrong
    method) and any :class:`~offchain.exceptions.LeaseholdError` in the API's error shape."""
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(StarletteHTTPException)(_http)
    app.exception_handler(LeaseholdError)(_leasehold)
