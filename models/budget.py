"""Marketing budget: per-channel response curves (Hill saturation after geometric adstock), an optimal
allocation of a daily budget across channels, and campaign/channel KPIs (CTR, conversion rate, CAC, ROI).

Response of a channel to daily spend s_t: conversions_t ~ Poisson(alpha * hill(a_t)), where
a_t = (1 - decay) * s_t + decay * a_(t-1) is the carried-over spend (normalised, so a constant spend s has
a_t = s) and hill(a) = a^shape / (a^shape + half^shape). With a constant daily spend the expected
return is value_per_conversion * alpha * hill(s), which `allocate` maximises subject to Σ s_c = total and
per-channel bounds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def hill(spend: FloatArray | float, half: float, shape: float) -> FloatArray:
    """Saturation in [0, 1): spend^shape / (spend^shape + half^shape)."""
    s = np.power(np.maximum(np.asarray(spend, dtype=np.float64), 0.0), shape)
    result: FloatArray = s / (s + half**shape)
    return result


def adstock(spend: FloatArray, decay: float) -> FloatArray:
    """Geometric carry-over a_t = (1 - decay) s_t + decay a_(t-1), starting from a_(-1) = 0."""
    from scipy.signal import lfilter

    result: FloatArray = lfilter([1.0 - decay], [1.0, -decay], np.asarray(spend, dtype=np.float64))
    return result


@dataclass(frozen=True)
class ResponseCurve:
    """One channel's steady-state response: value_per_conversion * alpha * hill(spend; half, shape)."""

    channel: str
    alpha: float  # conversions per day at saturation
    half: float  # daily spend giving half of alpha
    shape: float
    decay: float = 0.0
    value_per_conversion: float = 1.0

    def conversions(self, daily_spend: FloatArray | float) -> FloatArray:
        """Expected conversions per day at a constant daily spend."""
        return self.alpha * hill(daily_spend, self.half, self.shape)

    def expected_return(self, daily_spend: FloatArray | float) -> FloatArray:
        return self.value_per_conversion * self.conversions(daily_spend)


def penalised_nll(theta: FloatArray, s: FloatArray, y: FloatArray, scale: float) -> float:
    """Negative log-likelihood plus priors of theta = (log alpha, log half/scale, log shape, decay)."""
    log_alpha, log_half, log_shape, decay = theta
    mu = np.exp(log_alpha) * hill(adstock(s, decay), scale * np.exp(log_half), np.exp(log_shape)) + 1e-9
    nll = float(np.sum(mu - y * np.log(mu)))
    prior = 0.5 * log_half**2 + 0.5 * (log_shape / 0.5) ** 2 - 2.0 * np.log1p(-min(decay, 0.999))
    return float(nll + prior)


def fit_response(
    spend: pd.Series, conversions: pd.Series, channel: str = "", value_per_conversion: float = 1.0
) -> ResponseCurve:
    """Fit alpha, half, shape and decay by penalised Poisson likelihood on a daily series (zeros included).

    Campaign data rarely pin down all four parameters (few spend levels, few conversions), so weak priors
    regularise them: log(half / median positive spend) ~ N(0, 1), log(shape) ~ N(0, 0.5), decay ~ Beta(1, 3)
    penalty. Several starts; the best penalised fit wins.
    """
    from scipy.optimize import minimize

    s = spend.to_numpy(dtype=np.float64)
    y = conversions.reindex(spend.index, fill_value=0).to_numpy(dtype=np.float64)
    positive = s[s > 0]
    if positive.size == 0:
        raise ValueError(f"channel {channel!r}: no day with positive spend, cannot fit a response curve")
    scale = float(np.median(positive))

    def objective(theta: FloatArray) -> float:
        return penalised_nll(theta, s, y, scale)

    rate = max(float(y[s > 0].mean()), 1e-3)
    best = None
    for half0 in (-1.0, 0.0, 1.0):
        for decay0 in (0.0, 0.4):
            start = np.array([np.log(rate * 2.0), half0, 0.0, decay0])
            res = minimize(
                objective,
                start,
                method="L-BFGS-B",
                bounds=[
                    (np.log(rate) - 3, np.log(rate) + 6),
                    (-4.0, 4.0),
                    (np.log(0.3), np.log(4.0)),
                    (0.0, 0.9),
                ],
            )
            if best is None or res.fun < best.fun:
                best = res
    if best is None:
        raise RuntimeError(f"response curve for {channel}: no optimiser start converged")
    log_alpha, log_half, log_shape, decay = (float(v) for v in best.x)
    curve = ResponseCurve(
        channel, float(np.exp(log_alpha)), scale * float(np.exp(log_half)), float(np.exp(log_shape)), decay,
        value_per_conversion,
    )  # fmt: skip
    logger.info("fitted %s", curve)
    return curve


