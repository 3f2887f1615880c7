"""The names of the outcome counters on a campaign document (`cells`, `delays`) and on each
outcome marker (`cell`).

A cell is one string, "sequence/variant/type" (some emulators group by scalars only), with the
segment slot joined to the sequence as "sequence:slot" when the slot is not 0. So every counter
and marker written before segments existed names slot 0 as it is, and needs no migration. A
delay counter is its cell and the delay bin, "cell/bin".
"""

from __future__ import annotations

from typing import NamedTuple


class Cell(NamedTuple):
    sequence: int
    segment: int
    variant: int
    kind: str


def cell_name(sequence: int, segment: int, variant: int, kind: str) -> str:
    """The counter a marker of this batch, segment slot, variant and outcome type counts for."""
    batch = f"{sequence}:{segment}" if segment else str(sequence)
    return f"{batch}/{variant}/{kind}"


def parse_cell(name: str) -> tuple[Cell, int | None]:
    """A `cells` or `delays` key: its cell, and its delay bin (None for a `cells` key)."""
    batch, variant, kind, *bin_ = name.split("/")
    sequence, _, segment = batch.partition(":")
    cell = Cell(int(sequence), int(segment or 0), int(variant), kind)
    return cell, int(bin_[0]) if bin_ else None
