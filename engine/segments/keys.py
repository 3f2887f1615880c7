"""A contact's segment, and the numbered slots a campaign keeps its segments in.

A contact's segment key is the tuple of its values of the campaign's ``segment_by`` attributes,
each as text (``key_of``); a missing (or null) attribute is the value ``"unknown"``. The
campaign keeps its segments as numbered slots (``Registry``): slot ``s`` holds one key, or
``OTHER``, the one slot the rarest keys share. The slots are made by a rule that is stable as
contacts arrive:

- At the campaign's first draw, the distinct keys of every contact loaded so far are ranked by
  how many contacts carry them (ties: the key loaded first ranks first; ``rank``). If there are
  more than ``max_segments - 1``, the top ``max_segments - 1`` get a slot each, in rank order,
  and the rest share one ``OTHER`` slot after them; otherwise each gets its own.
- A key first seen at a later draw gets the next slot while fewer than ``max_segments - 1``
  keys have their own, else it joins ``OTHER`` (made then, as the next slot, if it is not there
  yet).
- A key never moves once it has a slot, and slots are never removed.

So a campaign never has more than ``max_segments`` slots, and at most ``max_segments - 1`` of
them hold one key: one slot is always left for ``OTHER``. (A campaign with exactly
``max_segments`` distinct keys at its first draw therefore pools its rarest into ``OTHER``.)

Erasure redacts a key (``Registry.redact``): when the last contact of the campaign carrying a
slot's key, erasures aside, is erased, the slot's key becomes ``ERASED``, so the attribute values
are gone while the slot, its number and its counts stay. ``ERASED`` equals no key and still
counts as a slot of its own (``own``): a contact loaded later with the same attribute values
does not land in the redacted slot but is placed as a key never seen, by the rule above (a new
slot while there is room, else ``OTHER``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

UNKNOWN = "unknown"
"""The value of an attribute a contact does not carry (or carries as null)."""

SegmentKey = tuple[str, ...]
OTHER: None = None
"""A registry slot holding no key of its own: every key without a slot of its own."""


class Erased(enum.Enum):
    """The type of ``ERASED`` (one member, so ``slot is ERASED`` narrows)."""

    ERASED = "erased"


ERASED: Final = Erased.ERASED
"""A slot whose key was redacted by an erasure: it equals no key (module docstring)."""

Slot = SegmentKey | Erased | None
"""What a registry slot holds: its key, ``ERASED``, or ``OTHER``."""

ERASED_TEXT = "erased"
"""``ERASED`` as the stores keep it: a key is kept as the JSON text of a list, which starts with
``[``, so this text is never a key's."""


def slot_text(slot: Slot) -> str | None:
    """A slot as the stores keep it: a key's JSON list text, ``ERASED_TEXT``, or null (OTHER)."""
    if slot is OTHER:
        return None
    if slot is ERASED:
        return ERASED_TEXT
    return json.dumps(list(slot))


def slot_from_text(text: str | None) -> Slot:
    """The slot ``slot_text`` gave ``text``."""
    if text is None:
        return OTHER
    if text == ERASED_TEXT:
        return ERASED
    return tuple(json.loads(text))


def value_text(value: Any) -> str:
    """An attribute value as a segment key holds it: a string as it is, anything else as its
    JSON text (``true``, ``3``, ``2.5``), null as ``UNKNOWN``."""
    if value is None:
        return UNKNOWN
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def key_of(attributes: Mapping[str, Any] | None, segment_by: Sequence[str]) -> SegmentKey:
    """The segment key of a contact with ``attributes`` (None: no attributes)."""
    values = attributes or {}
    return tuple(value_text(values.get(name)) for name in segment_by)


@dataclass(frozen=True)
class Registry:
    """A campaign's segment slots: ``slots[s]`` is slot s's key, or ``OTHER``."""

    slots: tuple[Slot, ...] = ()

    @property
    def own(self) -> int:
        """How many slots hold a key of their own (a redacted key's, ``ERASED``, included)."""
        return sum(slot is not OTHER for slot in self.slots)

    def redact(self, key: SegmentKey) -> tuple[Registry, int | None]:
        """The registry with ``key``'s slot holding ``ERASED``, and that slot; itself and None
        when no slot holds ``key`` of its own."""
        if key not in self.slots:
            return self, None
        slot = self.slots.index(key)
        return Registry((*self.slots[:slot], ERASED, *self.slots[slot + 1 :])), slot

    def slot_of(self, key: SegmentKey) -> int | None:
        """The slot ``key`` is in now, None when it has none yet (it would get one at a draw).
        A redacted slot (``ERASED``) holds no key: a key once redacted has none of its own."""
        if key in self.slots:
            return self.slots.index(key)
        # ``OTHER`` is made only once the own slots are full, and they stay full: every key
        # without its own slot is in it.
        return self.slots.index(OTHER) if OTHER in self.slots else None

    def place(self, key: SegmentKey, max_segments: int) -> tuple[Registry, int]:
        """The registry with ``key`` in a slot, and that slot (a new key's by the rule above)."""
        found = self.slot_of(key)
        if found is not None:
            return self, found
        if self.own < max_segments - 1:
            return Registry((*self.slots, key)), len(self.slots)
        return Registry((*self.slots, OTHER)), len(self.slots)


def rank(counts: Iterable[tuple[SegmentKey, int]], max_segments: int) -> Registry:
    """The registry of a campaign's first draw from ``counts``: every distinct key of the
    contacts loaded so far with how many carry it, in the order each key was first loaded."""
    ordered = sorted(enumerate(counts), key=lambda item: (-item[1][1], item[0]))
    keys = [key for _, (key, _) in ordered]
    if len(keys) <= max_segments - 1:
        return Registry(tuple(keys))
    return Registry((*keys[: max_segments - 1], OTHER))
