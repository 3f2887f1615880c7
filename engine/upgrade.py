"""Settings an earlier release stored, brought within this release's rules.

When a release tightens a rule, the campaigns stored under the old one keep their settings, and
the policy refuses them: every draw and report of such a campaign fails (``SettingsRefused``).
So the stores' migrations pass every stored campaign through ``conform``, which moves each
setting the rules refuse to the nearest value they allow and says what it changed (kept as the
campaign's ``settings_adjustments`` and shown with it):

- a number outside its bounds (``policy.SETTING_BOUNDS``) goes to the nearer end: priors of
  0.01 and 10000 (release b747cf7 allowed them) become 0.1 and 1000;
- a weight floor that, times the variants, reaches 1 (b747cf7 allowed exactly 1) goes to the
  largest floor below one over the variants: the split stays as even as it was;
- an attribution window off the delay bins' edges (b747cf7 allowed any) goes to the next edge
  up, so every outcome that counted still counts.
"""

from __future__ import annotations

import dataclasses
import math

from burt.engine.delays import WINDOWS, window_problem
from burt.engine.model import SettingAdjustment
from burt.engine.policy import SETTING_BOUNDS, PolicySettings, bounds_rule, floor_problem


def largest_floor(variants: int) -> float:
    """The largest weight floor that `variants` variants allow (times them, below 1)."""
    floor = 1.0 / variants
    while floor_problem(floor, variants):
        floor = math.nextafter(floor, 0.0)
    return floor


def conform(settings: PolicySettings, variants: int) -> tuple[SettingAdjustment, ...]:
    """The adjustments that bring `settings` of a campaign of `variants` variants within the
    rules, one per setting changed (none when they already are), in the order of the fields."""
    changed: dict[str, tuple[float, str]] = {}
    for name, bounds in SETTING_BOUNDS.items():
        value = getattr(settings, name)
        if value is not None and value not in bounds:  # None: the goal's, always allowed
            changed[name] = (bounds.nearest(value), bounds_rule(name))

    def in_force(name: str) -> float:
        """The value in force of setting `name` once within its bounds (None: the goal's)."""
        return changed[name][0] if name in changed else settings.in_force(name)

    if problem := floor_problem(in_force("weight_floor"), variants):
        changed["weight_floor"] = (largest_floor(variants), problem)
    window = int(in_force("attribution_window_seconds"))
    if problem := window_problem(window):
        changed["attribution_window_seconds"] = (min(w for w in WINDOWS if w >= window), problem)
    return tuple(
        SettingAdjustment(f.name, getattr(settings, f.name), *changed[f.name])
        for f in dataclasses.fields(settings)
        if f.name in changed
    )
