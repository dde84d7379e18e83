"""A bounded budget plan: each channel's daily spend kept within a range around what it spends now, curves
with their uncertainty, and the expected gain as a range.

Robyn's channel constraints are the reference: by default a channel may move from 0.5× to 2× its current
daily spend (``lower``/``upper``). A response curve says little beyond the spend it was fitted on, so a
channel whose spend barely varied (too few spending days, or nearly the same spend every day) is held at
its current budget, with the reason. Uncertainty comes from a Laplace approximation of the penalised
likelihood of :func:`models.budget.fit_response`: parameter draws from a normal with the inverse Hessian at
the fit as covariance, widened by the quasi-Poisson dispersion (Pearson chi-square over the residual degrees
of freedom, at least 1) so that conversions noisier than Poisson give wider curves; the expected gain of
the plan is evaluated under every draw and reported as its 10th–90th percentile range, an 80 % interval
(``gain_low``, ``gain_high``), beside the fitted curves' own figure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.budget import FloatArray, ResponseCurve, adstock, allocate, hill, penalised_nll

logger = logging.getLogger(__name__)

DEFAULT_LOWER = 0.5
DEFAULT_UPPER = 2.0
#: A curve needs at least this many days with spend, and this much day-to-day variation of the spend.
MIN_SPEND_DAYS = 20
MIN_SPEND_CV = 0.10
DRAWS = 200
GAIN_QUANTILES = (0.10, 0.90)
#: The gain range's interval level, as the portal states it.
INTERVAL_LEVEL = GAIN_QUANTILES[1] - GAIN_QUANTILES[0]
THETA_BOUNDS = ((-20.0, 20.0), (-4.0, 4.0), (np.log(0.3), np.log(4.0)), (0.0, 0.9))


def variation_reason(spend: pd.Series) -> str | None:
    """Why a channel's daily spend cannot support a response curve, or ``None`` when it can."""
    positive = spend[spend > 0].to_numpy(dtype=float)
    if positive.size == 0:
        return "no spend in the period: held at zero"
    if positive.size < MIN_SPEND_DAYS:
        return f"spent on only {positive.size} days (a curve needs {MIN_SPEND_DAYS}): held at current spend"
    cv = float(positive.std() / positive.mean())
    if cv < MIN_SPEND_CV:
        return (
            f"daily spend varied by only {cv:.0%} (a curve needs {MIN_SPEND_CV:.0%}): held at current spend"
        )
    return None


def _theta(curve: ResponseCurve, scale: float) -> FloatArray:
    return np.array([np.log(curve.alpha), np.log(curve.half / scale), np.log(curve.shape), curve.decay])


def _hessian(fun: object, theta: FloatArray, step: float = 1e-3) -> FloatArray:
    """Central finite-difference Hessian of a scalar function of 4 parameters."""
    f = fun  # a callable; typed loosely to keep the helper small
    n = theta.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * step, np.eye(n)[j] * step
            value = (
                f(theta + e_i + e_j) - f(theta + e_i - e_j) - f(theta - e_i + e_j) + f(theta - e_i - e_j)  # type: ignore[operator]
            ) / (4 * step * step)
            h[i, j] = h[j, i] = value
    return h


def dispersion(curve: ResponseCurve, spend: pd.Series, conversions: pd.Series) -> float:
    """Quasi-Poisson dispersion of the daily conversions around the fitted curve (1 = Poisson noise; never below 1)."""
    s = spend.to_numpy(dtype=np.float64)
    y = conversions.reindex(spend.index, fill_value=0).to_numpy(dtype=np.float64)
    mu = curve.alpha * hill(adstock(s, curve.decay), curve.half, curve.shape) + 1e-9
    freedom = max(s.size - 4, 1)
    return max(float(np.sum((y - mu) ** 2 / mu)) / freedom, 1.0)


def curve_draws(
    curve: ResponseCurve, spend: pd.Series, conversions: pd.Series, draws: int = DRAWS, seed: int = 0
) -> list[ResponseCurve]:
    """Curves drawn from the Laplace approximation of the fit's posterior, widened by the data's
    quasi-Poisson dispersion (the fitted curve alone when the posterior is flat)."""
    s = spend.to_numpy(dtype=np.float64)
    y = conversions.reindex(spend.index, fill_value=0).to_numpy(dtype=np.float64)
    scale = float(np.median(s[s > 0]))
    theta = _theta(curve, scale)
    hessian = _hessian(lambda t: penalised_nll(t, s, y, scale), theta)
    try:
        covariance = np.linalg.inv(hessian + np.eye(4) * 1e-6) * dispersion(curve, spend, conversions)
        eigen = np.linalg.eigvalsh(covariance)
    except np.linalg.LinAlgError:
        return [curve]
    if not np.all(np.isfinite(covariance)) or eigen.min() <= 0:
        logger.info("%s: curve posterior not positive definite; no spread", curve.channel)
        return [curve]
    rng = np.random.default_rng(seed)
    low = np.array([b[0] for b in THETA_BOUNDS])
    high = np.array([b[1] for b in THETA_BOUNDS])
    samples = np.clip(rng.multivariate_normal(theta, covariance, size=draws), low, high)
    return [
        ResponseCurve(
            curve.channel,
            float(np.exp(a)),
            scale * float(np.exp(h)),
            float(np.exp(k)),
            float(d),
            curve.value_per_conversion,
        )
        for a, h, k, d in samples
    ]