def fit_channels(
    daily: pd.DataFrame, value_per_conversion: Mapping[str, float] | None = None
) -> dict[str, ResponseCurve]:
    """One curve per channel from campaign-day rows `channel, date, spend, conversions` (summed per day)."""
    curves = {}
    for channel, rows in daily.groupby("channel"):
        per_day = (
            rows.groupby(pd.to_datetime(rows["date"]))[["spend", "conversions"]]
            .sum()
            .asfreq("D", fill_value=0)
        )
        value = (value_per_conversion or {}).get(str(channel), 1.0)
        curves[str(channel)] = fit_response(per_day["spend"], per_day["conversions"], str(channel), value)
    return curves


def _dp_allocate(
    curves: list[ResponseCurve], total: float, lo: FloatArray, hi: FloatArray, steps: int
) -> FloatArray:
    """Global optimum on a grid of `steps` budget units (separable objective: dynamic programming)."""
    unit = total / steps
    grid: FloatArray = np.arange(steps + 1, dtype=np.float64) * unit
    best = np.zeros(steps + 1)
    best[1:] = -np.inf  # nothing allocated yet: only 0 units reachable
    choice = np.zeros((len(curves), steps + 1), dtype=np.int64)
    for c, curve in enumerate(curves):
        value = np.where(
            (grid >= lo[c] - 1e-9) & (grid <= hi[c] + 1e-9), curve.expected_return(grid), -np.inf
        )
        j, k = np.meshgrid(np.arange(steps + 1), np.arange(steps + 1), indexing="ij")
        cand = np.where(k <= j, best[np.clip(j - k, 0, steps)] + value[np.minimum(k, steps)], -np.inf)
        choice[c] = cand.argmax(axis=1)
        best = cand.max(axis=1)
    if not np.isfinite(best[steps]):
        raise ValueError(f"no allocation of {total:.2f} fits the channel bounds on a {steps}-step grid")
    units = np.zeros(len(curves), dtype=np.int64)
    left = steps
    for c in range(len(curves) - 1, -1, -1):
        units[c] = choice[c, left]
        left -= int(units[c])
    result: FloatArray = units.astype(np.float64) * unit
    return result


