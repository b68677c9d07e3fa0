"""Domain errors. Services raise these; the API turns them into RFC 9457 problem+json and
pages show their message beside the field."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no. `field` names the input at fault, when there is one."""

    status = 400
    code = "invalid"
    title = "请求无效"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation"
    title = "输入校验失败"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "未找到"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "状态冲突"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"
    title = "无权操作"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    title = "请求过于频繁"


class StorageFull(DomainError):
    """The file storage has no room left (ENOSPC, a quota): nothing was kept; try later."""

    status = 507
    code = "storage_full"
    title = "存储空间不足"
