"""Forecast: the backtest-chosen ensemble beats seasonal naive on wine, with ordered prediction intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from models.datasets import load_monthly
from models.forecast import fit_forecast, mape, prophet_candidates


def test_forecast_beats_seasonal_naive_on_wine_holdout() -> None:
    series = load_monthly("wine")
    train, test = series.iloc[:-12], series.iloc[-12:]
    result = fit_forecast(train, horizon=12, origins=1, with_prophet=False)  # prophet: see the next test
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
