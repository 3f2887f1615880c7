"""Which PyMongo errors mean "unavailable, retry" (StoreUnavailable, a 503); the rest stay bugs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from pymongo.errors import BulkWriteError, ConnectionFailure, PyMongoError, WriteConcernError

from burt.engine.errors import StoreUnavailable

P = ParamSpec("P")
T = TypeVar("T")

_RETRY_CODES = frozenset({6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436})
"""Server codes a driver retries (host unreachable, network timeout, shutdown, not primary,
stepped down, time limit exceeded, majority snapshot not ready): "unavailable, retry"."""
_RETRY_LABELS = ("RetryableWriteError", "TransientTransactionError", "RetryableError")


def is_unavailable(exc: PyMongoError) -> bool:
    """Does this error mean "the deployment cannot answer now, retry" rather than a bug?"""
    if isinstance(exc, ConnectionFailure | WriteConcernError) or exc.timeout:
        return True  # ConnectionFailure covers no primary, server selection, network timeouts
    if any(exc.has_error_label(label) for label in _RETRY_LABELS):
        return True
    if isinstance(exc, BulkWriteError):
        return bool(exc.details.get("writeConcernErrors"))
    return getattr(exc, "code", None) in _RETRY_CODES


def available(fn: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn "unavailable, retry" errors into StoreUnavailable (503); others stay errors (500)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except PyMongoError as exc:
            if is_unavailable(exc):
                raise StoreUnavailable(f"MongoDB is unavailable, retry: {exc}") from exc
            raise

    return wrapper
