"""Diagnostics: why a KPI moved between two periods (ranked drivers, mix/rate split) and daily anomaly flags.

Decomposition (midpoint, a.k.a. two-factor Shapley; exact, no residual). For each value i of a dimension
(a region, a rep, ...) the KPI has a volume v_i (orders) and a rate r_i (value per unit of volume, e.g.
average order value); a bar is the mean of the two periods, Δ the after-minus-before difference.

* Additive KPI (revenue = Σ v_i r_i): contribution_i = Δ(v_i r_i) = mix_i + rate_i with
  mix_i = Δv_i · r̄_i (the value's volume moved, at its average rate) and rate_i = v̄_i · Δr_i.
* Ratio KPI (K = Σ v_i r_i / Σ v_i = Σ s_i r_i, s_i = v_i / Σ v_i, e.g. average order value):
  mix_i = Δs_i · (r̄_i − K̄) (share moved towards a value above/below the average) and rate_i = s̄_i · Δr_i.

In both cases Σ_i (mix_i + rate_i) = ΔK exactly: v1r1 − v0r0 = Δv·r̄ + v̄·Δr identically, and Σ Δs_i = 0.
A value present in only one period takes the other period's rate, so its whole change is mix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

DIMENSIONS: tuple[str, ...] = ("region", "rep", "category", "segment", "channel", "campaign")
#: Dimensions where every order falls in exactly one member (one order's lines can span categories), so
#: order counts add up across members.
ORDER_DIMENSIONS: tuple[str, ...] = ("region", "rep", "segment", "channel", "campaign")
Direction = Literal["auto", "down", "up"]
MAD_SCALE = 1.4826  # MAD of a normal distribution times this is its standard deviation


@dataclass(frozen=True)
class Kpi:
    """A KPI the drivers explain: per member value = volume x rate (`ratio`: the KPI is Σ value / Σ volume)."""

    label: str
    value: str  # the cell column the KPI sums: revenue or orders
    volume: str  # what the value is counted over: orders or customers
    mix_words: tuple[str, str]  # (pulled down, pushed up)
    rate_words: tuple[str, str]
    ratio: bool = False
    unit: str = ""
    dimensions: tuple[str, ...] = DIMENSIONS


KPIS: dict[str, Kpi] = {
    "revenue": Kpi(
        "revenue", "revenue", "orders", unit="£",
        mix_words=("fewer orders", "more orders"),
        rate_words=("lower value per order", "higher value per order"),
    ),
    "orders": Kpi(
        "orders", "orders", "customers",
        mix_words=("fewer customers ordering", "more customers ordering"),
        rate_words=("fewer orders per customer", "more orders per customer"),
        dimensions=ORDER_DIMENSIONS,
    ),
    "average_order_value": Kpi(
        "average order value", "revenue", "orders", ratio=True, unit="£",
        mix_words=("the mix of orders", "the mix of orders"),
        rate_words=("lower value per order", "higher value per order"),
        dimensions=ORDER_DIMENSIONS,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class LineColumns:
    """Names of the order-line columns the diagnostics read."""

    date: str = "date"
    amount: str = "amount"
    order: str = "order_id"
    customer: str = "customer_id"


def decompose(
    before: pd.DataFrame,
    after: pd.DataFrame,
    dimension: str,
    *,
    value: str = "revenue",
    volume: str = "orders",
    ratio: bool = False,
) -> pd.DataFrame:
    """Per value of `dimension`: before, after, contribution = mix_effect + rate_effect (see module doc).

    `before`/`after` hold one row per (dimension value, anything finer); they are summed per value.
    """
    b = before.groupby(dimension, dropna=False)[[value, volume]].sum()
    a = after.groupby(dimension, dropna=False)[[value, volume]].sum()
    idx = b.index.union(a.index)
    b, a = b.reindex(idx, fill_value=0.0), a.reindex(idx, fill_value=0.0)
    v0, v1 = b[volume].astype(float), a[volume].astype(float)
    r0 = (b[value] / v0.where(v0 != 0)).astype(float)
    r1 = (a[value] / v1.where(v1 != 0)).astype(float)
    r0, r1 = r0.fillna(r1).fillna(0.0), r1.fillna(r0).fillna(0.0)
    r_bar = (r0 + r1) / 2.0
    if ratio:
        k0 = float(b[value].sum() / v0.sum()) if v0.sum() else 0.0
        k1 = float(a[value].sum() / v1.sum()) if v1.sum() else 0.0
        s0 = v0 / v0.sum() if v0.sum() else v0 * 0.0
        s1 = v1 / v1.sum() if v1.sum() else v1 * 0.0
        mix = (s1 - s0) * (r_bar - (k0 + k1) / 2.0)
        rate = (s0 + s1) / 2.0 * (r1 - r0)
        kpi0, kpi1 = r0, r1
    else:
        mix = (v1 - v0) * r_bar
        rate = (v0 + v1) / 2.0 * (r1 - r0)
        kpi0, kpi1 = b[value].astype(float), a[value].astype(float)
    out = pd.DataFrame(
        {
            "dimension": dimension,
            "member": idx.astype(str),
            "before": kpi0.to_numpy(),
            "after": kpi1.to_numpy(),
            "volume_before": v0.to_numpy(),
            "volume_after": v1.to_numpy(),
            "mix_effect": mix.to_numpy(),
            "rate_effect": rate.to_numpy(),
        }
    )
    out["change"] = out["after"] - out["before"]
    out["change_pct"] = 100.0 * out["change"] / out["before"].where(out["before"] != 0)
    out["contribution"] = out["mix_effect"] + out["rate_effect"]
    return out


def drivers(
    before: pd.DataFrame,
    after: pd.DataFrame,
    dimensions: Sequence[str] = DIMENSIONS,
    *,
    value: str = "revenue",
    volume: str = "orders",
    ratio: bool = False,
    direction: Direction = "auto",
) -> pd.DataFrame:
    """Ranked drivers for every dimension present in both frames, one row per (dimension, member).

    `rank` is 1 for the member that pushed the KPI furthest in the direction it moved; `share_of_change`
    is contribution / total change (members of one dimension sum to 1).
    """
    dims = [d for d in dimensions if d in before.columns and d in after.columns]
    if not dims:
        raise ValueError(f"none of the dimensions {list(dimensions)} is a column of both frames")
    tables = [decompose(before, after, d, value=value, volume=volume, ratio=ratio) for d in dims]
    return rank_drivers(tables, direction)


def _direction_sign(total: float, direction: Direction) -> float:
    if direction == "down":
        return -1.0
    if direction == "up":
        return 1.0
    return 1.0 if total >= 0 else -1.0


def rank_drivers(tables: Sequence[pd.DataFrame], direction: Direction = "auto") -> pd.DataFrame:
    """Stack `decompose` tables (one per dimension, same KPI and periods) with share_of_change and rank.

    direction "auto" ranks first the member that pushed furthest the way the KPI moved; "down" ranks
    by what pulled it down (most negative contribution first), "up" by what pushed it up.
    """
    total = float(tables[0]["contribution"].sum())
    sign = _direction_sign(total, direction)
    ranked = []
    for table in tables:
        table = table.assign(
            share_of_change=table["contribution"] / total if total else np.nan,
            _key=table["contribution"] * sign,
        ).sort_values(["_key", "member"], ascending=[False, True])
        table["rank"] = np.arange(1, len(table) + 1)
        ranked.append(table.drop(columns="_key"))
    return pd.concat(ranked, ignore_index=True)


@dataclass(frozen=True)
class Explanation:
    """Why a KPI moved: totals, the ranked driver table and a one-sentence answer."""

    kpi: str
    before: float
    after: float
    table: pd.DataFrame
    summary: str

    @property
    def change_pct(self) -> float:
        return 100.0 * (self.after / self.before - 1.0) if self.before else float("nan")


def period_frames(
    lines: pd.DataFrame,
    start: str | pd.Timestamp,
    *,
    days: int = 7,
    baseline_periods: int = 4,
    dimensions: Sequence[str] = DIMENSIONS,
    columns: LineColumns = LineColumns(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate order lines into (baseline, current) frames of `revenue`, `orders` and `customers` per cell.

    `orders` and `customers` count distinct values per cell, so they add up across cells only when each
    order (customer) falls in one cell (see `ORDER_DIMENSIONS`): `explain_change` therefore calls this
    once per dimension, and with no dimension for the whole KPI. `customers` is left out when the lines
    have no customer column.

    Current = [start, start + days); baseline = the mean of the `baseline_periods` equally long periods
    just before it (1 = the previous period). With days=7 every period holds each weekday once, so
    weekly seasonality cancels; averaging 4 weeks cuts the baseline's noise variance by 4 while trend and
    yearly seasonality over a month stay small (about 1% in the demo market).
    """
    start = pd.Timestamp(start)
    dims = [d for d in dimensions if d in lines.columns]
    dates = pd.to_datetime(lines[columns.date]).dt.normalize()
    offset = (dates - start).dt.days // days  # 0 = current, -1 = the period before, ...
    frame = lines.assign(_period=offset, **{d: lines[d].fillna("unknown") for d in dims})
    frame = frame[(frame["_period"] >= -baseline_periods) & (frame["_period"] <= 0)]
    counts = {"revenue": (columns.amount, "sum"), "orders": (columns.order, "nunique")}
    if columns.customer in lines.columns:
        counts["customers"] = (columns.customer, "nunique")
    cells = frame.groupby(["_period", *dims], dropna=False).agg(**counts).reset_index()
    current = cells[cells["_period"] == 0].drop(columns="_period").reset_index(drop=True)
    past = cells[cells["_period"] < 0]
    base = (
        past.groupby(dims, dropna=False)[list(counts)].sum()
        if dims
        else past[list(counts)].sum().to_frame().T
    )
    base = (base / float(baseline_periods)).reset_index(drop=not dims)
    return base, current


