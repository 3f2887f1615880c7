"""One self-contained HTML page explaining a campaign: the decision in a sentence, the campaign's
goal in another, the per-variant table (and a segmented campaign's segment table with its
"the winner differs by segment" verdict), and three plots drawn as inline SVG (no scripts,
fonts or images fetched from anywhere).

Pure: it takes the API's JSON shapes (``CampaignStats`` now and at earlier moments, and the
batches) as plain dicts, so it works with whatever produced them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats as st

from burt.engine.segments.pooling import INTERACTION_LEVEL

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT, PAD = 640, 220, 40

Json = Mapping[str, Any]


def _colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def _frame(title: str, body: str, y_label: str, x_label: str) -> str:
    return (
        f"<figure><figcaption>{html.escape(title)}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}">'
        f'<rect x="{PAD}" y="10" width="{WIDTH - PAD - 10}" height="{HEIGHT - PAD - 10}" '
        'fill="none" stroke="#999"/>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{html.escape(x_label)}</text>'
        f'<text x="4" y="20" font-size="11">{html.escape(y_label)}</text>'
        f"{body}</svg></figure>"
    )


def _x(i: float, n: float) -> float:
    return PAD + (WIDTH - PAD - 10) * (i / max(n, 1e-12))


def _y(v: float, top: float = 1.0) -> float:
    return 10 + (HEIGHT - PAD - 10) * (1.0 - v / max(top, 1e-12))


def allocation_plot(batches: Sequence[Json], variant_ids: Sequence[str]) -> str:
    """Each batch as a stacked bar of the shares its variants got."""
    n = len(batches)
    bars = []
    for b, batch in enumerate(batches):
        counts = {c["variant_id"]: c["count"] for c in batch["counts"]}
        total = sum(counts.values()) or 1
        bottom = 0.0
        for i, vid in enumerate(variant_ids):
            share = counts.get(vid, 0) / total
            x0, x1 = _x(b, n), _x(b + 1, n)
            bars.append(
                f'<rect x="{x0:.1f}" y="{_y(bottom + share):.1f}" width="{max(x1 - x0 - 1, 1):.1f}"'
                f' height="{_y(bottom) - _y(bottom + share):.1f}" fill="{_colour(i)}">'
                f"<title>batch {batch['sequence']}: {html.escape(vid)} {share:.0%}</title></rect>"
            )
            bottom += share
    return _frame("Share of each batch sent to each variant", "".join(bars), "share", "batch")


def prob_best_plot(history: Sequence[tuple[int, Json]], variant_ids: Sequence[str]) -> str:
    """P(best) of every variant after each batch (from the stats replayed as of then)."""
    if not history:
        return ""
    n = max(len(history) - 1, 1)
    lines = []
    for i, vid in enumerate(variant_ids):
        points = " ".join(
            f"{_x(j, n):.1f},{_y(_variant(s, vid)['prob_best']):.1f}"
            for j, (_, s) in enumerate(history)
        )
        lines.append(
            f'<polyline points="{points}" fill="none" stroke="{_colour(i)}" stroke-width="2">'
            f"<title>{html.escape(vid)}</title></polyline>"
        )
    return _frame("Probability of being best, after each batch", "".join(lines), "P(best)", "batch")


def posterior_plot(stats: Json) -> str:
    """Each variant's posterior density of the rate now."""
    variants = stats["variants"]
    lows = [v["posterior"]["ci_low"] for v in variants]
    highs = [v["posterior"]["ci_high"] for v in variants]
    spread = max(highs) - min(lows)
    x = np.linspace(max(min(lows) - spread / 2, 0), min(max(highs) + spread / 2, 1), 200)
    densities = [st.beta(v["posterior"]["alpha"], v["posterior"]["beta"]).pdf(x) for v in variants]
    top = max(float(np.max(d)) for d in densities) or 1.0
    lines = []
    for i, (v, d) in enumerate(zip(variants, densities, strict=True)):
        points = " ".join(
            f"{_x(j, x.size - 1):.1f},{_y(float(value), top):.1f}" for j, value in enumerate(d)
        )
        lines.append(
            f'<polyline points="{points}" fill="none" stroke="{_colour(i)}" stroke-width="2">'
            f"<title>{html.escape(v['variant_id'])}</title></polyline>"
        )
    label = f"{stats['optimize']} rate from {x[0]:.2%} to {x[-1]:.2%}"
    return _frame("What the rates could be now (posteriors)", "".join(lines), "density", label)


