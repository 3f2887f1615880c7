"""Shared webhook secrets at rest: sealed when they must be used, hashed when only compared.

- A Mailgun signing key must be usable to verify (an HMAC needs the key itself), so it cannot be
  hashed. It is sealed with AES-256-GCM under the server key, the receiver's tenant and provider
  bound in as associated data (a sealed key copied onto another row does not open).
- A Postmark password only needs comparing: HMAC-SHA256 under the server key, the receiver's
  tenant bound in, compared in constant time. A request with a wrong password costs one HMAC,
  so anonymous refusals cannot take the CPU (a slow hash would run on every one of them); a
  leaked database alone yields nothing to test guesses against without the server key.
  Receivers registered before this kept a salted scrypt hash (`scrypt$...`, n=2^14, r=8, p=1):
  it is still accepted (a verified (receiver, credentials) pair is remembered in this process
  by its SHA-256), and the first delivery it verifies replaces it with the HMAC.
- SendGrid's verification key and SNS certificates are public: stored as given.

The server key is `BURT_SECRET_KEY` (urlsafe base64 of 32 random bytes) or, when unset, the file
`secret.key` in the data directory, made on first use with mode 0600. A leaked database then
yields no signing key unless the key leaks with it. Every host must use the same key: with
MongoDB, where several hosts share one database, sealing without `BURT_SECRET_KEY` is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from burt.engine.errors import Conflict
from burt.service.config import Config

KEY_FILE = "secret.key"
_SEALED_PREFIX = "aesgcm1:"
_HMAC_PREFIX = "hmac-sha256$"
_SCRYPT_PREFIX = "scrypt$"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_verified: set[bytes] = set()


def new_secret_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise SystemExit(f"{origin} must be the urlsafe base64 of 32 bytes")
    return key


def server_key(config: Config) -> bytes:
    """The key that seals stored secrets (see the module docstring)."""
    if config.secret_key:
        return _decode_key(config.secret_key, "BURT_SECRET_KEY")
    if config.mongodb_uri:
        raise Conflict(
            "storing a signing key needs BURT_SECRET_KEY (the same on every host sharing the"
            " MongoDB database); set it and restart"
        )
    path = Path(config.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(new_secret_key())
    return _decode_key(path.read_text(), str(path))


def _context(tenant: str, provider: str) -> bytes:
    return f"burt-webhook:{provider}:{tenant}".encode()


def seal(key: bytes, secret: str, tenant: str, provider: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), _context(tenant, provider))
    return _SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def unseal(key: bytes, sealed: str, tenant: str, provider: str) -> str:
    """The secret; raises cryptography's InvalidTag when the key or the context differ."""
    raw = base64.b64decode(sealed.removeprefix(_SEALED_PREFIX))
    return AESGCM(key).decrypt(raw[:12], raw[12:], _context(tenant, provider)).decode()


def _password_mac(key: bytes, password: str, tenant: str) -> bytes:
    message = _context(tenant, "postmark") + b"\x00" + password.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def hash_password(key: bytes, password: str, tenant: str) -> str:
    """What a Postmark receiver stores of its password (see the module docstring)."""
    return _HMAC_PREFIX + base64.b64encode(_password_mac(key, password, tenant)).decode()


def is_scrypt(stored: str) -> bool:
    """A password stored by an earlier release: checking it is slow (run it off the loop)."""
    return stored.startswith(_SCRYPT_PREFIX)


def password_matches(key: bytes, stored: str, password: str, tenant: str) -> bool:
    """Constant-time comparison of `password` with the stored HMAC."""
    expected = base64.b64decode(stored.removeprefix(_HMAC_PREFIX))
    return hmac.compare_digest(_password_mac(key, password, tenant), expected)


def scrypt_password_matches(stored: str, password: str, receiver: str) -> bool:
    """Constant-time comparison against an earlier release's scrypt hash (remembered once
    verified)."""
    memo = hashlib.sha256(f"{receiver}\x00{stored}\x00{password}".encode()).digest()
    if memo in _verified:
        return True
    _, salt, expected = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), **_SCRYPT)
    if not hmac.compare_digest(digest, base64.b64decode(expected)):
        return False
    _verified.add(memo)
    return True
