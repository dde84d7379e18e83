"""Forecast: the backtest-chosen combination beats seasonal naive on wine; rules judged prequentially."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.datasets import load_monthly
from models.forecast import (
    STATS_MODELS,
    choose_rule,
    combine,
    days_in_period,
    fit_forecast,
    mape,
    prequential_rule_errors,
    prophet_candidates,
    robust_stl_forecast,
    series_transforms,
)


def test_forecast_beats_seasonal_naive_on_wine_holdout() -> None:
    series = load_monthly("wine")
    train, test = series.iloc[:-12], series.iloc[-12:]
    cheap = tuple(m for m in STATS_MODELS if m != "AutoARIMA")  # AutoARIMA is most of the cost
    result = fit_forecast(train, horizon=12, origins=3, with_prophet=False, stats_models=cheap)
    assert list(result.forecast.index) == list(test.index)
    ours = mape(test, result.forecast["yhat"])
    assert ours < mape(test, result.candidates["SeasonalNaive"])
    assert ours < 10.0
    f = result.forecast
    assert ((f["lo95"] <= f["lo80"]) & (f["lo80"] <= f["yhat"]) & (f["yhat"] <= f["hi80"])).all()
    assert (f["hi80"] <= f["hi95"]).all()


def test_prophet_candidates_forecast_the_next_twelve_months() -> None:
    train = load_monthly("airline").iloc[:-12]
    forecasts = prophet_candidates(train, 12)
    assert list(forecasts.columns) == [
        "prophet",
        "prophet_mult_cps0.01",
        "prophet_mult_cps0.05",
        "prophet_mult_cps0.5",
    ]
    assert forecasts.index[0] == pd.Timestamp("1960-01-01") and len(forecasts) == 12
    assert (forecasts > 0).all().all()


def test_irregular_index_is_rejected() -> None:
    series = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01", "2024-01-05", "2024-03-01"]))
    with pytest.raises(ValueError, match="frequency"):
        fit_forecast(series)


def test_mape_is_in_percent() -> None:
    assert mape(pd.Series([100.0, 200.0]), pd.Series([110.0, 180.0])) == pytest.approx(10.0)


def _fold(actual: list[float], **forecasts: list[float]) -> pd.DataFrame:
    return pd.DataFrame({**forecasts, "actual": actual})


def test_combine_takes_mean_or_median_of_the_best_scored() -> None:
    forecasts = pd.DataFrame({"a": [1.0], "b": [2.0], "c": [9.0]})
    scores = pd.Series({"c": 3.0, "a": 1.0, "b": 2.0})
    assert combine(forecasts, scores, ("mean", 1)).iloc[0] == 1.0
    assert combine(forecasts, scores, ("mean", 2)).iloc[0] == 1.5
    assert combine(forecasts, scores, ("median", 0)).iloc[0] == 2.0


def test_rule_is_judged_on_origins_after_the_ones_that_rank() -> None:
    # "good" wins the first two origins, then fails; the median of all three stays close throughout.
    folds = {
        4: _fold([100.0], good=[100.0], bad=[130.0], mid=[105.0]),
        3: _fold([100.0], good=[100.0], bad=[130.0], mid=[105.0]),
        2: _fold([100.0], good=[60.0], bad=[104.0], mid=[103.0]),
        1: _fold([100.0], good=[60.0], bad=[104.0], mid=[103.0]),
    }
    table = prequential_rule_errors(folds, (("mean", 1), ("median", 0)), min_prior=2)
    # origin 2 ranks on origins 4, 3 (good first: 40% off); origin 1 on 4, 3, 2 (mid first: 3% off)
    assert table["mean1"] == pytest.approx(21.5)
    assert table["median_all"] == pytest.approx(3.0)
    rule, _ = choose_rule(folds, (("mean", 1), ("median", 0)), min_prior=2)
    assert rule == ("median", 0)


def test_too_few_origins_fall_back_to_the_default_rule() -> None:
    folds = {1: _fold([100.0], a=[100.0])}
    rule, table = choose_rule(folds, min_prior=2)
    assert rule == ("mean", 3) and table.empty


def test_days_in_period_only_for_monthly_series() -> None:
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    assert list(days_in_period(months)) == [31.0, 29.0, 31.0]  # 2024 is a leap year
    assert days_in_period(pd.date_range("2024-01-01", periods=3, freq="D")) is None


def test_per_day_transform_round_trips_to_sales() -> None:
    y = pd.Series([310.0, 290.0], index=pd.date_range("2024-01-01", periods=2, freq="MS"))
    future = pd.date_range("2024-03-01", periods=2, freq="MS")
    transforms = {prefix: (values, back) for prefix, values, back in series_transforms(y, future)}
    assert list(transforms) == ["", "log_", "log_per_day_"]
    values, back = transforms["log_per_day_"]
    assert np.exp(values) == pytest.approx([10.0, 10.0])
    assert back(np.log(np.array([10.0, 10.0]))) == pytest.approx([310.0, 300.0])  # March 31 days, April 30
    assert list(dict.fromkeys(p for p, _, _ in series_transforms(-y, future))) == [""]


def test_robust_stl_is_not_led_by_one_outlying_month() -> None:
    months = np.arange(120)
    rng = np.random.default_rng(0)
    log_sales = 10.0 + 0.002 * months + 0.2 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 0.02, 120)
    log_sales[-12] += 0.3  # one odd month a year ago
    forecast = robust_stl_forecast(log_sales, 12, 12)
    expected = 10.0 + 0.002 * 120  # the first month ahead, without noise (its seasonal term is 0)
    assert abs(forecast[0] - expected) < 0.05  # a seasonal naive forecast would be 0.3 too high
    assert len(forecast) == 12 and np.isfinite(forecast).all()