def _window(stats: Json) -> str:
    """The attribution window in words (0 counts every outcome, however late)."""
    window = stats["attribution_window_seconds"]
    if window == 0:
        return "Every outcome counts, however long after its send it arrives."
    settles = stats.get("settles_at")
    final = "" if settles is None else f" The numbers are final from {html.escape(settles)}."
    return f"Outcomes count up to {window / 3600:g} hours after a send.{final}"


def _variant(stats: Json, variant_id: str) -> Json:
    return next(v for v in stats["variants"] if v["variant_id"] == variant_id)


def _reference(stats: Json) -> str:
    """The sentence saying what every lift is measured against."""
    control = stats.get("control_variant_id")
    if control is None:
        leader = _variant(stats, stats["decision"]["leader_variant_id"])
        return (
            f"Lifts compare each variant with the current leader, "
            f"{html.escape(leader['variant_id'])} “{html.escape(leader['label'])}”."
        )
    named = _variant(stats, control)
    return (
        f"Lifts compare each variant with the control, "
        f"{html.escape(named['variant_id'])} “{html.escape(named['label'])}”."
    )


def _table(stats: Json) -> str:
    head = (
        "<tr><th></th><th>variant</th><th>sends</th><th>outcomes counted</th>"
        "<th>observed rate</th><th>estimated rate (95% interval)</th><th>chance of being best</th>"
        "<th>lift (95% interval)</th><th>next batch</th></tr>"
    )
    own = "control" if stats.get("control_variant_id") else "leader (reference)"
    rows = []
    for i, v in enumerate(stats["variants"]):
        p = v["posterior"]
        lift = v["lift"]
        lift_text = (
            f"{lift['relative']:+.1%} vs {html.escape(lift['reference_variant_id'])} "
            f"({lift['ci_low']:+.1%} to {lift['ci_high']:+.1%})"
            if lift
            else own
        )
        late = f" (+{v['late_outcomes']} too late)" if v["late_outcomes"] else ""
        rows.append(
            f'<tr><td style="background:{_colour(i)}"></td>'
            f"<td><b>{html.escape(v['variant_id'])}</b> {html.escape(v['label'])}</td>"
            f"<td>{v['sends']:,}</td><td>{v['counted_outcomes']:,}{late}</td>"
            f"<td>{v['observed_rate']:.2%}</td>"
            f"<td>{p['mean']:.2%} ({p['ci_low']:.2%} to {p['ci_high']:.2%})</td>"
            f"<td>{v['prob_best']:.1%}</td><td>{lift_text}</td><td>{v['weight']:.0%}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _segments(stats: Json) -> str:
    """A segmented campaign's segment table and its "the winner differs by segment" verdict
    (nothing for a campaign without segments)."""
    segments = stats.get("segments")
    if segments is None:
        return ""
    rows = []
    for g in segments:
        decision = g["decision"]
        leader = _variant(g, decision["leader_variant_id"])
        winner = decision["winner_variant_id"]
        weights = ", ".join(
            f"{html.escape(v['variant_id'])} {v['weight']:.0%}" for v in g["variants"]
        )
        rows.append(
            f"<tr><td>{html.escape(g['name'])}</td><td>{g['contacts']:,}</td>"
            f"<td>{html.escape(winner) if winner else 'none yet'}</td>"
            f"<td>{html.escape(leader['variant_id'])} ({leader['prob_best']:.1%})</td>"
            f"<td>{weights}</td></tr>"
        )
    head = (
        "<tr><th>segment</th><th>contacts sent</th><th>winner</th>"
        "<th>leader (chance of being best)</th><th>next batch</th></tr>"
    )
    verdict = "differs" if stats["winner_differs_by_segment"] else "does not differ (yet)"
    return (
        f"<h2>Segments</h2>\n<p><b>The winner {verdict} by segment.</b> "
        f"{html.escape(stats['winner_differs_reason'])}</p>\n"
        f"<p>{_pooling_sentence(stats.get('segment_interaction_p_value'))}</p>\n"
        f"<table>{head}{''.join(rows)}</table>\n"
    )


def _pooling_sentence(p_value: float | None) -> str:
    """How far the segments' weights borrow from the campaign, from the interaction test."""
    if p_value is None:
        return "Every segment is weighted on its own until two segments have sent every variant."
    if p_value >= 1.0 - INTERACTION_LEVEL:
        return (
            f"The variants' effects do not differ measurably between segments (p = {p_value:.2g}):"
            " every segment's weights follow the campaign's comparison."
        )
    return (
        f"The variants' effects differ between segments (p = {p_value:.2g}): each segment's"
        " weights borrow from the campaign only as far as the segments' spread allows."
    )


_CONDITIONS = {
    "prob_best": ("Chance of being best", "{:.1%}"),
    "sends": ("Sends (weighted by how far their outcomes have arrived)", "{:,.0f}"),
    "expected_loss": ("Expected loss if chosen (rate points)", "{:.3%}"),
    "sequential_z": (
        "Lead over the closest rival, in standard errors (always-valid test)",
        "{:.2f}",
    ),
}
_COMPARISONS = {">=": "at least", "<=": "at most"}


def _error_rate(decision: Json) -> str:
    """The winner rule's error bound: 1 - the P(best) it needs (`winner_probability`)."""
    needed = next(c["threshold"] for c in decision["conditions"] if c["name"] == "prob_best")
    return f"{(1.0 - needed) * 100:.3g}%"


_GOALS = {
    "outcomes": "the most outcomes",
    "balanced": "outcomes and a proven winner, balanced",
    "winner": "a proven winner",
}


def _goal(decision: Json) -> str:
    """The campaign's goal and what it trades, in a paragraph (none from a service that
    predates goals)."""
    if "goal" not in decision:
        return ""
    goal = str(decision["goal"])
    return (
        f"<p>Goal: <b>{html.escape(_GOALS.get(goal, goal))}</b> ({html.escape(goal)}). "
        f"{html.escape(decision['goal_meaning'])}</p>\n"
    )


def _conditions(decision: Json) -> str:
    rows = []
    for c in decision["conditions"]:
        name, number = _CONDITIONS.get(c["name"], (c["name"], "{:.4g}"))
        needs = (
            f"{_COMPARISONS.get(c['comparison'], c['comparison'])} {number.format(c['threshold'])}"
        )
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{number.format(c['value'])}</td>"
            f"<td>{html.escape(needs)}</td><td>{'yes' if c['met'] else 'not yet'}</td></tr>"
        )
    return (
        "<table><tr><th>winner rule condition</th><th>now</th><th>needs</th><th>met</th></tr>"
        f"{''.join(rows)}</table>"
    )


