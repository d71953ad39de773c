"""The admin key check, shared by the admin routes and the request gate that runs before a body is read."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from pydantic import SecretStr

from app.errors import AdminAuthError


def check_admin_key(keys: Sequence[SecretStr], key: str | None) -> None:
    """Raise ``AdminAuthError`` unless ``key`` is one of ``keys`` (403 when no key is configured, 401 when none
    is sent). Every key is compared, always, so timing says nothing about which (if any) matched."""
    if not keys:
        raise AdminAuthError(403, "管理接口未启用（请配置 POLICYQA_ADMIN_API_KEYS）")
    if not key:
        raise AdminAuthError(401, "缺少管理密钥（X-API-Key）")
    supplied = key.encode()
    matches = [hmac.compare_digest(supplied, k.get_secret_value().encode()) for k in keys]
    if not any(matches):
        raise AdminAuthError(403, "管理密钥不正确")
