"""The contract, `openapi.yaml`, as the service reads it: its path and its content."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    """The contract as plain data, read once per process (callers must not mutate it)."""
    contract: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return contract
