"""The winner rule's half-normal mixture against a predictable plug-in e-process and an oracle.

    python -m bench.e_process [--paths 20000] [--looks 48]

Gaussian Monte Carlo of the one-sided test of two variants at threshold 40 (= 2 / 0.05, the
two-variant threshold of ``engine.policy``): equally informative looks, the drift set so the
final z has mean mu. The plug-in e-process multiplies, batch by batch, the likelihood ratio at
the estimate of the difference from the batches before (clipped at 0, shrunk toward a prior
effect m0 with prior information i0); it is always valid by Ville's inequality because each
batch's alternative is fixed before the batch is seen. The oracle knows the difference (Wald's
SPRT). "mixture at 2/(a/2) + final look" spends half the error on the mixture (threshold 80)
and half on one look at the end of the campaign, a plain one-sided z-test at a/4 per direction
(z >= 2.24): valid only as a single look fixed in advance. Prints P(concluded) and the mean time
of conclusion as a share of the campaign.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import special

LOG_THRESHOLD = float(np.log(40.0))
FINAL_Z = float(-special.ndtri(0.05 / 4))  # the final look's one-sided boundary at a/4


def mixture(score: np.ndarray, info: np.ndarray, tau2: float) -> np.ndarray:
    """log of the one-sided half-normal mixture ratio (as ``engine.policy._log_mixture_ratio``)."""
    v, d = 1.0 / info, score / info
    result: np.ndarray = (
        0.5 * np.log(v / (v + tau2))
        + tau2 * d**2 / (2 * v * (v + tau2))
        + np.log(2.0)
        + special.log_ndtr(d * np.sqrt(tau2 / (v * (v + tau2))))
    )
    return result


def plug_in(score: np.ndarray, increments: np.ndarray, info: np.ndarray, i0: float, m0: float):
    """log of the predictable plug-in e-process."""
    step = np.diff(np.concatenate([[0.0], info]))
    before = np.concatenate([np.zeros((score.shape[0], 1)), score[:, :-1]], axis=1)
    info_before = np.concatenate([[0.0], info[:-1]])
    theta = np.maximum((before + i0 * m0) / (info_before + i0), 0.0)
    return np.cumsum(theta * increments - theta**2 * step / 2, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--looks", type=int, default=48)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    info = np.arange(1, args.looks + 1) / args.looks
    step = np.diff(np.concatenate([[0.0], info]))
    for mu in (0.0, 3.0, 3.5, 4.0):
        increments = rng.normal(mu * step, np.sqrt(step), size=(args.paths, args.looks))
        score = np.cumsum(increments, axis=1)
        final = np.zeros(score.shape, dtype=bool)
        final[:, -1] = score[:, -1] / np.sqrt(info[-1]) >= FINAL_Z
        tests = {  # where each test concludes, path by look
            "mixture 10 (burt)": mixture(score, info, 10.0) >= LOG_THRESHOLD,
            "mixture 4": mixture(score, info, 4.0) >= LOG_THRESHOLD,
            "mixture 25": mixture(score, info, 25.0) >= LOG_THRESHOLD,
            "plug-in m0=mu i0=0.2": plug_in(score, increments, info, 0.2, max(mu, 1.0))
            >= LOG_THRESHOLD,
            "plug-in m0=3 i0=0.1": plug_in(score, increments, info, 0.1, 3.0) >= LOG_THRESHOLD,
            "oracle": plug_in(score, increments, info, 1e12, max(mu, 1.0)) >= LOG_THRESHOLD,
            "mixture at 2/(a/2) + final look": (
                mixture(score, info, 10.0) >= LOG_THRESHOLD + np.log(2.0)
            )
            | final,
        }
        cells = []
        for name, crossed in tests.items():
            hit = crossed.any(axis=1)
            when = (crossed.argmax(axis=1) + 1) / args.looks
            at = f"{when[hit].mean():.2f}" if hit.any() else "-"
            cells.append(f"{name}: {hit.mean():.1%} at {at}")
        print(f"mu={mu}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