def _amount(x: float, unit: str) -> str:
    sign = "-" if x < 0 else ""
    return f"{sign}{unit}{abs(x):,.0f}"


def kpi_total(frame: pd.DataFrame, kpi: Kpi) -> float:
    """The whole KPI over one period's cells (a sum, or for a ratio KPI Σ value / Σ volume)."""
    value = float(frame[kpi.value].sum())
    if not kpi.ratio:
        return value
    volume = float(frame[kpi.volume].sum())
    return value / volume if volume else 0.0


def summarise(
    table: pd.DataFrame,
    kpi: Kpi,
    before: float,
    after: float,
    when: str,
    direction: Direction = "auto",
) -> str:
    """One sentence: how much the KPI moved and the member that pushed it furthest in `direction`.

    The headline member is the rank-1 member with the largest contribution (in that direction) over all
    dimensions; ties go to the dimension listed first.
    """
    change = after - before
    pct = 100.0 * change / before if before else float("nan")
    verb = "fell" if change < 0 else "rose"
    head = (
        f"{kpi.label.capitalize()} {verb} {abs(pct):.1f}% ({_amount(change, kpi.unit)}, "
        f"{_amount(before, kpi.unit)} to {_amount(after, kpi.unit)}) {when}"
    )
    sign = _direction_sign(change, direction)
    top = table[(table["rank"] == 1) & (table["contribution"] * sign > 0)]
    if top.empty:
        return head + "."
    order = {d: i for i, d in enumerate(dict.fromkeys(table["dimension"]))}
    best = top.assign(_key=top["contribution"] * sign, _o=top["dimension"].map(order))
    row = best.sort_values(["_key", "_o"], ascending=[False, True]).iloc[0]
    effect = kpi.mix_words[int(row["mix_effect"] >= 0)]
    if abs(row["rate_effect"]) > abs(row["mix_effect"]):
        effect = kpi.rate_words[int(row["rate_effect"] >= 0)]
    role = "driver" if sign * change > 0 else ("drag" if sign < 0 else "offset")
    share = (
        f"{100.0 * float(row['share_of_change']):.0f}% of the change"
        if sign * change > 0
        else f"{row['member']} itself {float(row['change_pct']):+.1f}%"
    )
    return (
        f"{head}; the biggest {role} is {row['dimension']} {row['member']} "
        f"({_amount(float(row['contribution']), kpi.unit)}, {share}, mostly {effect})."
    )


