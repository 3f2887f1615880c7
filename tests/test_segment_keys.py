"""The segment key of a contact and the cap rule of the segment slots (engine.segments.keys)."""

from __future__ import annotations

from burt.engine.segments.keys import (
    ERASED,
    OTHER,
    UNKNOWN,
    Registry,
    key_of,
    rank,
    slot_from_text,
    slot_text,
)


def test_a_key_is_the_attribute_values_as_text_and_unknown_where_missing() -> None:
    attributes = {"tier": "vip", "age": 41, "opted": True, "score": 2.5, "gone": None}
    assert key_of(attributes, ("tier", "age")) == ("vip", "41")
    assert key_of(attributes, ("opted", "score", "gone")) == ("true", "2.5", UNKNOWN)
    assert key_of(attributes, ("locale",)) == (UNKNOWN,)
    assert key_of(None, ("tier", "locale")) == (UNKNOWN, UNKNOWN)


def test_at_the_first_draw_few_keys_each_get_a_slot_most_contacts_first() -> None:
    registry = rank([(("de",), 3), (("fr",), 5), (("us",), 3)], max_segments=4)
    assert registry.slots == (("fr",), ("de",), ("us",))  # ties: the key loaded first


def test_at_the_first_draw_the_rarest_keys_share_other() -> None:
    counts = [((f"k{i}",), 10 - i) for i in range(6)]
    registry = rank(counts, max_segments=4)
    assert registry.slots == (("k0",), ("k1",), ("k2",), OTHER)
    assert [registry.slot_of((f"k{i}",)) for i in range(6)] == [0, 1, 2, 3, 3, 3]
    assert registry.slot_of(("never-seen",)) == 3


def test_exactly_max_segments_keys_leave_one_slot_for_other() -> None:
    registry = rank([((f"k{i}",), 1) for i in range(4)], max_segments=4)
    assert registry.slots == (("k0",), ("k1",), ("k2",), OTHER)


def test_a_later_key_gets_a_slot_while_there_is_room_then_joins_other() -> None:
    registry = rank([(("a",), 5)], max_segments=3)
    registry, slot = registry.place(("b",), 3)
    assert slot == 1 and registry.slots == (("a",), ("b",))
    registry, slot = registry.place(("c",), 3)
    assert slot == 2 and registry.slots == (("a",), ("b",), OTHER)
    registry, slot = registry.place(("d",), 3)
    assert slot == 2 and len(registry.slots) == 3


def test_a_key_never_moves_and_the_slots_never_exceed_the_cap() -> None:
    registry = Registry()
    placed: dict[tuple[str, ...], int] = {}
    for i in range(200):
        key = (f"k{i % 37}",)
        registry, slot = registry.place(key, 8)
        assert placed.setdefault(key, slot) == slot
        assert len(registry.slots) <= 8
    assert registry.own == 7 and registry.slots[-1] is OTHER


def test_placing_a_known_key_returns_the_same_registry() -> None:
    registry = rank([(("a",), 1)], max_segments=2)
    assert registry.slots == (("a",),)
    same, slot = registry.place(("a",), 2)
    assert same is registry and slot == 0


def test_a_redacted_key_keeps_its_slot_and_a_later_carrier_is_placed_as_new() -> None:
    registry = Registry((("a",), ("b",)))
    redacted, slot = registry.redact(("a",))
    assert (redacted.slots, slot) == ((ERASED, ("b",)), 0)
    assert redacted.redact(("a",)) == (redacted, None)  # done already: nothing to redact
    assert redacted.own == 2  # the redacted slot still counts against the cap
    assert redacted.slot_of(("a",)) is None
    assert redacted.place(("a",), max_segments=4) == (Registry((ERASED, ("b",), ("a",))), 2)
    assert redacted.place(("a",), max_segments=3) == (Registry((ERASED, ("b",), OTHER)), 2)
    assert Registry((("a",), OTHER)).redact(("z",)) == (Registry((("a",), OTHER)), None)


def test_a_slot_as_stored_and_back() -> None:
    for slot in (("gold", "de"), ("erased",), OTHER, ERASED):
        assert slot_from_text(slot_text(slot)) == slot
    assert slot_text(ERASED) != slot_text(("erased",))
