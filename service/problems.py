"""Every error leaves as application/problem+json with a specific detail, never a bare 500."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connexion import AsyncApp
from connexion.exceptions import OAuthProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.problem import problem

from burt.engine import errors
from burt.service.gate import CHALLENGE, UNUSABLE_KEY, route_path, routes
from burt.service.limits import BodyReadTimeout, BodyTooLarge, payload_too_large, request_timeout
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


def unauthorized(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """connexion's own 401 (the gate refuses first; this answers a key revoked in between)."""
    return problem(
        401,
        "Unauthorized",
        UNUSABLE_KEY,
        instance=request.url.path,
        headers={"WWW-Authenticate": CHALLENGE},
    )


def method_not_allowed(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """405 with an `Allow` listing every method of the path (RFC 9110 §15.5.6).

    connexion routes each operation separately, so the router's own 405 names only the methods
    of one operation of the path (`Allow: POST` on `/campaigns`, which also has GET)."""
    path = route_path(request.scope)
    allowed = next(
        (sorted(by_method) for pattern, by_method in routes() if pattern.fullmatch(path)), []
    )
    return problem(
        405,
        "Method Not Allowed",
        f"{request.method} is not allowed on {path}; allowed: {', '.join(allowed) or 'none'}",
        instance=path,
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


def install(app: AsyncApp) -> None:
    """Register the handlers (connexion requires this before the app starts)."""
    app.add_error_handler(errors.BurtError, burt_error)
    app.add_error_handler(PreconditionRequired, precondition_required)
    app.add_error_handler(UnicodeDecodeError, invalid_text)
    app.add_error_handler(BodyTooLarge, too_large)
    app.add_error_handler(DeliveryRefused, delivery_refused)
    app.add_error_handler(BodyReadTimeout, timed_out)
    app.add_error_handler(OAuthProblem, unauthorized)
    app.add_error_handler(405, method_not_allowed)
    app.add_error_handler(Exception, unexpected)
