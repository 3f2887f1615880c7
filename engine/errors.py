"""The engine's errors. Each maps to one HTTP status in the service; none is an HTTP concept."""

from __future__ import annotations


class BurtError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(BurtError):
    """The input is well-formed but violates a rule the schema cannot state (400)."""


class NotFound(BurtError):
    """No such campaign or batch for this tenant (404)."""


class Conflict(BurtError):
    """The request conflicts with the campaign's state (409)."""


class NoPendingContacts(Conflict):
    """A batch was requested from a campaign with no pending contacts."""


class CampaignNotActive(Conflict):
    """Batches and loads are refused while a campaign is paused or completed."""


class SettingsRefused(Conflict):
    """A campaign's stored settings break a rule of this burt (an earlier release allowed them,
    and no migration has brought them within the rules): it can neither draw nor report until
    its settings are updated."""


class IdempotencyKeyReused(BurtError):
    """An Idempotency-Key was replayed with a different request body (422)."""


class Unprocessable(BurtError):
    """A well-formed change that cannot be applied, e.g. reopening a completed campaign (422)."""


class VersionMismatch(BurtError):
    """An optimistic-concurrency check failed: the campaign changed since it was read (412)."""


class StoreUnavailable(BurtError):
    """The store cannot be reached (503)."""


class IncompatibleStore(Exception):
    """The store was written by a newer burt (a schema version this code does not know).

    Raised by `Store.open`, which refuses such a store without writing to it. It stops a process
    from starting, so it answers no request and has no HTTP status: not a `BurtError`.
    """


class BackupUnsupported(Exception):
    """The store cannot copy itself (MongoDB: its own tools back it up).

    Raised by `Store.backup` for an operator's command; no request reaches it, so it has no
    HTTP status: not a `BurtError`."""
