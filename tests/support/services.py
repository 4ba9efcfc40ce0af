"""Which outside services a test may use, and what happens when one is missing."""

import os
import socket

import pytest

REQUIRE_SERVICES = bool(os.environ.get("REQUIRE_SERVICES"))


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip when a service is missing, unless REQUIRE_SERVICES says it must be there."""
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {message}")
    pytest.skip(message)


def redis_available(url: str) -> tuple[bool, str]:
    if not url:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        return False, str(exc)
    return True, ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
