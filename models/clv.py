"""Customer lifetime value: BG/NBD and Pareto/NBD purchase counts, Gamma-Gamma spend (lifetimes).

Everything takes a transactions frame (one row per purchase: customer id, timestamp, amount) and a
calibration end date, so the warehouse marts can feed it directly. Model choice among the purchase
models is made by a rolling-origin backtest *inside* the calibration period (`select_purchase_model`);
the holdout is only ever used to report figures.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Purchase-count models `PurchaseModel` knows; `l2=` is lifetimes' penalizer on the parameters.
CANDIDATES: tuple[str, ...] = (
    "bgnbd",
    "bgnbd_l2=0.001",
    "bgnbd_l2=0.01",
    "pareto_nbd",
    "bgnbd_by_first_spend",
    "bgnbd_core",
)


def rfm_summary(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    unit_days: float = 7.0,
    period: str = "D",
) -> pd.DataFrame:
    """Per-customer frequency/recency/T/monetary_value as of `calibration_end` (time in `unit_days` units).

    Purchases by the same customer in the same `period` count as one (amounts summed): `"D"` (same day,
    as in Fader, Hardie and Lee 2005) or `"W"` (same Monday-Sunday week, times measured between week
    starts: lifetimes' `calibration_and_holdout_data(freq="W")`). Only customers whose first purchase is on
    or before `calibration_end` appear. With `observation_end`, adds `frequency_holdout`,
    `monetary_holdout` and `duration_holdout`.
    """
    missing = {customer_col, date_col, amount_col} - set(transactions.columns)
    if missing:
        raise ValueError(f"rfm_summary: transactions lack column(s) {sorted(missing)}")
    if period not in ("D", "W"):
        raise ValueError(f"rfm_summary: period={period!r} must be 'D' (day) or 'W' (week)")
    dates = pd.to_datetime(transactions[date_col])
    cal_end_date = pd.Timestamp(calibration_end)
    obs_end_date = pd.Timestamp(observation_end) if observation_end is not None else cal_end_date
    frame = transactions.assign(
        _day=_period_start(dates, period),
        _part=np.where(dates <= cal_end_date, "cal", np.where(dates <= obs_end_date, "hold", "after")),
    )
    cal_end = _period_start(pd.Series([cal_end_date]), period).iloc[0]
    daily: pd.DataFrame = frame.groupby([customer_col, "_part", "_day"], as_index=False)[[amount_col]].sum()
    daily = daily.sort_values([customer_col, "_day"])
    cal = daily[daily["_part"] == "cal"]
    grouped = cal.groupby(customer_col)
    first = grouped["_day"].min()
    last = grouped["_day"].max()
    count = grouped.size()
    first_amount = grouped[amount_col].first()
    repeat_amount = grouped[amount_col].sum() - first_amount
    frequency = (count - 1).astype(float)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).dt.days / unit_days,
            "T": (cal_end - first).dt.days / unit_days,
            "monetary_value": (repeat_amount / frequency.where(frequency > 0)).fillna(0.0),
            "first_amount": first_amount.astype(float),
        }
    )
    if observation_end is not None:
        obs_end = _period_start(pd.Series([obs_end_date]), period).iloc[0]
        hold = daily[daily["_part"] == "hold"].groupby(customer_col)
        summary["frequency_holdout"] = hold.size().reindex(summary.index).fillna(0.0).astype(float)
        summary["monetary_holdout"] = hold[amount_col].sum().reindex(summary.index).fillna(0.0)
        summary["duration_holdout"] = (obs_end - cal_end).days / unit_days
    summary.index.name = customer_col
    return summary


def _period_start(dates: pd.Series, period: str) -> pd.Series:
    """Midnight of each date (`"D"`) or the Monday starting its week (`"W"`)."""
    days: pd.Series = dates.dt.normalize()
    if period == "W":
        monday: pd.Series = days - pd.to_timedelta(days.dt.dayofweek, unit="D")
        return monday
    return days


@dataclass
class PurchaseModel:
    """A fitted purchase-count model (one of `CANDIDATES`) with a uniform predict / P(alive) interface."""

    name: str
    fitters: dict[int, Any] = field(default_factory=dict)
    spend_edges: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, summary: pd.DataFrame, name: str = "bgnbd") -> PurchaseModel:
        """Fit `name` on an `rfm_summary` frame (calibration columns only are used)."""
        if name not in CANDIDATES:
            raise ValueError(f"PurchaseModel.fit: name={name!r} is not one of {CANDIDATES}")
        model = cls(name=name)
        if name == "bgnbd_by_first_spend":
            model.spend_edges = [float(q) for q in summary["first_amount"].quantile([1 / 3, 2 / 3])]
            for segment, part in summary.groupby(model._segments(summary)):
                model.fitters[int(segment)] = _fit_one("bgnbd", part)
        else:
            model.fitters[0] = _fit_one(name, summary)
        return model

    def _segments(self, summary: pd.DataFrame) -> pd.Series:
        if not self.spend_edges:
            return pd.Series(0, index=summary.index)
        return pd.Series(np.searchsorted(self.spend_edges, summary["first_amount"]), index=summary.index)

    def _apply(self, summary: pd.DataFrame, method: str, *args: Any) -> pd.Series:
        from lifetimes import BetaGeoFitter

        from models.bgnbd import bgnbd_conditional_expected

        out = pd.Series(np.nan, index=summary.index, dtype=float)
        segments = self._segments(summary)
        for segment, fitter in self.fitters.items():
            part = summary[segments == segment]
            if part.empty:
                continue
            columns = (part["frequency"], part["recency"], part["T"])
            if method == "conditional_expected_number_of_purchases_up_to_time" and isinstance(
                fitter, BetaGeoFitter
            ):
                # lifetimes' closed form is NaN for one-time buyers when a + b < 1 (heavy penalties).
                p = fitter.params_
                values = bgnbd_conditional_expected(
                    p["r"], p["alpha"], p["a"], p["b"], float(args[0]), *columns
                )
            else:
                # lifetimes evaluates an alternative hypergeometric form for every customer and keeps it
                # only where the main one overflows; its log of a negative value elsewhere is harmless noise.
                with np.errstate(invalid="ignore", divide="ignore"):
                    values = getattr(fitter, method)(*args, *columns)
            out.loc[part.index] = np.asarray(values, dtype=float)
        bad = int((~np.isfinite(out)).sum())
        if bad:
            logger.warning("%s: %d of %d customers have no finite value", method, bad, len(out))
        return out

    def predict(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected purchases per customer in the next `horizon` time units, given calibration behaviour."""
        return self._apply(summary, "conditional_expected_number_of_purchases_up_to_time", horizon)

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability each customer is still active at the end of calibration."""
        return self._apply(summary, "conditional_probability_alive")

    @property
    def params(self) -> dict[str, float]:
        """Fitted parameters (of the single fitter; segment-suffixed for the segmented model)."""
        out: dict[str, float] = {}
        for segment, fitter in self.fitters.items():
            suffix = f"_s{segment}" if len(self.fitters) > 1 else ""
            out.update({f"{k}{suffix}": float(v) for k, v in fitter.params_.items()})
        return out


def _fit_one(name: str, summary: pd.DataFrame) -> Any:
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    grouped = summary.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()
    if name == "bgnbd_core":
        from models.bgnbd import CoreBGNBD

        return CoreBGNBD().fit(
            grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["weight"]
        )
    if name == "pareto_nbd":
        fitter: Any = ParetoNBDFitter()
    else:
        penalizer = float(name.split("=")[1]) if "=" in name else 0.0
        fitter = BetaGeoFitter(penalizer_coef=penalizer)
    fitter.fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["weight"])
    return fitter


def backtest_purchase_models(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    *,
    candidates: Sequence[str] = CANDIDATES,
    origins_weeks: Sequence[int] = (17, 13),
    window_weeks: int | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    period: str = "D",
) -> pd.DataFrame:
    """Aggregate relative error of each candidate over rolling origins *within* the calibration period.

    For each k in `origins_weeks`, fit on data up to `calibration_end - k weeks` and predict the purchases
    of those customers in the next `window_weeks` (default: the remaining k weeks up to `calibration_end`).
    Returns one row per candidate with one error column per origin and `mean_abs_error`.
    """
    cal_end = pd.Timestamp(calibration_end)
    rows: dict[str, dict[str, float]] = {name: {} for name in candidates}
    for weeks in origins_weeks:
        origin = cal_end - pd.Timedelta(weeks=weeks)
        summary = rfm_summary(
            transactions,
            origin,
            cal_end if window_weeks is None else origin + pd.Timedelta(weeks=window_weeks),
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            period=period,
        )
        actual = float(summary["frequency_holdout"].sum())
        for name in candidates:
            horizon = float(summary["duration_holdout"].iloc[0])
            predicted = float(PurchaseModel.fit(summary, name).predict(summary, horizon).sum())
            rows[name][f"err_{weeks}w"] = predicted / actual - 1.0
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["mean_abs_error"] = table.abs().mean(axis=1)
    return table.sort_values("mean_abs_error")


#: Rolling-origin selection: at least this many origins, each fitted on at least `MIN_FIT_WEEKS` of data.
ROLLING_ORIGINS = 4
MIN_FIT_WEEKS = 13


def rolling_origins(
    data_start: str | pd.Timestamp, calibration_end: str | pd.Timestamp, origins: int = ROLLING_ORIGINS
) -> tuple[list[int], int]:
    """Origins (weeks before `calibration_end`) and the window length that tile the calibration period's end.

    The span from `data_start + MIN_FIT_WEEKS` to `calibration_end` is cut into `origins` equal windows;
    each origin predicts its own window only, so a seasonal peak weighs on one window, not on all.
    """
    span = (pd.Timestamp(calibration_end) - pd.Timestamp(data_start)).days // 7 - MIN_FIT_WEEKS
    window = max(span // origins, 1)
    return [window * k for k in range(origins, 0, -1)], window


#: The plain baseline every selection keeps unless a candidate is clearly better.
BASELINE = "bgnbd"
#: How many standard errors of the paired per-origin differences a candidate must beat the baseline by.
SE_MULTIPLE = 1.0
#: And by how much, at least, in mean absolute relative error (0.01 = one percentage point).
MARGIN = 0.01


def choose_by_origins(
    table: pd.DataFrame,
    baseline: str = BASELINE,
    se_multiple: float = SE_MULTIPLE,
    margin: float = MARGIN,
) -> str:
    """The rolling-origin rule: keep `baseline` unless a candidate is better at *every* origin (a one-sided
    sign test: 1 in 2^origins by chance) and its mean absolute error over the origins is lower by more than
    `margin` and by more than `se_multiple` standard errors of the paired differences; among candidates that
    pass, the lowest mean wins.

    `table` has one `err_*` column per origin and one row per candidate (see `backtest_purchase_models`).
    """
    errors = table.filter(like="err_").drop(columns=["mean_abs_error"], errors="ignore").abs()
    base = errors.loc[baseline]
    better: dict[str, float] = {}
    for name, row in errors.iterrows():
        if name == baseline:
            continue
        diff = (row - base).to_numpy(dtype=float)
        se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
        gain = -float(diff.mean())
        if bool((diff < 0).all()) and gain > margin and gain > se_multiple * se:
            better[str(name)] = float(row.mean())
    return min(better, key=lambda n: (better[n], n)) if better else baseline


def select_purchase_model(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    *,
    origins: int = ROLLING_ORIGINS,
    date_col: str = "date",
    **kwargs: Any,
) -> tuple[str, pd.DataFrame]:
    """The candidate chosen by `choose_by_origins` over `origins` rolling origins inside the calibration
    period (`rolling_origins`), and the backtest table (one error column per origin)."""
    weeks, window = rolling_origins(transactions[date_col].min(), calibration_end, origins)
    table = backtest_purchase_models(
        transactions, calibration_end, origins_weeks=weeks, window_weeks=window, date_col=date_col, **kwargs
    )
    best = choose_by_origins(table)
    logger.info(
        "purchase model chosen over %d rolling origins (%d-week windows): %s", len(weeks), window, best
    )
    return best, table


@dataclass
class SpendModel:
    """Gamma-Gamma model of the average repeat-purchase value (fitted on repeat buyers only)."""

    fitter: Any

    @classmethod
    def fit(cls, summary: pd.DataFrame, penalizer: float = 0.0) -> SpendModel:
        """Fit on customers with at least one repeat purchase and positive spend."""
        from lifetimes import GammaGammaFitter

        buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        fitter = GammaGammaFitter(penalizer_coef=penalizer)
        fitter.fit(buyers["frequency"], buyers["monetary_value"])
        return cls(fitter=fitter)

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected value of each customer's future purchases (population mean for one-time buyers)."""
        values = self.fitter.conditional_expected_average_profit(
            summary["frequency"], summary["monetary_value"].where(summary["frequency"] > 0, 0.0)
        )
        return pd.Series(np.asarray(values, dtype=float), index=summary.index)

    @property
    def params(self) -> dict[str, float]:
        """Fitted p, q, v."""
        return {k: float(v) for k, v in self.fitter.params_.items()}


def customer_lifetime_value(
    summary: pd.DataFrame,
    purchases: PurchaseModel,
    spend: SpendModel,
    *,
    months: int = 12,
    annual_discount_rate: float = 0.10,
    units_per_month: float = 30.4375 / 7.0,
) -> pd.Series:
    """Discounted expected revenue per customer over the next `months` (monthly discounting)."""
    monthly = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    value_per_purchase = spend.expected_spend(summary)
    total = pd.Series(0.0, index=summary.index)
    previous = pd.Series(0.0, index=summary.index)
    for month in range(1, months + 1):
        cumulative = purchases.predict(summary, month * units_per_month)
        total += (cumulative - previous) * value_per_purchase / (1.0 + monthly) ** month
        previous = cumulative
    return total.rename("clv")
