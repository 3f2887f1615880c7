"""`epoch_seconds`, the bulk reader of events' `occurred_at`, against `parse_rfc3339` one value
at a time: the same seconds to the last bit for every text it accepts, and the same first
rejected index, on texts built to sit on every edge of the form the vectorized path reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from burt.engine.errors import InvalidInput
from burt.engine.timefmt import epoch_seconds, format_rfc3339, invalid_rfc3339, parse_rfc3339


def one_by_one(values: list[str | datetime]) -> list[float] | int:
    """What `epoch_seconds` must answer: each value read by `parse_rfc3339`, or the index of
    the first it rejects."""
    epochs = []
    for index, value in enumerate(values):
        try:
            epochs.append(parse_rfc3339(value).timestamp())
        except InvalidInput:
            return index
    return epochs


def field(low: int, high: int, width: int, *wrong: str) -> st.SearchStrategy[str]:
    """A zero-padded number in [low, high], or about one time in eight one of `wrong`."""
    good = st.integers(low, high).map(lambda n: str(n).zfill(width))
    return st.one_of(*[good] * 7, st.sampled_from(wrong)) if wrong else good


year = field(1, 9999, 4, "0000", "20x6", "٢٠٢٦")
month, day = field(1, 12, 2, "00", "13", "1"), field(1, 31, 2, "00", "32", "3 ")
hour, minute, second = field(0, 23, 2, "24", "99"), field(0, 59, 2, "60"), field(0, 59, 2, "60")
separator = st.sampled_from(["T"] * 8 + ["t", " ", "_", "TT", ""])
fraction = st.one_of(  # mostly digits, sometimes a letter among them, up to 16 long
    st.just(""),
    st.text("0123456789" * 5 + "a", min_size=1, max_size=16).map(lambda d: "." + d),
    st.just("."),
)
offset = st.one_of(
    st.sampled_from(["Z", "z"]),
    st.builds(
        lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), field(0, 23, 2), field(0, 59, 2)
    ),
    st.sampled_from(["", "+24:00", "+23:60", "+0530", "+05:3", "+05:30:00", "UTC"]),
)
tail = st.sampled_from([""] * 20 + ["\x00", " ", "Z", "\u0663", "é"])


@st.composite
def timestamp_texts(draw: st.DrawFn) -> str:
    text = (
        f"{draw(year)}-{draw(month)}-{draw(day)}{draw(separator)}"
        f"{draw(hour)}:{draw(minute)}:{draw(second)}{draw(fraction)}{draw(offset)}{draw(tail)}"
    )
    if draw(st.integers(0, 15)) == 0:  # one character replaced by something near the form
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from("0-:.T Zz+\x00\u0663")) + text[at + 1 :]
    return text


@st.composite
def well_formed_texts(draw: st.DrawFn) -> str:
    """A text of the usual form from any date and time, fraction and offset (UTC instants past
    either end of the calendar included), sometimes with a letter in a long fraction."""
    moment = draw(st.datetimes())
    digits = draw(st.integers(0, 16))  # past the nine read at once; now and then a letter
    fraction = (
        f"{moment.microsecond:06d}{draw(st.text('0123456789' * 3 + 'a', min_size=10, max_size=10))}"
    )
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    sign = "-" if minutes < 0 else draw(st.sampled_from("+-"))
    zone = draw(
        st.sampled_from(["Z", "z", f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"])
    )
    return (
        f"{moment:%Y-%m-%d}{draw(st.sampled_from('Tt '))}{moment:%H:%M:%S}"
        f"{'.' + fraction[:digits] if digits else ''}{zone}"
    )


texts = st.one_of(well_formed_texts(), well_formed_texts(), timestamp_texts())


@settings(max_examples=2000, deadline=None)
@given(st.lists(texts, min_size=1, max_size=12))
@example(["2024-02-29T00:00:00Z", "2100-02-29T00:00:00Z"])
@example(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
@example(["2026-11-28T01:02:03.9999995Z", "2026-11-28t01:02:03.1234567z"])
@example(["2026-11-28T01:02:03Z\x00"])
@example(["2026-11-28T01:02:0\u0663Z"])
@example(["2026-11-28T01:02:03.123456789abcdZ", "2026-11-28T01:02:03.1234567890123Z"])
def test_epoch_seconds_reads_each_text_as_parse_rfc3339_does(texts: list[str]) -> None:
    assert epoch_seconds(texts) == one_by_one(list(texts))


@settings(max_examples=500, deadline=None)
@given(st.lists(texts, max_size=12))
def test_invalid_rfc3339_names_every_text_parse_rfc3339_rejects(texts: list[str]) -> None:
    """The file loaders' check of a whole chunk: every bad time is reported, not the first."""
    rejected = []
    for index, text in enumerate(texts):
        try:
            parse_rfc3339(text)
        except InvalidInput:
            rejected.append(index)
    assert invalid_rfc3339(texts) == rejected


def test_epoch_seconds_reads_datetimes_and_texts_together() -> None:
    moment = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=UTC)
    values: list[str | datetime] = [
        "2026-11-28T01:02:03.456789Z",
        moment.astimezone(timezone(timedelta(hours=-3))),
        format_rfc3339(moment),
    ]
    assert epoch_seconds(values) == [moment.timestamp()] * 3
    assert epoch_seconds([*values, datetime(2026, 11, 28)]) == 3  # naive: no offset


def test_epoch_seconds_on_a_realistic_request_equals_one_by_one() -> None:
    """Ten thousand distinct times a microsecond-and-a-bit apart, as a webhook batch has them,
    across a day boundary and in three offsets."""
    start = datetime(2026, 12, 31, 23, 59, 0, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    values: list[str | datetime] = [
        (start + timedelta(microseconds=i * 12_345_679)).astimezone(zones[i % 3]).isoformat()
        for i in range(10_000)
    ]
    assert epoch_seconds(values) == one_by_one(values)
