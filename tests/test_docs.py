"""The documentation keeps up with the code: every setting the service reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_for_operators() -> None:
    read = set(re.findall(r'"(BURT_[A-Z_]+)"', (ROOT / "service" / "config.py").read_text()))
    assert len(read) >= 10
    for document in ("README.md", "docs/production.md"):
        text = (ROOT / document).read_text()
        missing = sorted(v for v in read if f"`{v}`" not in text)
        assert not missing, f"{document} does not document {missing}"


def test_the_goals_read_in_the_docs_as_the_engine_has_them() -> None:
    """The goal table in decision-science.md and README.md states each goal's proof share, weight
    floor and horizon power (and decision-science.md its sentence) as `policy.GOALS` has them,
    so tuning one shows here."""
    from burt.engine.policy import GOALS

    science = (ROOT / "docs" / "decision-science.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for goal, plan in GOALS.items():
        numbers = (plan.proof_share, plan.weight_floor, plan.horizon_power)
        row = rf"^\| `{goal}`( \(default\))? \| " + "".join(rf"{n:g} \| " for n in numbers)
        assert re.search(row + re.escape(plan.meaning) + r" \|$", science, re.M), goal
        assert re.search(row, readme, re.M), goal
    for name in ("weight_floor", "horizon_power", "proof_share"):  # the settings table
        goals = ", ".join(f"{getattr(plan, name):g}" for plan in GOALS.values())
        assert re.search(rf"^\| `{name}` \| the goal's \({goals}\) \|", science, re.M), name
