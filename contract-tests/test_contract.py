"""Property-based: every operation of openapi.yaml against the running app on a real store.

Every built-in schemathesis check is on, plus burt's own (burt_contract.py): safe GETs,
idempotent draws, sealed tenants and problem+json errors.
"""

from __future__ import annotations

import schemathesis
from conftest import seeded_schema

schema = seeded_schema()


@schema.parametrize()
def test_operation_keeps_the_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()
