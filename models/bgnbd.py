"""BG/NBD with a never-lapsing core: a two-segment mixture fitted by maximum likelihood on calibration data.

Plain BG/NBD (Fader, Hardie & Lee 2005) lets every customer lapse after any purchase with a probability
drawn from a beta distribution. `CoreBGNBD` adds a latent share `pi` of customers who never lapse and buy
at a gamma-distributed Poisson rate of their own (the NBD), so a loyal core can keep the cohort's purchase
rate from decaying to zero. The likelihoods use the same timing terms as the BG/NBD, so with `pi = 0`
the model is the BG/NBD exactly. The fitted object offers lifetimes' method names, so `PurchaseModel`
drives it like lifetimes' own fitters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, hyp2f1, logit, roots_jacobi

logger = logging.getLogger(__name__)

ArrayLike = np.ndarray | pd.Series
PARAM_NAMES: tuple[str, ...] = ("r", "alpha", "a", "b", "r_core", "alpha_core", "pi")
_LOG_BOUND = 9.0
_QUADRATURE_NODES = 64


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood of `x` repeat purchases, the last at `t_x`, observed for `T`."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    survived = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    lapsed = np.where(
        x > 0,
        betaln(a + 1.0, np.maximum(b + x - 1.0, 1e-12)) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    out: np.ndarray = head + np.logaddexp(survived, lapsed)
    return out


def nbd_log_likelihood(r: float, alpha: float, x: ArrayLike, T: ArrayLike) -> np.ndarray:
    """Per-customer log-likelihood of a never-lapsing gamma-Poisson buyer (same timing terms as the BG/NBD)."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    out: np.ndarray = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
    return out


