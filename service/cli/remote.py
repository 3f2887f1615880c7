"""What the commands that talk to a running service (`burt report`, the loaders) share: the
check of `--url` before any work, and the one-line error when nothing answers there."""

from __future__ import annotations


def checked_url(url: str) -> str:
    """`url` if it can name a burt service; ValueError says what is wrong with it."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"--url {url!r} is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"--url {url!r} is not an http:// or https:// URL with a host")
    return url


def unreachable(url: str, error: Exception) -> str:
    return f"cannot reach the service at {url} ({error}): is it running, and is --url right?"
