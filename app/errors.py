"""Errors mapped to HTTP responses in one place. Every error body is JSON; no stack traces.

Domain errors (documents, admin keys, rate limit, conversation log, index) carry no HTTP status: ``_DOMAIN``
gives each its status and code here. The CLI reports the same errors by their messages."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth import AdminAuthError, AdminKeyMissing
from app.conversations import LogUnavailable
from app.documents import (
    DocumentNotFound,
    UnsupportedContent,
    UploadConflict,
    UploadInvalid,
    UploadRejected,
    UploadTooLarge,
)
from app.limits import RateLimited
from app.service import ReindexRunning
from index.errors import IndexError_

log = logging.getLogger(__name__)


class InvalidRequest(Exception):
    """A request the API understood but cannot serve; ``message`` is shown to the user (Chinese)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_MESSAGES = {
    "missing": "缺少参数 {field}",
    "missing_text": "参数 {field} 不能为空",
    "string_too_short": "参数 {field} 太短（至少 {min_length} 个字符）",
    "string_too_long": "参数 {field} 太长（最多 {max_length} 个字符）",
    "int_parsing": "参数 {field} 必须是整数",
    "greater_than_equal": "参数 {field} 不能小于 {ge}",
    "less_than_equal": "参数 {field} 不能大于 {le}",
    "string_pattern_mismatch": "参数 {field} 格式不正确",
    "extra_forbidden": "不支持的参数 {field}",
    "too_long": "参数 {field} 太长（最多 {max_length} 项）",
    "literal_error": "参数 {field} 的取值无效，可选：{expected}",
    "string_type": "参数 {field} 必须是文本",
    "bool_parsing": "参数 {field} 必须是 true 或 false",
    "bool_type": "参数 {field} 必须是 true 或 false",
    "list_type": "参数 {field} 必须是列表",
    "model_attributes_type": "参数 {field} 格式不正确",
    "json_invalid": "请求内容不是有效的 JSON",
}


def _readable(error: dict) -> dict:
    kind = error.get("type", "")
    # a JSON syntax error's location is a character offset, not a field
    loc = () if kind == "json_invalid" else error.get("loc", ())
    field = ".".join(str(p) for p in loc if p not in ("query", "body")) or "body"
    ctx = dict(error.get("ctx") or {})
    if kind == "string_too_short" and ctx.get("min_length", 0) <= 1:
        kind = "missing_text"
    if "expected" in ctx:  # "'user' or 'assistant'" → "'user'、'assistant'"
        ctx["expected"] = str(ctx["expected"]).replace(" or ", "、")
    template = _MESSAGES.get(kind)
    message = template.format(field=field, **ctx) if template else f"参数 {field} 无效"
    return {"field": field, "message": message}


def json_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: object
) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": message, **extra}, headers=headers)


# (error class, status, code), most specific first
_DOMAIN: tuple[tuple[type[Exception], int, str], ...] = (
    (AdminKeyMissing, 401, "unauthorized"),
    (AdminAuthError, 403, "forbidden"),
    (UploadTooLarge, 413, "rejected"),
    (UnsupportedContent, 415, "rejected"),
    (UploadConflict, 409, "rejected"),
    (UploadInvalid, 422, "rejected"),
    (ReindexRunning, 409, "rejected"),
    (UploadRejected, 400, "rejected"),
)


def error_response(exc: AdminAuthError | UploadRejected | ReindexRunning) -> JSONResponse:
    """The response for a domain error that carries its own (Chinese) message."""
    for kind, status, code in _DOMAIN:
        if isinstance(exc, kind):
            return json_error(status, code, exc.message)
    raise TypeError(f"no HTTP mapping for {type(exc).__name__}")


_CJK = re.compile(r"[\u4e00-\u9fff]")
_HTTP_MESSAGES = {
    400: "请求内容无法解析，请检查格式",
    404: "找不到该地址",
    405: "不支持该请求方法",
    413: "请求内容太大",
    415: "不支持的内容类型",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_readable(e) for e in exc.errors()]
        return json_error(422, "invalid_request", "；".join(e["message"] for e in errors), errors=errors)

    @app.exception_handler(InvalidRequest)
    async def invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        return json_error(422, "invalid_request", exc.message, errors=[{"field": exc.field, "message": exc.message}])

    async def domain(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AdminAuthError | UploadRejected | ReindexRunning)
        return error_response(exc)

    for kind in (AdminAuthError, UploadRejected, ReindexRunning):
        app.add_exception_handler(kind, domain)

    @app.exception_handler(RateLimited)
    async def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        response = json_error(429, "rate_limited", "提问太频繁了，请稍后再试。")
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response

    @app.exception_handler(LogUnavailable)
    async def log_unavailable(_: Request, exc: LogUnavailable) -> JSONResponse:
        log.error("%s", exc)
        return json_error(503, "log_unavailable", "反馈和统计暂时无法使用（记录数据库不可用），请稍后再试。")

    @app.exception_handler(DocumentNotFound)
    async def document_not_found(_: Request, exc: DocumentNotFound) -> JSONResponse:
        return json_error(404, "not_found", f"找不到文档“{exc}”")

    @app.exception_handler(IndexError_)  # not built, corrupt, another encoder, model directory missing
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.error("index unavailable: %s", exc)
        return json_error(503, "index_unavailable", "服务暂时不可用：政策文件索引尚未就绪，请稍后再试。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if not _CJK.search(detail):  # Starlette's and FastAPI's own messages are English
            detail = _HTTP_MESSAGES.get(exc.status_code, "请求无效")
        code = "payload_too_large" if exc.status_code == 413 else "http_error"
        return json_error(exc.status_code, code, detail, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return json_error(500, "internal_error", "服务出现内部错误，请稍后再试。")
