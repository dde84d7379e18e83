"""Price elasticity per group (e.g. segment x category) from observed price and quantity, and the price
guidance it supports — or the reason it supports none.

Model, per group: log(quantity) = a_product + e * log(price / list price) + noise, fitted by OLS within
product (each product's own mean removed from both sides, so pack sizes and best sellers do not pass
for price effects). e is the elasticity: a 1% higher price changes quantity by e%.

An estimate is given only when the data support one: at least `min_lines` lines, a spread of relative
prices (std of the log) of at least `min_variation`, a negative slope, and a p-value under `alpha`
after the Benjamini-Hochberg adjustment over all groups (many groups tested at 5% would otherwise give
about one false "estimate" in twenty where price has no effect at all). Otherwise the row says which
test failed. The guidance moves price by `STEP` at most, the way revenue rises:
revenue changes by (1 + d)^(1 + e) - 1 for a price change d.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

ESTIMATED, INSUFFICIENT = "estimated", "insufficient"
STEP = 0.05  # the price move guidance suggests testing (5%)


@dataclass(frozen=True)
class Thresholds:
    """When an elasticity estimate is trusted."""

    min_lines: int = 50
    min_variation: float = 0.02  # std of log(price / list price) within products
    alpha: float = 0.05  # two-sided p-value of the slope


def elasticity(
    lines: pd.DataFrame,
    *,
    product_col: str = "product",
    price_col: str = "unit_price",
    list_col: str = "list_price",
    quantity_col: str = "quantity",
) -> dict[str, float]:
    """Within-product OLS slope of log quantity on log relative price: e, std error, p, n, variation."""
    from scipy import stats

    ok = (lines[price_col] > 0) & (lines[list_col] > 0) & (lines[quantity_col] > 0)
    rows = lines[ok]
    x = np.log(rows[price_col].to_numpy(float) / rows[list_col].to_numpy(float))
    y = np.log(rows[quantity_col].to_numpy(float))
    groups = rows[product_col].astype(str).to_numpy()
    xd = x - pd.Series(x).groupby(groups).transform("mean").to_numpy()
    yd = y - pd.Series(y).groupby(groups).transform("mean").to_numpy()
    n, k = len(rows), len(set(groups))
    sxx = float(np.sum(xd * xd))
    variation = math.sqrt(sxx / n) if n else 0.0
    out = {"n": float(n), "variation": variation, "e": math.nan, "se": math.nan, "p": math.nan}
    dof = n - k - 1
    if sxx <= 0 or dof <= 0:
        return out
    slope = float(np.sum(xd * yd) / sxx)
    resid = yd - slope * xd
    se = math.sqrt(float(np.sum(resid * resid)) / dof / sxx)
    p = float(2 * stats.t.sf(abs(slope / se), dof)) if se > 0 else 0.0
    return out | {"e": slope, "se": se, "p": p}


def revenue_change(price_change: float, e: float) -> float:
    """Relative revenue change of a relative price change under constant elasticity e."""
    return float((1.0 + price_change) ** (1.0 + e) - 1.0)


def price_guidance(
    lines: pd.DataFrame, by: Sequence[str] = ("segment", "category"), thresholds: Thresholds | None = None
) -> pd.DataFrame:
    """One row per group: status (estimated / insufficient), reason, elasticity and the price guidance."""
    t = thresholds or Thresholds()
    keys, fits = [], []
    for key, group in lines.groupby(list(by), sort=True):
        keys.append(key if isinstance(key, tuple) else (key,))
        fits.append(elasticity(group))
    adjusted = adjust_p([f["p"] for f in fits])
    rows = [
        dict(zip(by, (str(k) for k in key), strict=True)) | _verdict(fit | {"p_adj": q}, t)
        for key, fit, q in zip(keys, fits, adjusted, strict=True)
    ]
    columns = [*by, "status", "reason", "observations", "price_variation", "elasticity", "std_error"]
    columns += ["p_value", "recommended_change_pct", "guidance"]
    return pd.DataFrame(rows, columns=columns)


def adjust_p(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN; the others are adjusted among themselves)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if len(valid):
        order = valid[np.argsort(p[valid])]
        ranked = p[order] * len(valid) / np.arange(1, len(valid) + 1)
        out[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return [float(v) for v in out]


def _verdict(fit: dict[str, float], t: Thresholds) -> dict[str, object]:
    n, variation, e, se, p = int(fit["n"]), fit["variation"], fit["e"], fit["se"], fit["p"]
    q = fit.get("p_adj", p)
    base: dict[str, object] = {
        "observations": n,
        "price_variation": variation,
        "elasticity": None,
        "std_error": None,
        "p_value": None,
        "recommended_change_pct": None,
    }
    reason = None
    if n < t.min_lines:
        reason = f"too few sales lines: {n} (need {t.min_lines})"
    elif variation < t.min_variation:
        reason = f"too little price variation: std of log price {variation:.3f} (need {t.min_variation})"
    elif math.isnan(e):
        reason = "too few lines per product to fit a slope within products"
    elif e >= 0:
        reason = f"slope {e:+.2f} is not negative: quantity does not fall when price rises here (p = {p:.2f})"
    elif q >= t.alpha:
        reason = (
            f"slope {e:+.2f} is not significant (p = {p:.3f}, {q:.2f} adjusted for all groups >= {t.alpha})"
        )
    if reason is not None:
        return base | {
            "status": INSUFFICIENT,
            "reason": reason,
            "guidance": "no price guidance: the data do not support an elasticity estimate",
        }
    move = -STEP if e < -1.0 else STEP
    effect = revenue_change(move, e)
    kind = "elastic" if e < -1.0 else "inelastic"
    return base | {
        "status": ESTIMATED,
        "reason": f"{n} lines, price spread {variation:.3f}, slope {e:.2f} ± {se:.2f} (p = {p:.2g}, adjusted {q:.2g})",
        "elasticity": e,
        "std_error": se,
        "p_value": p,
        "recommended_change_pct": 100.0 * move,
        "guidance": (
            f"demand is {kind} (e = {e:.2f}): test a {100 * move:+.0f}% price change, "
            f"expected revenue {100 * effect:+.1f}%"
        ),
    }
