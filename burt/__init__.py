"""burt: an adaptive-experiment engine for email campaigns.

`import burt` gives the engine's public API, the same operations the REST service exposes:

    import burt
    b = burt.Burt(burt.SQLiteStore("campaigns.sqlite3"), tenant="notebook")
    scenario = burt.Scenario.from_file("scenario.json")
    policy = burt.resolve_policy("burt", settings=scenario.policy_settings())
    result = burt.simulate(scenario, policy)

The repository keeps `engine/` and `service/` at its root; the distribution maps them to
`burt.engine` and `burt.service` (setuptools `package-dir`), so nothing generic lands in
site-packages. In a checkout, `burt/engine` and `burt/service` link to them, so the source
tree imports and type-checks as the installed package.
"""

from importlib.metadata import PackageNotFoundError, version

from burt.engine import (
    Burt,
    ContactIn,
    EventIn,
    Page,
    PolicySettings,
    SQLiteStore,
    Variant,
    store_from_config,
)
from burt.engine.peers import resolve_policy
from burt.engine.simulation import Scenario, SimulationResult, burt_factory, simulate, summarize
from burt.engine.store.mongo import MongoStore

try:
    __version__ = version("burt")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Burt",
    "ContactIn",
    "EventIn",
    "MongoStore",
    "Page",
    "PolicySettings",
    "SQLiteStore",
    "Scenario",
    "SimulationResult",
    "Variant",
    "__version__",
    "burt_factory",
    "resolve_policy",
    "simulate",
    "store_from_config",
    "summarize",
]
