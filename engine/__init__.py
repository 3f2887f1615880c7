"""burt's engine: campaigns, contacts, batches, outcomes and decisions, with no HTTP anywhere."""

from burt.engine.burt import Burt, Page
from burt.engine.model import ContactIn, EventIn, Variant
from burt.engine.policy import PolicySettings
from burt.engine.store import SQLiteStore, store_from_config

__all__ = [
    "Burt",
    "ContactIn",
    "EventIn",
    "Page",
    "PolicySettings",
    "SQLiteStore",
    "Variant",
    "store_from_config",
]
