"""Throttle counters live in a cache every worker shares: the database by default, Redis with REDIS_URL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _settings_cache_backend(**env: str) -> str:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); {code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_default_cache_is_the_database_and_migrate_made_its_table(db):
    assert _settings_cache_backend() == "django.core.cache.backends.db.DatabaseCache"
    assert isinstance(caches["default"], DatabaseCache)
    assert not isinstance(caches["default"], LocMemCache)
    assert "portal_cache" in connection.introspection.table_names()


def test_redis_is_used_when_redis_url_is_set():
    assert _settings_cache_backend(REDIS_URL=REDIS) == "django.core.cache.backends.redis.RedisCache"


def _hammer(api, prefix: str) -> list[int]:
    return [
        api.post(
            "/api/v1/auth/token/",
            {"username": f"{prefix}-{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(23)
    ]


def test_the_token_throttle_counts_in_the_database_cache_across_workers(api, db, settings):
    codes = _hammer(api, "db")
    assert codes[:20] == [400] * 20
    assert set(codes[20:]) == {429}
    # Another worker (a fresh cache connection, nothing shared in memory) sees the same count.
    other = DatabaseCache("portal_cache", {})
    assert any(other.get(key) for key in _throttle_keys(settings))


def _throttle_keys(settings) -> list[str]:
    return ["throttle_auth_127.0.0.1"]


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379 (CI starts one)")
def test_the_token_throttle_counts_in_redis_and_forged_headers_do_not_reset_it(api, db, settings):
    import redis

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS, "KEY_PREFIX": prefix}
    }
    caches["default"].clear()
    try:
        codes = _hammer(api, "redis")
        assert codes[:20] == [400] * 20
        assert set(codes[20:]) == {429}
        keys = redis.Redis.from_url(REDIS).keys(f"{prefix}:*throttle_auth_*")
        assert keys, "the counter is in Redis, where every worker sees it"
    finally:
        caches["default"].clear()
