"""Stored webhook secrets: sealed under the server key, bound to their receiver's context."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from burt.engine.errors import Conflict
from burt.service.config import Config
from burt.service.webhooks import sealing


def test_a_sealed_key_opens_only_with_its_server_key_and_context(tmp_path: Path) -> None:
    key = sealing.server_key(Config(data_dir=tmp_path))
    assert stat.S_IMODE((tmp_path / sealing.KEY_FILE).stat().st_mode) == 0o600
    assert sealing.server_key(Config(data_dir=tmp_path)) == key  # made once, then read
    sealed = sealing.seal(key, "key-3ax6", "acme", "mailgun")
    assert "key-3ax6" not in sealed
    assert sealing.unseal(key, sealed, "acme", "mailgun") == "key-3ax6"
    with pytest.raises(InvalidTag):
        sealing.unseal(key, sealed, "globex", "mailgun")  # copied onto another tenant's row
    other = sealing.server_key(Config(secret_key=sealing.new_secret_key()))
    with pytest.raises(InvalidTag):
        sealing.unseal(other, sealed, "acme", "mailgun")


def test_mongodb_needs_an_explicit_server_key(tmp_path: Path) -> None:
    shared = Config(data_dir=tmp_path, mongodb_uri="mongodb://db1,db2/?replicaSet=rs0")
    with pytest.raises(Conflict, match="BURT_SECRET_KEY"):
        sealing.server_key(shared)
    assert not (tmp_path / sealing.KEY_FILE).exists()
    with pytest.raises(SystemExit, match="32 bytes"):
        sealing.server_key(Config(secret_key="too-short"))


def test_passwords_are_keyed_hashes_compared_in_one_hmac() -> None:
    key = sealing.server_key(Config(secret_key=sealing.new_secret_key()))
    stored = sealing.hash_password(key, "correct-horse-battery", "acme")
    assert stored.startswith("hmac-sha256$") and "correct-horse" not in stored
    assert not sealing.is_scrypt(stored)
    assert sealing.password_matches(key, stored, "correct-horse-battery", "acme")
    assert not sealing.password_matches(key, stored, "correct-horse-batterY", "acme")
    assert not sealing.password_matches(key, stored, "correct-horse-battery", "globex")
    other = sealing.server_key(Config(secret_key=sealing.new_secret_key()))
    assert not sealing.password_matches(other, stored, "correct-horse-battery", "acme")


def test_an_earlier_releases_scrypt_hash_is_still_accepted() -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"correct-horse-battery", salt=salt, n=2**14, r=8, p=1)
    stored = f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert sealing.is_scrypt(stored)
    assert sealing.scrypt_password_matches(stored, "correct-horse-battery", "wh_1")
    assert sealing.scrypt_password_matches(stored, "correct-horse-battery", "wh_1")  # remembered
    assert not sealing.scrypt_password_matches(stored, "correct-horse-batterY", "wh_1")
