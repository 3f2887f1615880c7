"""An audit of a store's campaigns against DESIGN.md's invariants, from the stored records.

Used by the backup test (on a copy taken while a writer wrote) and by `bench.soak` (at the end
of a soak, and on the backup taken during it). Each check is a name and the problems found;
an empty list is a PASS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from burt.engine.model import PeriodCount
from burt.engine.store.base import Store


@dataclass
class Audit:
    """Problems per invariant, and what was counted on the way."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    counted: Counter[str] = field(default_factory=Counter)

    def check(self, name: str, ok: bool, problem: str) -> None:
        found = self.problems.setdefault(name, [])
        if not ok:
            found.append(problem)

    @property
    def passed(self) -> bool:
        return not any(self.problems.values())

    def lines(self) -> list[str]:
        """One PASS/FAIL line per invariant, with the first problems of a failure."""
        out = []
        for name, found in self.problems.items():
            out.append(f"{'PASS' if not found else 'FAIL'}  {name}")
            out += [f"      {problem}" for problem in found[:5]]
        return out


ASSIGNED_ONCE = "each contact assigned at most once, to one variant, in one batch"
NEVER_LOST = "every contact loaded is pending or assigned exactly once"
COUNTS_RECOUNT = "reported counts equal a recount from the raw records"
BATCHES_WHOLE = "every batch's counts add up to its assignments"


async def audit_campaign(
    store: Store,
    tenant: str,
    campaign_id: str,
    audit: Audit,
    loaded: Iterable[str] | None = None,
) -> Mapping[str, int]:
    """Check one campaign's records; `loaded` is every contact id the caller knows it loaded
    (its load answered), when it knows. Returns the contact -> variant index it found."""
    campaign = await store.get_campaign(tenant, campaign_id)
    assert campaign is not None, f"campaign {campaign_id} is gone"
    assigned: dict[str, int] = {}
    sequence = 0
    while page := await store.list_batches(campaign_id, sequence, 200):
        for listed in page:
            batch = await store.get_batch(campaign_id, listed.id)
            assert batch is not None and batch.assignments is not None
            audit.counted["batches"] += 1
            per_variant = Counter(v for _, v in batch.assignments)
            audit.check(
                BATCHES_WHOLE,
                len(batch.assignments) == batch.size == sum(batch.counts) + batch.holdout_count,
                f"{campaign_id} batch {batch.sequence}: size {batch.size}, counts {batch.counts}"
                f" + holdout {batch.holdout_count}, {len(batch.assignments)} assignments",
            )
            audit.check(
                BATCHES_WHOLE,
                all(per_variant[i] == n for i, n in enumerate(batch.counts)),
                f"{campaign_id} batch {batch.sequence}: counts {batch.counts}, {per_variant}",
            )
            for contact, variant in batch.assignments:
                audit.check(
                    ASSIGNED_ONCE,
                    contact not in assigned,
                    f"{campaign_id}: {contact} in batch {batch.sequence} and an earlier one",
                )
                assigned[contact] = variant
            sequence = batch.sequence
    audit.counted["assigned"] += len(assigned)
    audit.counted["contacts"] += campaign.contacts_total
    audit.check(
        NEVER_LOST,
        campaign.contacts_total - campaign.contacts_pending == len(assigned),
        f"{campaign_id}: {campaign.contacts_total} contacts, {campaign.contacts_pending} pending,"
        f" {len(assigned)} assigned in batches",
    )
    if loaded is not None:
        known = set(loaded)
        audit.check(
            NEVER_LOST,
            campaign.contacts_total == len(known) and set(assigned) <= known,
            f"{campaign_id}: {len(known)} contacts loaded, {campaign.contacts_total} stored,"
            f" {len(set(assigned) - known)} assigned that were never loaded",
        )
    reported = await store.period_counts(campaign_id)
    recounted = await store.recount(campaign_id)
    audit.check(
        COUNTS_RECOUNT,
        reported == recounted,
        f"{campaign_id}: counters {_totals(reported)} against recount {_totals(recounted)}",
    )
    sends = sum(row.sends for row in recounted)
    audit.check(
        COUNTS_RECOUNT,
        sends == len(assigned),
        f"{campaign_id}: {sends} sends recounted, {len(assigned)} contacts in batches",
    )
    audit.counted["outcomes"] += sum(sum(row.outcomes.values()) for row in recounted)
    return assigned


def _totals(rows: Iterable[PeriodCount]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for row in rows:
        total["sends"] += row.sends
        total.update(row.outcomes)
    return dict(total)
