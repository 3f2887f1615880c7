"""burt's engine: campaigns, contacts, batches, outcomes and decisions, with no HTTP anywhere."""

from engine.burt import Burt, Page
from engine.model import ContactIn, EventIn, Variant
from engine.policy import PolicySettings
from engine.store import SQLiteStore, store_from_config

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
