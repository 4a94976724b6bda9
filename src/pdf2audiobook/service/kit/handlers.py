"""One error shape for every failure: `{"error": "<Name>", "detail": "<message>"}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from pdf2audiobook.service.kit.errors import ServiceError
from pdf2audiobook.service.kit.openapi import document_error_responses


def _body(name: str, detail: str) -> dict[str, str]:
    return {"error": name, "detail": detail}


async def _service_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return JSONResponse(
        _body(type(error).__name__, error.detail),
        status_code=error.status_code,
        headers=error.headers,
    )


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return JSONResponse(_body("ValidationError", problems), status_code=422)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this request's path.

    Starlette answers 405 with the methods of the first route whose path matched, but a path
    here is often served by several routes (`GET`, `POST` and `DELETE /jobs`). Each method
    is asked of the router as a request of that method would be, however routers nest.
    """
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    name = "NotFound" if error.status_code == 404 else "HTTPError"
    headers = error.headers
    if error.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    return JSONResponse(
        _body(name, str(error.detail)), status_code=error.status_code, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error in the one shape, and declare that shape in the OpenAPI document."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    document_error_responses(app)
