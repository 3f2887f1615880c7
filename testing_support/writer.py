"""A process that keeps writing to a SQLite store through the engine: loads, draws, outcomes.

    python -m testing_support.writer FILE SECONDS

It prints the tenant and campaign id it writes to, then writes until SECONDS have passed (or it
is killed). The backup test copies the file meanwhile.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta

from burt.engine import Burt
from burt.engine.model import EventIn, Variant
from burt.engine.store import SQLiteStore

TENANT = "acme"


async def write(path: str, seconds: float) -> None:
    store = SQLiteStore(path)
    await store.open()
    try:
        burt = Burt(store, tenant=TENANT)
        campaign = await burt.initialize_campaign(
            "Backup", [Variant("a", "A"), Variant("b", "B"), Variant("c", "C")], "opened"
        )
        print(TENANT, campaign.id, flush=True)
        deadline = time.monotonic() + seconds
        for round_ in range(1_000_000):
            if time.monotonic() > deadline:
                break
            await burt.load_contacts(campaign.id, [f"r{round_}-{i}" for i in range(50)])
            batch, _ = await burt.create_experiment_batch(campaign.id, 40, f"draw-{round_}")
            assert batch.assignments is not None
            when = batch.created_at + timedelta(minutes=5)
            events = [
                EventIn(f"e-{contact}", contact, "opened", when)
                for contact, _ in batch.assignments[::3]
            ]
            await burt.record_outcomes(campaign.id, events)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(write(sys.argv[1], float(sys.argv[2])))