def bgnbd_conditional_expected(
    r: float, alpha: float, a: float, b: float, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """BG/NBD expected purchases in the next `t` given (x, t_x, T) (Fader, Hardie & Lee 2005, eq. 10).

    Where the closed form is not finite (its hypergeometric term fails when a + b + x - 1 <= 0, as with
    a < 1 and b < 1 for one-time buyers, or a = 1), the same expectation is integrated numerically.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    z = t / (alpha + T + t)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        growth = 1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        numerator = (a + b + x - 1.0) / (a - 1.0) * growth
    out: np.ndarray = numerator * bgnbd_p_alive(r, alpha, a, b, x, t_x, T)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = bgnbd_conditional_expected_quadrature(r, alpha, a, b, t, x[bad], t_x[bad], T[bad])
    return out


def bgnbd_conditional_expected_quadrature(
    r: float, alpha: float, a: float, b: float, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """`bgnbd_conditional_expected` by Gauss-Jacobi quadrature over the dropout probability (any a, b > 0).

    Alive at T, a customer has lambda ~ gamma(r + x, alpha + T) and p ~ beta(a, b + x) and expects
    (1 - exp(-lambda p t)) / p purchases; lambda integrates out in closed form, p numerically.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    alive_mean = np.empty_like(x)
    for count in np.unique(x):
        rows = x == count
        # weight (1 - u)^(b + x - 1) (1 + u)^(a - 1) on [-1, 1], with p = (1 + u) / 2
        nodes, weights = roots_jacobi(_QUADRATURE_NODES, b + count - 1.0, a - 1.0)
        p = (1.0 + nodes) / 2.0
        weights = weights * np.exp(-(a + b + count - 1.0) * np.log(2.0) - betaln(a, b + count))
        scale = (alpha + T[rows])[:, None]
        per_p = (1.0 - (scale / (scale + p * t)) ** (r + count)) / p
        alive_mean[rows] = per_p @ weights
    out: np.ndarray = alive_mean * bgnbd_p_alive(r, alpha, a, b, x, t_x, T)
    return out


def bgnbd_p_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """BG/NBD probability of being active at `T` given (x, t_x, T)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    ratio = np.where(
        x > 0, a / np.maximum(b + x - 1.0, 1e-12) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0
    )
    out: np.ndarray = 1.0 / (1.0 + ratio)
    return out


def bgnbd_p_no_purchase(
    params: dict[str, float], frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, horizon: float
) -> np.ndarray:
    """BG/NBD posterior probability of no purchase in the next `horizon` given (frequency, recency, T).

    A customer alive at T can only drop out right after a purchase, so "none in the horizon" means no event
    of the Poisson process, whose rate given the history is Gamma(r + x, alpha + T).
    """
    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    x, big_t = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
    none_if_alive = ((alpha + big_t) / (alpha + big_t + horizon)) ** (r + x)
    out: np.ndarray = 1.0 - bgnbd_p_alive(r, alpha, a, b, frequency, recency, T) * (1.0 - none_if_alive)
    return out


def _unpack(theta: np.ndarray) -> dict[str, float]:
    values = np.exp(np.clip(theta[:6], -_LOG_BOUND, _LOG_BOUND))
    return {
        **dict(zip(PARAM_NAMES[:6], (float(v) for v in values), strict=True)),
        "pi": float(expit(theta[6])),
    }


def _segment_log_likelihoods(
    p: dict[str, float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    core = np.log(p["pi"]) + nbd_log_likelihood(p["r_core"], p["alpha_core"], x, T)
    lapsing = np.log1p(-p["pi"]) + bgnbd_log_likelihood(p["r"], p["alpha"], p["a"], p["b"], x, t_x, T)
    return core, lapsing


@dataclass
class CoreBGNBD:
    """BG/NBD plus a never-lapsing NBD segment of share `pi`; lifetimes-style fit / predict / P(alive)."""

    params_: dict[str, float] = field(default_factory=dict)
    log_likelihood_: float = float("nan")

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> CoreBGNBD:
        """Maximum likelihood from several starts (L-BFGS-B on log / logit parameters)."""
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)

        def loss(theta: np.ndarray) -> float:
            core, lapsing = _segment_log_likelihoods(_unpack(theta), x, t_x, big_t)
            value = -float((w * np.logaddexp(core, lapsing)).sum())
            return value if np.isfinite(value) else 1e300

        best = None
        for start in _starts(x, big_t, w):
            result = minimize(
                loss, start, method="L-BFGS-B", bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 6 + [(-12.0, 6.0)]
            )
            if best is None or result.fun < best.fun:
                best = result
        if best is None:
            raise RuntimeError("BG/NBD: no optimiser start converged")
        self.params_ = _unpack(best.x)
        self.log_likelihood_ = -float(best.fun)
        logger.info("core BG/NBD: %s, log-likelihood %.2f", self.params_, self.log_likelihood_)
        return self

    def core_probability(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Posterior probability that each customer belongs to the never-lapsing core."""
        core, lapsing = _segment_log_likelihoods(self.params_, frequency, recency, T)
        out: np.ndarray = np.exp(core - np.logaddexp(core, lapsing))
        return out

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Expected purchases in the next `t`, mixing the two segments by posterior membership."""
        p = self.params_
        x, big_t = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        in_core = self.core_probability(frequency, recency, T)
        core = (p["r_core"] + x) / (p["alpha_core"] + big_t) * t
        lapsing = bgnbd_conditional_expected(p["r"], p["alpha"], p["a"], p["b"], t, frequency, recency, T)
        out: np.ndarray = in_core * core + (1.0 - in_core) * lapsing
        return out

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Probability of being active now: core members always are."""
        p = self.params_
        in_core = self.core_probability(frequency, recency, T)
        alive = bgnbd_p_alive(p["r"], p["alpha"], p["a"], p["b"], frequency, recency, T)
        out: np.ndarray = in_core + (1.0 - in_core) * alive
        return out


def _starts(x: np.ndarray, T: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
    """Starting points: a moment-matched rate for both segments, a small and a large core, a slow core."""
    rate = float((w * x).sum() / max((w * T).sum(), 1e-9))
    base = [np.log(0.25), np.log(0.25 / max(rate, 1e-6))]
    starts = []
    for a, b, core_rate, pi in (
        (0.8, 2.5, 1.0, 0.05),
        (0.8, 2.5, 1.0, 0.3),
        (1.0, 1.5, 3.0, 0.15),
        (0.6, 3.0, 0.3, 0.1),
    ):
        core = [np.log(1.0), np.log(1.0 / max(rate * core_rate, 1e-6))]
        starts.append(np.array([*base, np.log(a), np.log(b), *core, logit(pi)]))
    return starts
