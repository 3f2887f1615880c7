"""The allocation decision: from matured evidence to the next batch's weights.

The policy is a pure, deterministic function of its inputs (no random numbers): the engine and
the simulator both call ``allocate`` and turn the weights into counts with ``stats.apportion``.

Decision science, in order of application:

1. Period adjustment. Base rates swing by hour and weekday while the split changes between
   batches, so pooled rates are biased toward variants sent in good periods. A multiplicative
   model rate(i, p) = rho_i * f_p is fitted to the per-period counts and each variant's sends
   are re-expressed as exposure at the campaign's average period (``_effective_posterior``).
2. Guardrail: a variant whose unsubscribe rate is credibly worse than the best-unsubscribe
   variant is not fed any more.
3. Warm-up: uniform until every live variant has ``warmup_sends`` matured sends.
4. Winner rule: P(best) >= ``winner_probability`` with ``winner_min_sends`` matured sends and an
   expected loss <= ``winner_max_expected_loss``; with ``all_in`` every send goes to it.
5. Exploration, horizon-aware: probability matching tempered by the share of the campaign still
   to send (weights ∝ P(best)^c, c growing as the horizon shrinks), a floor for every variant
   still worth exploring, and elimination of variants whose best-case gain over the leader,
   times the contacts left, is worth less than ``exploration_value`` outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from burt.engine.stats import beta_credible_interval, prob_best_and_expected_loss

WARMING_UP = "warming_up"
EXPLORING = "exploring"
WINNER = "winner"


@dataclass(frozen=True)
class PolicySettings:
    """Campaign policy settings. Defaults come from the simulations in ``bench/``."""

    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    warmup_sends: int = 50
    weight_floor: float = 0.01
    winner_probability: float = 0.95
    winner_min_sends: int = 1000
    winner_max_expected_loss: float = 0.001
    all_in: bool = True
    holdout_fraction: float = 0.0
    attribution_window_seconds: int = 86400
    unsubscribe_guardrail: bool = True
    guardrail_probability: float = 0.995
    period_adjustment: bool = True
    horizon_power: float = 1.0
    exploration_value: float = 1.0
    elimination_probability: float = 0.05

    def validate(self, variants: int | None = None) -> None:
        """Raise ``ValueError`` naming the first invalid setting (or combination)."""
        if not (self.prior_alpha > 0 and self.prior_beta > 0):
            raise ValueError("prior_alpha and prior_beta must be positive")
        if self.warmup_sends < 0:
            raise ValueError("warmup_sends must be non-negative")
        if not 0.0 <= self.weight_floor < 0.5:
            raise ValueError("weight_floor must be in [0, 0.5)")
        if variants is not None and self.weight_floor * variants > 1.0:
            raise ValueError(
                f"weight_floor {self.weight_floor} times {variants} variants exceeds 1"
            )
        if not 0.5 < self.winner_probability < 1.0:
            raise ValueError("winner_probability must be in (0.5, 1)")
        if self.winner_min_sends < 0:
            raise ValueError("winner_min_sends must be non-negative")
        if not self.winner_max_expected_loss > 0:
            raise ValueError("winner_max_expected_loss must be positive")
        if not 0.0 <= self.holdout_fraction < 1.0:
            raise ValueError("holdout_fraction must be in [0, 1)")
        if self.attribution_window_seconds < 0:
            raise ValueError("attribution_window_seconds must be non-negative")
        if not 0.5 < self.guardrail_probability < 1.0:
            raise ValueError("guardrail_probability must be in (0.5, 1)")
        if self.horizon_power < 0:
            raise ValueError("horizon_power must be non-negative")
        if self.exploration_value < 0:
            raise ValueError("exploration_value must be non-negative")
        if not 0.0 <= self.elimination_probability < 0.5:
            raise ValueError("elimination_probability must be in [0, 0.5)")


@dataclass(frozen=True)
class Evidence:
    """Matured counts per variant (rows) and period (columns; a period is one batch)."""

    sends: np.ndarray
    successes: np.ndarray
    unsubscribes: np.ndarray


@dataclass(frozen=True)
class VariantSummary:
    posterior_alpha: float
    posterior_beta: float
    mean: float
    ci_low: float
    ci_high: float
    prob_best: float
    expected_loss: float
    guardrail_tripped: bool


@dataclass(frozen=True)
class Allocation:
    weights: np.ndarray
    status: str
    winner: int | None
    winner_probability: float | None
    variants: tuple[VariantSummary, ...]


def allocate(
    evidence: Evidence, settings: PolicySettings, remaining: int, total: int
) -> Allocation:
    """Weights for the next batch, the campaign status and per-variant posteriors.

    ``remaining`` is the number of contacts not yet assigned and ``total`` the campaign size;
    their ratio is the share of the horizon still to play, which sets how much exploration is
    still worth paying for.
    """
    sends, successes, unsubscribes = _check_evidence(evidence)
    k = sends.shape[0]
    settings.validate(k)
    if not 0 <= remaining <= total or total <= 0:
        raise ValueError("need 0 <= remaining <= total and total > 0")

    alpha, beta = _effective_posterior(sends, successes, settings)
    ci_low, ci_high = beta_credible_interval(alpha, beta)
    prob_best, loss = prob_best_and_expected_loss(alpha, beta)
    tripped = (
        guardrail_tripped(sends.sum(axis=1), unsubscribes.sum(axis=1), settings)
        if settings.unsubscribe_guardrail
        else np.zeros(k, dtype=bool)
    )
    live = ~tripped
    matured = sends.sum(axis=1)
    winner = _winner(alpha, beta, prob_best, loss, matured, live, settings)

    if np.any(matured[live] < settings.warmup_sends):
        status, weights = WARMING_UP, live / live.sum()
    elif winner is not None:
        status = WINNER
        weights = (
            np.eye(k)[winner]
            if settings.all_in
            else _exploration_weights(alpha, beta, prob_best, live, remaining, total, settings)
        )
    else:
        status = EXPLORING
        weights = _exploration_weights(alpha, beta, prob_best, live, remaining, total, settings)

    summaries = tuple(
        VariantSummary(
            posterior_alpha=float(alpha[i]),
            posterior_beta=float(beta[i]),
            mean=float(alpha[i] / (alpha[i] + beta[i])),
            ci_low=float(ci_low[i]),
            ci_high=float(ci_high[i]),
            prob_best=float(prob_best[i]),
            expected_loss=float(loss[i]),
            guardrail_tripped=bool(tripped[i]),
        )
        for i in range(k)
    )
    return Allocation(
        weights=weights,
        status=status,
        winner=winner,
        winner_probability=None if winner is None else float(prob_best[winner]),
        variants=summaries,
    )


def guardrail_tripped(
    sends: np.ndarray, unsubscribes: np.ndarray, settings: PolicySettings
) -> np.ndarray:
    """Variants whose unsubscribe rate is credibly above the lowest-unsubscribe variant's.

    With Beta(1 + u, 1 + n - u) posteriors on the unsubscribe rate, variant i trips when
    P(rate_i > rate_ref) >= ``guardrail_probability``, the reference being the variant with the
    lowest posterior mean (which therefore never trips itself).
    """
    a = 1.0 + unsubscribes
    b = 1.0 + sends - unsubscribes
    ref = int(np.argmin(a / (a + b)))
    tripped = np.zeros(sends.shape[0], dtype=bool)
    for i in range(sends.shape[0]):
        if i != ref and unsubscribes[i] > 0:
            worse, _ = prob_best_and_expected_loss(a[[i, ref]], b[[i, ref]])
            tripped[i] = worse[0] >= settings.guardrail_probability
    return tripped


def _check_evidence(evidence: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sends = np.asarray(evidence.sends, dtype=float)
    successes = np.asarray(evidence.successes, dtype=float)
    unsubscribes = np.asarray(evidence.unsubscribes, dtype=float)
    if sends.ndim != 2 or sends.shape[0] < 2:
        raise ValueError("evidence must be (variants, periods) arrays with at least 2 variants")
    if successes.shape != sends.shape or unsubscribes.shape != sends.shape:
        raise ValueError("sends, successes and unsubscribes must have the same shape")
    if np.any(sends < 0) or np.any(successes < 0) or np.any(unsubscribes < 0):
        raise ValueError("counts must be non-negative")
    if np.any(successes > sends) or np.any(unsubscribes > sends):
        raise ValueError("successes and unsubscribes cannot exceed sends")
    return sends, successes, unsubscribes


def _effective_posterior(
    sends: np.ndarray, successes: np.ndarray, settings: PolicySettings
) -> tuple[np.ndarray, np.ndarray]:
    """Beta posteriors on each variant's rate at the campaign's average period.

    Fits rate(i, p) = rho_i * f_p (a Poisson model with variant and period effects, by
    alternating closed-form updates) with the send-weighted mean of f equal to 1, the factors
    shrunk by empirical Bayes so sampling noise is not mistaken for a swing. A variant's
    exposure is then sum_p sends(i, p) * f_p: its sends re-expressed as sends in an average
    period, which removes the bias of comparing variants sent at different times (Simpson's
    paradox) while keeping the posterior's effective sample size. With one period, or no
    adjustment, exposure equals sends and this is the plain Beta-Bernoulli posterior.
    """
    total_successes = successes.sum(axis=1)
    exposure = sends.sum(axis=1)
    if settings.period_adjustment and sends.shape[1] > 1 and sends.sum() > 0:
        exposure = _period_exposure(sends, successes, settings)
    alpha = settings.prior_alpha + total_successes
    beta = settings.prior_beta + np.maximum(exposure - total_successes, 0.0)
    return alpha, beta


_PERIOD_ITERATIONS = 25


def _period_exposure(
    sends: np.ndarray, successes: np.ndarray, settings: PolicySettings
) -> np.ndarray:
    """Exposure sum_p sends(i, p) * f_p with empirical-Bayes-shrunk period factors f_p.

    The factors come from alternating closed-form updates of the multiplicative model. Each
    raw factor is noisy (relative variance ~ 1 / period successes); with many small periods
    that noise alone would tilt the comparison between variants sent in different shares. So
    log f_p is shrunk toward 0 by tau^2 / (tau^2 + 1 / successes_p), tau^2 being the spread of
    the log factors beyond sampling noise (method of moments): constant base rates give tau^2
    ~ 0 and no adjustment; a real daily cycle gives a large tau^2 and nearly full adjustment.
    """
    period_sends = sends.sum(axis=0)
    period_successes = successes.sum(axis=0)
    variant_successes = successes.sum(axis=1)
    prior = settings.prior_alpha + settings.prior_beta
    factor = np.ones(sends.shape[1])
    for _ in range(_PERIOD_ITERATIONS):
        rho = (variant_successes + settings.prior_alpha) / (sends @ factor + prior)
        factor = (period_successes + 0.5) / (rho @ sends + 0.5)
    active = period_sends > 0
    log_factor = np.log(factor[active])
    noise = 1.0 / (period_successes[active] + 0.5)
    weights = period_sends[active] / period_sends[active].sum()
    centre = weights @ log_factor
    spread = max(weights @ (log_factor - centre) ** 2 - weights @ noise, 0.0)
    shrunk = np.ones_like(factor)
    shrunk[active] = np.exp((log_factor - centre) * spread / (spread + noise))
    shrunk /= (period_sends @ shrunk) / period_sends.sum()
    return sends @ shrunk


def _winner(
    alpha: np.ndarray,
    beta: np.ndarray,
    prob_best: np.ndarray,
    loss: np.ndarray,
    matured: np.ndarray,
    live: np.ndarray,
    settings: PolicySettings,
) -> int | None:
    candidate = int(np.argmax(np.where(live, prob_best, -1.0)))
    declared = (
        prob_best[candidate] >= settings.winner_probability
        and matured[candidate] >= settings.winner_min_sends
        and loss[candidate] <= settings.winner_max_expected_loss
        and _always_valid_lead(alpha, beta, candidate, live, 1.0 - settings.winner_probability)
    )
    return candidate if declared else None


_MIXTURE_RELATIVE_SD = 0.1  # prior sd of the effect in the mSPRT mixture, relative to the rate


def _always_valid_lead(
    alpha: np.ndarray, beta: np.ndarray, leader: int, live: np.ndarray, error: float
) -> bool:
    """Mixture sequential probability ratio test (mSPRT) of the leader against every rival.

    P(best) is checked after every batch; looked at that often, a 0.95 threshold fires on
    identical variants far more than 5% of the time. The normal-mixture likelihood ratio
    Lambda = sqrt(V / (V + tau^2)) exp(tau^2 d^2 / (2 V (V + tau^2))) of the difference d with
    variance V is a martingale under "no difference", so requiring Lambda >= (k - 1) / error
    for each rival keeps the chance of ever declaring a false winner below ``error`` however
    often it is checked (Johari et al., "Always valid inference", 2017).
    """
    mean = alpha / (alpha + beta)
    var = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1.0))
    rivals = live.copy()
    rivals[leader] = False
    if not rivals.any():
        return True
    diff = mean[leader] - mean[rivals]
    v = var[leader] + var[rivals]
    tau2 = (_MIXTURE_RELATIVE_SD * mean[live].mean()) ** 2
    log_ratio = 0.5 * np.log(v / (v + tau2)) + tau2 * diff**2 / (2.0 * v * (v + tau2))
    return bool(np.all((diff > 0) & (log_ratio >= np.log(rivals.sum() / error))))


def _exploration_weights(
    alpha: np.ndarray,
    beta: np.ndarray,
    prob_best: np.ndarray,
    live: np.ndarray,
    remaining: int,
    total: int,
    settings: PolicySettings,
) -> np.ndarray:
    """Tempered probability matching over the variants still worth exploring, with a floor."""
    leader = int(np.argmax(np.where(live, prob_best, -1.0)))
    explore = (
        live
        & (prob_best >= settings.elimination_probability)
        & (_best_case_gain(alpha, beta, leader) * remaining >= settings.exploration_value)
    )
    explore[leader] = True
    share_left = max(remaining, 1) / total
    power = share_left ** (-settings.horizon_power)
    log_p = np.where(explore, np.log(np.maximum(prob_best, 1e-300)), -np.inf)
    raw = np.exp(power * (log_p - log_p[leader]))  # the leader has the largest P(best): no overflow
    raw = raw / raw.sum()
    floor = settings.weight_floor
    weights = np.where(explore, floor + (1.0 - floor * explore.sum()) * raw, 0.0)
    return weights / weights.sum()


def _best_case_gain(alpha: np.ndarray, beta: np.ndarray, leader: int) -> np.ndarray:
    """E[(X_i - X_leader)^+] per contact, by the normal approximation of the difference.

    It bounds what learning more about variant i could be worth per remaining contact.
    """
    mean = alpha / (alpha + beta)
    var = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1.0))
    diff = mean - mean[leader]
    sd = np.sqrt(var + var[leader])
    z = diff / sd
    gain = sd * np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi) + diff * special.ndtr(z)
    gain[leader] = 0.0
    return gain