@dataclass(frozen=True)
class BoundedPlan:
    """Per-channel rows (current, bounds, recommended, returns, why held) and the gain as a range."""

    channels: pd.DataFrame
    gain: float
    gain_low: float
    gain_high: float
    current_return: float
    notes: list[str] = field(default_factory=list)
    draws: int = 0

    def gain_text(self, currency: str = "£") -> str:
        """The expected gain per day as a range with its level, e.g.
        "+£12 to +£40 a day (80 % interval over 200 curve draws; fitted curves: +£25)"."""

        def money(value: float) -> str:
            return f"{'+' if value >= 0 else '−'}{currency}{abs(value):,.0f}"

        spread = (
            f"{INTERVAL_LEVEL:.0%} interval over {self.draws} curve draws".replace("%", " %")
            if self.draws
            else "no curve draws: the fitted curves' figure only"
        )
        return f"{money(self.gain_low)} to {money(self.gain_high)} a day ({spread}; fitted curves: {money(self.gain)})"


def bounded_allocation(
    curves: Mapping[str, ResponseCurve],
    current: Mapping[str, float],
    *,
    lower: float = DEFAULT_LOWER,
    upper: float = DEFAULT_UPPER,
    held: Mapping[str, str] | None = None,
    draws: Mapping[str, list[ResponseCurve]] | None = None,
) -> BoundedPlan:
    """Reallocate today's total daily spend across channels within [lower, upper] × current spend.

    Channels in ``held`` (name → reason) and channels without a curve keep their current spend. The
    expected gain (return at the plan minus return now) is computed with the fitted curves and under
    each posterior draw; the range is the draws' 10th–90th percentiles.
    """
    if not 0.0 <= lower <= 1.0 <= upper:
        raise ValueError(f"bounds must satisfy 0 <= lower <= 1 <= upper, got lower={lower} upper={upper}")
    reasons = dict(held or {})
    for name in current:
        if name not in curves and name not in reasons:
            reasons[name] = "no response curve: held at current spend"
    free = sorted(n for n in curves if n not in reasons and float(current.get(n, 0.0)) > 0)
    for name in sorted(curves):
        if name not in free and name not in reasons:
            reasons[name] = "no current spend: held at zero"
    names = sorted(set(curves) | set(current))
    now = {n: float(current.get(n, 0.0)) for n in names}
    bounds = {n: (lower * now[n], upper * now[n]) for n in free}
    recommended = dict(now)
    if len(free) >= 2:
        plan = allocate({n: curves[n] for n in free}, sum(now[n] for n in free), bounds)
        spend = dict(zip(plan["channel"].astype(str), plan["spend"].to_numpy(dtype=float), strict=True))
        recommended.update({n: min(max(spend[n], bounds[n][0]), bounds[n][1]) for n in free})
    elif free:
        reasons[free[0]] = "the only channel free to move: held at current spend"

    def total(spend: Mapping[str, float], curve_of: Mapping[str, ResponseCurve]) -> float:
        return float(sum(float(curve_of[n].expected_return(spend[n])) for n in curve_of))

    fitted = {n: curves[n] for n in names if n in curves}
    current_return = total(now, fitted)
    gain = total(recommended, fitted) - current_return
    gains = [gain]
    if draws:
        size = max(len(v) for v in draws.values())
        gains = []
        for k in range(size):
            drawn = {n: (draws[n][k % len(draws[n])] if n in draws else fitted[n]) for n in fitted}
            gains.append(total(recommended, drawn) - total(now, drawn))
    low, high = (float(np.quantile(gains, q)) for q in GAIN_QUANTILES)
    rows = pd.DataFrame(
        {
            "channel": names,
            "current_spend": [now[n] for n in names],
            "lower_bound": [bounds[n][0] if n in bounds else now[n] for n in names],
            "upper_bound": [bounds[n][1] if n in bounds else now[n] for n in names],
            "recommended_spend": [recommended[n] for n in names],
            "current_return": [
                float(fitted[n].expected_return(now[n])) if n in fitted else np.nan for n in names
            ],
            "expected_return": [
                float(fitted[n].expected_return(recommended[n])) if n in fitted else np.nan for n in names
            ],
            "held": [reasons.get(n) for n in names],
        }
    )
    notes = [f"{n}: {reasons[n]}" for n in names if n in reasons]
    return BoundedPlan(
        rows, gain, min(low, high), max(low, high), current_return, notes, len(gains) if draws else 0
    )
