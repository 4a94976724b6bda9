"""One error shape for every failure: `{"error": "<Name>", "detail": "<message>"}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pdf2audiobook.service.kit.errors import ServiceError


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


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    name = "NotFound" if error.status_code == 404 else "HTTPError"
    return JSONResponse(
        _body(name, str(error.detail)), status_code=error.status_code, headers=error.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