def render(
    name: str, stats: Json, batches: Sequence[Json], history: Sequence[tuple[int, Json]]
) -> str:
    """The page. ``history`` holds (batch sequence, stats as of just before the next batch)."""
    variant_ids = [v["variant_id"] for v in stats["variants"]]
    decision = stats["decision"]
    needed = (
        f"<p>Estimated sends still needed to settle it: {decision['sends_needed']:,}.</p>"
        if decision.get("sends_needed")
        else ""
    )
    srm = stats["srm"]
    srm_text = (
        "<p><b>Warning:</b> traffic did not split as intended "
        f"(sample-ratio mismatch, p = {srm['p_value']:.2g}).</p>"
        if srm["p_value"] < 0.001
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(name)}: campaign report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }}
.decision {{ font-size: 1.3rem; background: #f4f6fa; padding: 1rem; border-radius: .5rem; }}
figure {{ margin: 1.5rem 0; }} figcaption {{ font-weight: bold; }}
</style></head><body>
<h1>{html.escape(name)}</h1>
<p class="decision">{html.escape(decision["summary"])}</p>
{_goal(decision)}{needed}{srm_text}
<p>{stats["contacts_total"] - stats["contacts_pending"]:,} of {stats["contacts_total"]:,}
contacts sent; optimizing <b>{html.escape(stats["optimize"])}</b>. {_window(stats)}</p>
<h2>Variants</h2>
<p>{_reference(stats)}</p>
{_table(stats)}
{_segments(stats)}<h2>Why this decision</h2>
<p>A winner is declared only when every condition below holds; the always-valid test keeps the
chance of naming a winner among equal variants below {_error_rate(decision)} although the results
are checked after every batch.</p>
{_conditions(decision)}
<h2>How it went</h2>
{allocation_plot(batches, variant_ids)}
{prob_best_plot(history, variant_ids)}
{posterior_plot(stats)}
<p style="color:#666">Colours: {
        ", ".join(
            f'<span style="color:{_colour(i)}">■ {html.escape(v)}</span>'
            for i, v in enumerate(variant_ids)
        )
    }.</p>
</body></html>
"""
