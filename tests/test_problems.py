"""The table from engine errors to problem+json: complete, URIs only on the HTTP side."""

from __future__ import annotations

import inspect

import pytest

from burt.engine import errors
from burt.service.problems import problem_type

ENGINE_ERRORS = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.BurtError) and cls is not errors.BurtError
]


NOT_THE_CLIENTS = {errors.StoreUnavailable: 503}


@pytest.mark.parametrize("cls", ENGINE_ERRORS, ids=lambda c: c.__name__)
def test_every_engine_error_is_mapped_on_purpose(cls: type[errors.BurtError]) -> None:
    """A client's error is a 4xx; the store's errors are listed here by name."""
    kind = problem_type(cls("x"))
    assert kind.status == NOT_THE_CLIENTS.get(cls) or (
        400 <= kind.status < 500 and not NOT_THE_CLIENTS.get(cls)
    )
    assert kind.status != 500 or kind.uri != "about:blank", "a 500 must say what it is"


@pytest.mark.parametrize("cls", ENGINE_ERRORS, ids=lambda c: c.__name__)
def test_engine_errors_carry_no_http_concepts(cls: type[errors.BurtError]) -> None:
    assert not [name for name in vars(cls) if name in {"kind", "status", "type", "uri"}]


def test_a_specific_problem_type_outranks_its_base() -> None:
    assert problem_type(errors.NoPendingContacts("x")).uri.endswith("/no-pending-contacts")
    assert problem_type(errors.Conflict("x")).uri == "about:blank"