def explain_change(
    lines: pd.DataFrame,
    start: str | pd.Timestamp,
    *,
    kpi: str = "revenue",
    days: int = 7,
    baseline_periods: int = 4,
    dimensions: Sequence[str] | None = None,
    columns: LineColumns = LineColumns(),
    direction: Direction = "auto",
) -> Explanation:
    """Answer "why did the KPI move in the `days` from `start`" against the mean of the previous periods.

    `kpi` is a key of `KPIS`; `dimensions` defaults to the KPI's own (orders and average order value
    leave out category, which does not split orders).
    """
    (explained,) = explain_changes(
        lines, start, kpis=[kpi], days=days, baseline_periods=baseline_periods, dimensions=dimensions,
        columns=columns, direction=direction,
    )  # fmt: skip
    return explained


def explain_changes(
    lines: pd.DataFrame,
    start: str | pd.Timestamp,
    *,
    kpis: Sequence[str] = tuple(KPIS),
    days: int = 7,
    baseline_periods: int = 4,
    dimensions: Sequence[str] | None = None,
    columns: LineColumns = LineColumns(),
    direction: Direction = "auto",
) -> list[Explanation]:
    """`explain_change` for each of `kpis`, aggregating the lines once per dimension for all of them."""
    frames: dict[tuple[str, ...], tuple[pd.DataFrame, pd.DataFrame]] = {}

    def framed(dims: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
        if dims not in frames:
            frames[dims] = period_frames(
                lines, start, days=days, baseline_periods=baseline_periods, dimensions=dims, columns=columns
            )
        return frames[dims]

    label = "week" if days == 7 else f"{days} days"
    versus = (
        "the previous one" if baseline_periods == 1 else f"the average of the previous {baseline_periods}"
    )
    when = f"in the {label} from {pd.Timestamp(start):%d %b %Y} vs {versus}"
    return [_explain(lines, kpi, dimensions, columns, framed, when, direction) for kpi in kpis]


def _explain(
    lines: pd.DataFrame,
    kpi: str,
    dimensions: Sequence[str] | None,
    columns: LineColumns,
    framed: Callable[[tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]],
    when: str,
    direction: Direction,
) -> Explanation:
    if kpi not in KPIS:
        raise ValueError(f"unknown KPI {kpi!r}; choose one of {sorted(KPIS)}")
    spec = KPIS[kpi]
    if spec.volume == "customers" and columns.customer not in lines.columns:
        raise ValueError(f"KPI {kpi!r} needs a {columns.customer!r} column in the lines")
    dims = [d for d in (spec.dimensions if dimensions is None else dimensions) if d in lines.columns]
    if not dims:
        raise ValueError(
            f"none of the dimensions {list(dimensions or spec.dimensions)} is a column of the lines"
        )
    tables = []
    for dim in dims:
        base, current = framed((dim,))
        tables.append(decompose(base, current, dim, value=spec.value, volume=spec.volume, ratio=spec.ratio))
    table = rank_drivers(tables, direction)
    before_cells, after_cells = framed(())
    before, after = kpi_total(before_cells, spec), kpi_total(after_cells, spec)
    summary = summarise(table, spec, before, after, when, direction=direction)
    logger.info("%s", summary)
    return Explanation(kpi, before, after, table, summary)


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


AnomalyKind = Literal["amount", "count", "level"]


def anomaly_flags(
    series: pd.Series,
    *,
    season: int = 7,
    window: int = 8,
    threshold: float = 3.5,
    kind: AnomalyKind = "amount",
) -> pd.DataFrame:
    """Flag points far from a seasonal baseline, using only the past (no look-ahead).

    `kind` says what the series is, and so how "far" is measured:

    * ``amount`` (revenue): expected_t = median of the same season position over the last `window`
      seasons (same weekday over the last 8 weeks for daily data). The residual is taken relative to it
      (weekday effects multiply), with the denominator floored at 10% of the recent mean level so
      near-zero days (Sundays) stay sane: rel_t = (actual − expected) / max(expected, 0.1 × level).
      robust_z = (rel_t − median) / (1.4826 × MAD) over the previous `window` × `season` relative residuals.
    * ``count`` (orders, new customers): a day's count is Poisson around the mean of the same weekday over
      the last `window` weeks (plus half a count, so a weekday that has always been 0 can still be
      surprised); robust_z is the normal score of the Poisson tail probability of the actual count, so one
      order on a quiet Saturday is not an anomaly while a day's usual 12 orders falling to 0 is.
    * ``level`` (a rolling count such as customers active in the last 90 days): what is unusual is the
      day's move, so expected_t = yesterday's value + the median move of the same weekday over the last
      `window` weeks, and robust_z is the robust z of actual − expected among the previous residuals.

    |robust_z| > threshold flags the point. The first 2 × window seasons have no score (NaN).
    """
    y = series.astype(float)
    span = window * season
    if kind == "count":
        return _count_flags(y, season, window, threshold)
    if kind == "level":
        expected = y.shift(1) + _same_season(y.diff(), season, window).median(axis=1, skipna=False)
        relative = y - expected
    else:
        expected = _same_season(y, season, window).median(axis=1, skipna=False)
        level = y.shift(1).rolling(span).mean()
        relative = (y - expected) / expected.clip(lower=0.1 * level).where(level > 0)
    past = relative.shift(1).rolling(span)
    centre = past.median()
    scale = past.apply(_mad, raw=True) * MAD_SCALE
    z = (relative - centre) / scale.where(scale > 0)
    return _flag_frame(y, expected, z, threshold)


def _same_season(y: pd.Series, season: int, window: int) -> pd.DataFrame:
    """The same season position in each of the last `window` seasons, one column per season back."""
    return pd.concat([y.shift(season * k) for k in range(1, window + 1)], axis=1)


def _count_flags(y: pd.Series, season: int, window: int, threshold: float) -> pd.DataFrame:
    from scipy.stats import norm, poisson

    lagged = _same_season(y, season, window)
    rate = (lagged.sum(axis=1, min_count=window) + 0.5) / window
    above = norm.isf(np.clip(poisson.sf(y - 1.0, rate), 1e-300, 1.0))  # from P(X >= actual)
    below = -norm.isf(np.clip(poisson.cdf(y, rate), 1e-300, 1.0))  # from P(X <= actual)
    z = pd.Series(np.where(y >= rate, np.maximum(above, 0.0), np.minimum(below, 0.0)), index=y.index)
    z.iloc[: 2 * season * window] = np.nan  # the same warm-up as the other kinds
    return _flag_frame(y, lagged.median(axis=1, skipna=False), z, threshold)


def _flag_frame(y: pd.Series, expected: pd.Series, z: pd.Series, threshold: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "actual": y,
            "expected": expected,
            "residual": y - expected,
            "robust_z": z,
            "anomaly": z.abs() > threshold,
        },
        index=y.index,
    )
