"""Passwords are argon2 hashes; failed logins are limited per username and address."""

from __future__ import annotations

import pytest

from carecluster.service.errors import RateLimited
from carecluster.service.security import LoginLimiter, hash_password, verify_password


def test_password_hashes_are_argon2_and_verify() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "another password")
    assert not verify_password("not a hash", "anything")


def test_limiter_counts_failures_per_username_and_address() -> None:
    limiter = LoginLimiter(limit=2, window=60)
    for _ in range(2):
        limiter.check("ann", "10.0.0.1")
        limiter.failed("ann", "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        limiter.check("ANN", "10.0.0.1")
    assert 0 < raised.value.retry_after <= 61
    limiter.check("ann", "10.0.0.2")  # another address
    limiter.check("bob", "10.0.0.1")  # another user


def test_limiter_window_expires() -> None:
    limiter = LoginLimiter(limit=1, window=0.0)
    limiter.failed("ann", "x")
    limiter.check("ann", "x")