def allocate(
    curves: Mapping[str, ResponseCurve],
    total: float,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    *,
    steps: int = 400,
) -> pd.DataFrame:
    """Split a daily budget `total` across channels to maximise Σ expected return; spends it all.

    A dynamic programme over a `steps`-unit grid finds the global optimum of the separable (but, for
    S-shaped curves, non-concave) objective; SLSQP then polishes it off the grid. Returns one row per
    channel: spend, share, expected conversions and return, marginal return of the last £ and ROI.
    """
    from scipy.optimize import minimize

    names = sorted(curves)
    items = [curves[n] for n in names]
    lo = np.array([(bounds or {}).get(n, (0.0, total))[0] for n in names], dtype=np.float64)
    hi = np.array([min((bounds or {}).get(n, (0.0, total))[1], total) for n in names], dtype=np.float64)
    if lo.sum() > total + 1e-9 or hi.sum() < total - 1e-9:
        raise ValueError(
            f"bounds cannot hold a total of {total:.2f}: minimums {lo.sum():.2f}, maximums {hi.sum():.2f}"
        )

    def value(x: FloatArray) -> float:
        return float(sum(float(c.expected_return(v)) for c, v in zip(items, x, strict=True)))

    start = _dp_allocate(items, total, lo, hi, steps)
    res = minimize(
        lambda x: -value(x),
        start,
        method="SLSQP",
        bounds=list(zip(lo, hi, strict=True)),
        constraints=[{"type": "eq", "fun": lambda x: float(np.sum(x) - total)}],
    )
    polished = np.clip(res.x, lo, hi)
    x = (
        polished
        if res.success
        and abs(polished.sum() - total) < 1e-6 * max(total, 1)
        and value(polished) >= value(start)
        else start
    )
    eps = max(total * 1e-6, 1e-6)
    out = pd.DataFrame(
        {
            "channel": names,
            "spend": x,
            "share": x / total if total else 0.0,
            "expected_conversions": [float(c.conversions(v)) for c, v in zip(items, x, strict=True)],
            "expected_return": [float(c.expected_return(v)) for c, v in zip(items, x, strict=True)],
            "marginal_return": [
                float((c.expected_return(v + eps) - c.expected_return(v)) / eps)
                for c, v in zip(items, x, strict=True)
            ],
        }
    )
    out["roi"] = (out["expected_return"] - out["spend"]) / out["spend"].where(out["spend"] > 0)
    return out


def attribute_customers(
    lines: pd.DataFrame,
    daily: pd.DataFrame,
    *,
    horizon_days: int = 365,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    channel_col: str = "channel",
) -> pd.DataFrame:
    """Last-touch attribution of new customers to campaigns, with their revenue in `horizon_days`.

    A customer's first order is attributed to a campaign when its channel is the campaign's channel and
    the campaign reported conversions that day (the one with most conversions if several did). Returns
    one row per attributed customer: customer, campaign_id, channel, acquired, revenue.
    """
    dates = pd.to_datetime(lines[date_col]).dt.normalize()
    tx = lines.assign(_day=dates)
    first = tx.sort_values("_day").groupby(customer_col).first()[["_day", channel_col]]
    firsts = first.reset_index().rename(columns={"_day": "acquired", channel_col: "channel"})
    hits = daily[daily["conversions"] > 0].assign(acquired=pd.to_datetime(daily["date"]).dt.normalize())
    hits = hits.sort_values("conversions", ascending=False).drop_duplicates(["channel", "acquired"])
    won = firsts.merge(hits[["channel", "acquired", "campaign_id"]], on=["channel", "acquired"])
    window = tx.merge(won[[customer_col, "acquired"]], on=customer_col)
    window = window[window["_day"] < window["acquired"] + pd.Timedelta(days=horizon_days)]
    revenue = window.groupby(customer_col)[amount_col].sum().rename("revenue")
    return won.merge(revenue, left_on=customer_col, right_index=True, how="left").fillna({"revenue": 0.0})


def campaign_metrics(
    daily: pd.DataFrame, attributed: pd.DataFrame | None = None, by: str = "campaign_id"
) -> pd.DataFrame:
    """Spend, impressions, clicks, conversions, CTR, conversion rate, CAC, attributed revenue and ROI per `by`.

    ctr = clicks / impressions; conversion_rate = conversions / clicks; cac = spend / conversions;
    roi = (attributed revenue - spend) / spend. `by` is "campaign_id" or "channel".
    """
    g = daily.groupby(by)[["spend", "impressions", "clicks", "conversions"]].sum()
    g["ctr"] = g["clicks"] / g["impressions"].where(g["impressions"] > 0)
    g["conversion_rate"] = g["conversions"] / g["clicks"].where(g["clicks"] > 0)
    g["cac"] = g["spend"] / g["conversions"].where(g["conversions"] > 0)
    if attributed is not None:
        g["revenue"] = attributed.groupby(by)["revenue"].sum().reindex(g.index, fill_value=0.0)
        g["roi"] = (g["revenue"] - g["spend"]) / g["spend"].where(g["spend"] > 0)
    return g.reset_index()
