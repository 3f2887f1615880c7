"""Every error leaves as application/problem+json with a specific detail, never a bare 500."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache

from connexion import ConnexionMiddleware
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.problem import problem
from starlette.routing import compile_path

from burt.engine import errors
from burt.service.auth.bearer import KeyRefused
from burt.service.auth.ratelimit import RateLimited
from burt.service.contract import operations, route_path
from burt.service.edge.gate import closing
from burt.service.edge.limits import (
    BodyReadTimeout,
    BodyTooLarge,
    payload_too_large,
    request_timeout,
)
from burt.service.webhooks.common import DeliveryRefused

log = logging.getLogger("burt")


class PreconditionRequired(Exception):
    """A conditional request came without its precondition header (428)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class ProblemType:
    """How an engine error leaves over HTTP: status, title and the problem `type` URI."""

    status: int
    title: str
    uri: str = "about:blank"


_PROBLEMS = "https://burt.dev/problems/"
_BY_ERROR: dict[type[errors.BurtError], ProblemType] = {
    errors.InvalidInput: ProblemType(400, "Bad Request"),
    errors.NotFound: ProblemType(404, "Not Found"),
    errors.NoPendingContacts: ProblemType(409, "Conflict", _PROBLEMS + "no-pending-contacts"),
    errors.CampaignNotActive: ProblemType(409, "Conflict", _PROBLEMS + "campaign-not-active"),
    errors.SettingsRefused: ProblemType(409, "Conflict", _PROBLEMS + "settings-refused"),
    errors.Conflict: ProblemType(409, "Conflict"),
    errors.VersionMismatch: ProblemType(412, "Precondition Failed"),
    errors.IdempotencyKeyReused: ProblemType(
        422, "Unprocessable Entity", _PROBLEMS + "idempotency-key-reused"
    ),
    errors.Unprocessable: ProblemType(422, "Unprocessable Entity"),
    errors.StoreUnavailable: ProblemType(503, "Service Unavailable"),
}
"""Engine error classes -> problems; a subclass not listed takes its nearest listed base's."""
_UNMAPPED = ProblemType(500, "Internal Server Error")


def problem_type(exc: errors.BurtError) -> ProblemType:
    for cls in type(exc).__mro__:
        if cls in _BY_ERROR:
            return _BY_ERROR[cls]
    return _UNMAPPED


def burt_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, errors.BurtError)
    kind = problem_type(exc)
    if kind.status == 503:
        log.warning("store unavailable: %s", exc.detail)
    return problem(kind.status, kind.title, exc.detail, type=kind.uri, instance=request.url.path)


def precondition_required(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return problem(428, "Precondition Required", str(exc), instance=request.url.path)


def invalid_text(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Bodies that are not valid UTF-8 (connexion would answer 500, upstream issue #1860)."""
    return problem(
        400, "Bad Request", f"request is not valid UTF-8: {exc}", instance=request.url.path
    )


def delivery_refused(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """A webhook delivery that did not verify (401, 403) or cannot be read (400)."""
    assert isinstance(exc, DeliveryRefused)
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}
    return problem(
        exc.status,
        titles[exc.status],
        exc.detail,
        type=_PROBLEMS + "webhook-refused",
        instance=request.url.path,
    )


def too_large(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return payload_too_large(str(exc), request.url.path)


def timed_out(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return request_timeout(str(exc), request.url.path)


def key_refused(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """401 or 403 for a bearer key that may not call the operation, with its challenge."""
    assert isinstance(exc, KeyRefused)
    titles = {401: "Unauthorized", 403: "Forbidden"}
    return problem(
        exc.status_code,
        titles[exc.status_code],
        exc.detail,
        instance=request.url.path,
        headers={"WWW-Authenticate": exc.challenge, **closing(request.scope["headers"])},
    )


def rate_limited(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """429 for a key over its rate limit, with the seconds to wait in `Retry-After`."""
    assert isinstance(exc, RateLimited)
    return problem(
        429,
        "Too Many Requests",
        exc.detail,
        type=_PROBLEMS + "rate-limited",
        instance=request.url.path,
        headers={"Retry-After": str(exc.retry_after), **closing(request.scope["headers"])},
    )


@cache
def _path_methods() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """Each spec path as starlette compiles it, with every method of its path item."""
    methods: dict[str, set[str]] = {}
    for operation in operations().values():
        methods.setdefault(operation.path, set()).add(operation.method)
    return tuple(
        (compile_path(path)[0], tuple(sorted(found | ({"HEAD"} if "GET" in found else set()))))
        for path, found in methods.items()
    )


def method_not_allowed(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """405 with an `Allow` listing every method of the path (RFC 9110 §15.5.6).

    connexion routed the request and found the path but not the method; it routes each
    operation on its own, so its own `Allow` names the methods of one operation of the path
    (`POST` on `/campaigns`, which also has GET). The spec's path item names them all."""
    path = route_path(request.scope)
    allowed = next((m for pattern, m in _path_methods() if pattern.fullmatch(path)), ())
    return problem(
        405,
        "Method Not Allowed",
        f"{request.method} is not allowed on {path}; allowed: {', '.join(allowed) or 'none'}",
        instance=request.url.path,
        headers={"Allow": ", ".join(allowed)},
    )


def unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        "Internal Server Error",
        "an unexpected error occurred; it has been logged",
        instance=request.url.path,
    )


def install(app: ConnexionMiddleware) -> None:
    """Register the handlers (connexion requires this before the app starts)."""
    app.add_error_handler(errors.BurtError, burt_error)
    app.add_error_handler(PreconditionRequired, precondition_required)
    app.add_error_handler(UnicodeDecodeError, invalid_text)
    app.add_error_handler(BodyTooLarge, too_large)
    app.add_error_handler(DeliveryRefused, delivery_refused)
    app.add_error_handler(BodyReadTimeout, timed_out)
    app.add_error_handler(KeyRefused, key_refused)
    app.add_error_handler(RateLimited, rate_limited)
    app.add_error_handler(405, method_not_allowed)
    app.add_error_handler(Exception, unexpected)
