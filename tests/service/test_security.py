"""Passwords are argon2 hashes."""

from __future__ import annotations

from carecluster.service.security import hash_password, verify_password


def test_password_hashes_are_argon2_and_verify() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "another password")
    assert not verify_password("not a hash", "anything")
