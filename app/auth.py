"""The admin key check, shared by the admin routes and the request gate that runs before a body is read."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from pydantic import SecretStr


class AdminAuthError(Exception):
    """The admin API refused the caller; ``message`` (Chinese) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AdminDisabled(AdminAuthError):
    """No admin key is configured: the admin API is off."""


class AdminKeyMissing(AdminAuthError):
    """The request sent no key."""


class AdminKeyWrong(AdminAuthError):
    """The request sent a key that is not one of the configured ones."""


def check_admin_key(keys: Sequence[SecretStr], key: str | None) -> None:
    """Raise an ``AdminAuthError`` unless ``key`` is one of ``keys``. Every key is compared, always, so timing
    says nothing about which (if any) matched."""
    if not keys:
        raise AdminDisabled("管理接口未启用（请配置 POLICYQA_ADMIN_API_KEYS）")
    if not key:
        raise AdminKeyMissing("缺少管理密钥（X-API-Key）")
    supplied = key.encode()
    matches = [hmac.compare_digest(supplied, k.get_secret_value().encode()) for k in keys]
    if not any(matches):
        raise AdminKeyWrong("管理密钥不正确")
