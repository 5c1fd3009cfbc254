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

ECHO_LIMIT = 64
"""Echoed input is cut to this many characters (and an ellipsis) in error messages."""
MESSAGE_LIMIT = 1024
"""No error message is longer than this (a long list of problems is cut)."""

_ERRORS: dict[int, str] = {
    400: "Malformed body (bad_bundle, http_error: not readable as JSON)",
    404: "Unknown id (not_found)",
    413: "Body larger than the server accepts (too_large; `mirror serve --max-body`)",
    422: "A parameter or the body is not what the schema says (invalid_request)",
    503: "The mirror kept moving during the read (busy): retry",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": _ERRORS[413]}
}
"""Declared on every operation (the app's default responses): any request may carry a body."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of the error ``codes`` an operation answers (its ``responses=``)."""
    return {code: {"model": ErrorOut, "description": _ERRORS[code]} for code in codes}


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with an ellipsis: what a message echoes."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**limit else "<huge int>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(message: str) -> str:
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"


class ApiError(Exception):
    """An answer with a 4xx status and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": _clip(message)}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("path", "query", "body"))
        got = err.get("input")
        echo = f" (got {shown(got)})" if isinstance(got, str | int | float) else ""
        what = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where or 'request'}: {what}{echo}")
    return "; ".join(parts) or "invalid request"


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _error(exc.status, exc.code, exc.message)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    return _error(422, "invalid_request", _validation_message(exc))


async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    # Starlette's own answers (no such route, method not allowed...) in the API's shape.
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.status_code, "http_error"
    )
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint; see /docs for the API"
    return JSONResponse(
        {"error": code, "message": _clip(message)},
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
