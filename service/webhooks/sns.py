"""Amazon SNS message signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA).

The string to sign is "Name\\nvalue\\n" for each signed field in byte order: Message, MessageId,
Subject (when present), Timestamp, TopicArn, Type for a Notification; Message, MessageId,
SubscribeURL, Timestamp, Token, TopicArn, Type for the confirmations (AWS, "Verifying the
signatures of Amazon SNS messages"). The certificate is the receiver's pinned one or the one at
`SigningCertURL`, fetched only over https from an SNS host (the pattern AWS's own validators use)
and cached per URL.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from burt.engine.errors import InvalidInput
from burt.engine.timefmt import parse_rfc3339
from burt.service.webhooks.common import Verification, malformed, unverified

SNS_HOST = re.compile(r"^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$")
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_MAX_CERTIFICATE_BYTES = 64 * 1024


def is_sns_url(url: str) -> bool:
    """An https URL on an SNS host (sns.<region>.amazonaws.com[.cn]), no credentials or port."""
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and parts.hostname is not None
        and SNS_HOST.fullmatch(parts.hostname) is not None
        and parts.username is None
        and parts.port in (None, 443)
    )


def string_to_sign(message: Mapping[str, str]) -> bytes:
    fields = NOTIFICATION_FIELDS if message["Type"] == "Notification" else CONFIRMATION_FIELDS
    lines = []
    for name in fields:
        if name == "Subject" and message.get("Subject") is None:
            continue
        lines += [name, message[name]]
    return ("\n".join(lines) + "\n").encode()


def load_certificate(pem: str | bytes) -> x509.Certificate:
    """An RSA certificate from PEM; ValueError otherwise."""
    certificate = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise ValueError("the certificate's key is not RSA")
    return certificate


def _https_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read(_MAX_CERTIFICATE_BYTES + 1)
        return data


class CertificateCache:
    """Signing certificates fetched from SNS, by URL (the newest `size` kept)."""

    def __init__(self, fetch: Callable[[str], bytes] = _https_get, size: int = 32) -> None:
        self._fetch = fetch
        self._size = size
        self._certificates: OrderedDict[str, x509.Certificate] = OrderedDict()

    async def get(self, url: str) -> x509.Certificate:
        if not (is_sns_url(url) and urlsplit(url).path.endswith(".pem")):
            raise unverified(f"SigningCertURL {url!r} is not a certificate on an SNS host")
        cached = self._certificates.get(url)
        if cached is not None:
            return cached
        try:
            pem = await asyncio.to_thread(self._fetch, url)
            if len(pem) > _MAX_CERTIFICATE_BYTES:
                raise ValueError("too large")
            certificate = load_certificate(pem)
        except (OSError, ValueError) as exc:
            raise unverified(f"could not get the SNS signing certificate {url}: {exc}") from None
        self._certificates[url] = certificate
        while len(self._certificates) > self._size:
            self._certificates.popitem(last=False)
        return certificate


def verify(message: Mapping[str, str], certificate: x509.Certificate, check: Verification) -> None:
    algorithm = _HASHES.get(message["SignatureVersion"])
    if algorithm is None:
        raise unverified(f"SignatureVersion {message['SignatureVersion']!r} is not 1 or 2")
    if not certificate.not_valid_before_utc <= check.now <= certificate.not_valid_after_utc:
        raise unverified(
            "the SNS signing certificate is valid from"
            f" {certificate.not_valid_before_utc.isoformat()} to"
            f" {certificate.not_valid_after_utc.isoformat()}, not now",
            "expired_certificate",
        )
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        signature = base64.b64decode(message["Signature"], validate=True)
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except (InvalidSignature, binascii.Error, ValueError):
        raise unverified("the SNS signature does not verify with the signing certificate") from None
    try:
        published = parse_rfc3339(message["Timestamp"])
    except InvalidInput:
        raise malformed(f"Timestamp {message['Timestamp']!r} is not an ISO 8601 time") from None
    check.check_fresh(published, "SNS")
