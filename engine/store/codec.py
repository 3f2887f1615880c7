"""Conversions between domain records and the plain values stores persist (shared by adapters)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from burt.engine.apikeys import ApiKey
from burt.engine.delays import BINS
from burt.engine.model import (
    ActivityUpdate,
    Batch,
    BatchDraft,
    Campaign,
    PeriodCount,
    SegmentPlan,
    SettingAdjustment,
    Variant,
    Webhook,
    WebhookActivity,
)
from burt.engine.policy import SETTINGS_BEFORE_GOALS, PolicySettings
from burt.engine.timefmt import format_rfc3339, parse_rfc3339
from burt.engine.upgrade import conform

_SETTING_FIELDS = {f.name for f in dataclasses.fields(PolicySettings)}


def settings_to_dict(settings: PolicySettings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


def settings_from_dict(values: dict[str, Any]) -> PolicySettings:
    """Stored settings; fields added since they were stored take their defaults."""
    known = {k: v for k, v in values.items() if k in _SETTING_FIELDS}
    # Settings stored before campaigns had a goal have no "goal" and always carry the settings
    # a goal now sets: their defaults (0.3, 0.01, 1.0) were stored like chosen values, and
    # nearly every campaign has them. They meant "burt's rule", which the balanced goal (the
    # default) now states, so each reads as following the goal (None): a later change of goal
    # then moves it. Any other stored value was chosen, and stays.
    if "goal" not in known:
        for name, default in SETTINGS_BEFORE_GOALS.items():
            if known.get(name) == default:
                known[name] = None
    return PolicySettings(**known)


def adjustments_to_list(adjustments: Sequence[SettingAdjustment]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(a) for a in adjustments]


def conformed_campaign(doc: Mapping[str, Any], at: datetime) -> dict[str, Any] | None:
    """The fields to set on a stored campaign (`campaign_fields`) to bring its settings within
    this burt's rules (`upgrade.conform`), or None when they are: the settings adjusted, the
    adjustments added to its record, and its version and `updated_at` moved on (its
    representation changes, so its ETag must)."""
    adjustments = conform(settings_from_dict(doc["settings"]), len(doc["variants"]))
    if not adjustments:
        return None
    return {
        "settings": {**doc["settings"], **{a.setting: a.adjusted for a in adjustments}},
        "settings_adjustments": [
            *doc.get("settings_adjustments", []),
            *adjustments_to_list(adjustments),
        ],
        "version": doc["version"] + 1,
        "updated_at": format_rfc3339(at),
    }


def variants_to_list(campaign: Campaign) -> list[dict[str, str]]:
    return [{"id": v.id, "label": v.label} for v in campaign.variants]


def variants_from_list(values: list[dict[str, str]]) -> tuple[Variant, ...]:
    return tuple(Variant(id=v["id"], label=v["label"]) for v in values)


def campaign_fields(campaign: Campaign) -> dict[str, Any]:
    """The stored fields of a campaign (its contact counts are kept by the store)."""
    return {
        "id": campaign.id,
        "tenant": campaign.tenant,
        "name": campaign.name,
        "status": campaign.status,
        "optimize": campaign.optimize,
        "variants": variants_to_list(campaign),
        "control_variant_id": campaign.control_variant_id,
        "settings": settings_to_dict(campaign.settings),
        "settings_adjustments": adjustments_to_list(campaign.settings_adjustments),
        "version": campaign.version,
        "created_at": format_rfc3339(campaign.created_at),
        "updated_at": format_rfc3339(campaign.updated_at),
    }


def campaign_from_fields(doc: dict[str, Any], total: int, pending: int) -> Campaign:
    return Campaign(
        id=doc["id"],
        tenant=doc["tenant"],
        name=doc["name"],
        status=doc["status"],
        optimize=doc["optimize"],
        variants=variants_from_list(doc["variants"]),
        settings=settings_from_dict(doc["settings"]),
        version=doc["version"],
        created_at=parse_rfc3339(doc["created_at"]),
        updated_at=parse_rfc3339(doc["updated_at"]),
        contacts_total=total,
        contacts_pending=pending,
        control_variant_id=doc.get("control_variant_id"),  # absent: stored before controls
        settings_adjustments=tuple(
            SettingAdjustment(**a) for a in doc.get("settings_adjustments", ())
        ),
    )


def batch_fields(batch: Batch) -> dict[str, Any]:
    """The stored header of a batch (its assignments live on the contacts)."""
    return {
        "id": batch.id,
        "campaign_id": batch.campaign_id,
        "sequence": batch.sequence,
        "idempotency_key": batch.idempotency_key,
        "fingerprint": batch.fingerprint,
        "size": batch.size,
        "created_at": format_rfc3339(batch.created_at),
        "seed": batch.seed,
        "variant_ids": list(batch.variant_ids),
        "weights": list(batch.weights),
        "holdout_fraction": batch.holdout_fraction,
        "counts": list(batch.counts),
        "holdout_count": batch.holdout_count,
        **({} if batch.segments is None else {"segments": segment_plan_fields(batch.segments)}),
    }


def segments_of(settings: PolicySettings) -> tuple[tuple[str, ...], int] | None:
    """What a campaign's segment slots are made by (``segment_by``, ``max_segments``); None
    without segments."""
    return (settings.segment_by, settings.max_segments) if settings.segment_by else None


def draft_segments(draft: BatchDraft) -> tuple[tuple[str, ...], int] | None:
    """``segments_of`` the settings a draft was decided with."""
    plan = draft.segments
    return None if plan is None else (plan.by, plan.max_segments)


def segment_plan_fields(plan: SegmentPlan) -> dict[str, Any]:
    """A segmented batch's plan as stored with it (absent from an unsegmented batch's doc)."""
    return {
        "by": list(plan.by),
        "max_segments": plan.max_segments,
        "weights": [list(w) for w in plan.weights],
        "new_weights": list(plan.new_weights),
    }


def segment_plan_from_fields(doc: Mapping[str, Any] | None) -> SegmentPlan | None:
    if doc is None:
        return None
    return SegmentPlan(
        by=tuple(doc["by"]),
        max_segments=doc["max_segments"],
        weights=tuple(tuple(w) for w in doc["weights"]),
        new_weights=tuple(doc["new_weights"]),
    )


def batch_from_fields(
    doc: dict[str, Any], assignments: tuple[tuple[str, int], ...] | None = None
) -> Batch:
    return Batch(
        id=doc["id"],
        campaign_id=doc["campaign_id"],
        sequence=doc["sequence"],
        size=doc["size"],
        created_at=parse_rfc3339(doc["created_at"]),
        seed=doc["seed"],
        variant_ids=tuple(doc["variant_ids"]),
        weights=tuple(doc["weights"]),
        holdout_fraction=doc["holdout_fraction"],
        counts=tuple(doc["counts"]),
        holdout_count=doc["holdout_count"],
        idempotency_key=doc["idempotency_key"],
        fingerprint=doc["fingerprint"],
        assignments=assignments,
        segments=segment_plan_from_fields(doc.get("segments")),
    )


def period_count(
    sequence: int,
    created_at: str | datetime,
    variant: int,
    sends: int,
    outcomes: dict[str, int],
    delays: Mapping[tuple[str, int], int] | None = None,
    segment: int = 0,
) -> PeriodCount:
    """A counters row; `delays` maps (outcome type, delay bin) to a count (zeros left out)."""
    histogram: dict[str, list[int]] = {}
    for (kind, bin_), n in sorted((delays or {}).items()):
        if n:
            histogram.setdefault(kind, [0] * BINS)[bin_] += n
    return PeriodCount(
        sequence=sequence,
        created_at=parse_rfc3339(created_at),
        variant=variant,
        sends=sends,
        outcomes=outcomes,
        delays={kind: tuple(counts) for kind, counts in histogram.items()},
        segment=segment,
    )


def _time_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_rfc3339(value)


def _parsed_or_none(value: str | None) -> datetime | None:
    return None if value is None else parse_rfc3339(value)


def api_key_fields(key: ApiKey) -> dict[str, Any]:
    """The stored fields of an API key (times as RFC 3339 text, None when unknown)."""
    return {
        "key_hash": key.key_hash,
        "tenant": key.tenant,
        "name": key.name,
        "created_at": _time_or_none(key.created_at),
        "expires_at": _time_or_none(key.expires_at),
        "last_used_at": _time_or_none(key.last_used_at),
        "read_only": key.read_only,
        "revoked_at": _time_or_none(key.revoked_at),
    }


def api_key_from_fields(doc: dict[str, Any]) -> ApiKey:
    """A key from its stored fields; a field absent (a key stored before it existed) is unset."""
    return ApiKey(
        key_hash=doc["key_hash"],
        tenant=doc["tenant"],
        name=doc.get("name"),
        created_at=_parsed_or_none(doc.get("created_at")),
        expires_at=_parsed_or_none(doc.get("expires_at")),
        last_used_at=_parsed_or_none(doc.get("last_used_at")),
        read_only=bool(doc.get("read_only") or False),
        revoked_at=_parsed_or_none(doc.get("revoked_at")),
    )


def dumps(value: Any) -> str:
    """Canonical JSON (sorted keys), so stored values and digests are deterministic."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def webhook_fields(webhook: Webhook) -> dict[str, Any]:
    """The stored fields of a receiver, its activity apart (adapters update that in place)."""
    return {
        "id": webhook.id,
        "tenant": webhook.tenant,
        "provider": webhook.provider,
        "created_at": format_rfc3339(webhook.created_at),
        "credential": dict(webhook.credential),
    }


def webhook_from_fields(doc: dict[str, Any], activity: dict[str, Any]) -> Webhook:
    return Webhook(
        id=doc["id"],
        tenant=doc["tenant"],
        provider=doc["provider"],
        created_at=parse_rfc3339(doc["created_at"]),
        credential=doc["credential"],
        activity=WebhookActivity(
            counts={k: int(v) for k, v in activity.get("counts", {}).items()},
            last_delivery_at=_parsed_or_none(activity.get("last_delivery_at")),
            last_error=activity.get("last_error"),
            last_error_at=_parsed_or_none(activity.get("last_error_at")),
            subscription=activity.get("subscription") or {},
        ),
    )


def activity_changes(update: ActivityUpdate) -> dict[str, Any]:
    """The activity fields an update sets (its counters are added by the adapter)."""
    changes: dict[str, Any] = {}
    if update.counts.get("deliveries"):
        changes["last_delivery_at"] = format_rfc3339(update.at)
    if update.error is not None:
        changes["last_error"] = update.error
        changes["last_error_at"] = format_rfc3339(update.at)
    if update.subscription is not None:
        changes["subscription"] = dict(update.subscription)
    return changes
