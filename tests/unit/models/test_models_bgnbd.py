"""Core-mixture BG/NBD: its likelihood and forecasts reduce to lifetimes' BG/NBD, and fitting recovers a core."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.bgnbd import (
    CoreBGNBD,
    bgnbd_conditional_expected,
    bgnbd_conditional_expected_quadrature,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
)

X = np.array([0.0, 1.0, 3.0, 7.0])
T_X = np.array([0.0, 5.0, 20.0, 30.0])
BIG_T = np.array([10.0, 30.0, 35.0, 38.0])
PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _lifetimes_fitter() -> object:
    from lifetimes import BetaGeoFitter

    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(PAPER)
    return fitter


def test_bgnbd_functions_match_lifetimes() -> None:
    fitter = _lifetimes_fitter()
    expected = fitter.conditional_expected_number_of_purchases_up_to_time(39.0, X, T_X, BIG_T)  # type: ignore[attr-defined]
    alive = fitter.conditional_probability_alive(X, T_X, BIG_T)  # type: ignore[attr-defined]
    assert bgnbd_conditional_expected(*PAPER.values(), 39.0, X, T_X, BIG_T) == pytest.approx(
        np.asarray(expected)
    )
    assert bgnbd_p_alive(*PAPER.values(), X, T_X, BIG_T) == pytest.approx(np.asarray(alive))


def test_core_mixture_with_empty_core_is_the_bgnbd() -> None:
    model = CoreBGNBD(params_={**PAPER, "r_core": 1.0, "alpha_core": 10.0, "pi": 1e-12})
    expected = bgnbd_conditional_expected(*PAPER.values(), 39.0, X, T_X, BIG_T)
    assert model.conditional_expected_number_of_purchases_up_to_time(39.0, X, T_X, BIG_T) == pytest.approx(
        expected
    )
    assert model.conditional_probability_alive(X, T_X, BIG_T) == pytest.approx(
        bgnbd_p_alive(*PAPER.values(), X, T_X, BIG_T)
    )


def test_bgnbd_log_likelihood_of_a_one_time_buyer() -> None:
    # x = 0: only the survival term, B(a, b)/B(a, b) * (alpha / (alpha + T))^r
    value = bgnbd_log_likelihood(*PAPER.values(), [0.0], [0.0], [10.0])[0]
    assert value == pytest.approx(PAPER["r"] * np.log(PAPER["alpha"] / (PAPER["alpha"] + 10.0)))


def test_fit_finds_a_never_lapsing_core_in_simulated_data() -> None:
    rng = np.random.default_rng(0)
    n, horizon = 3000, 40.0
    core = rng.random(n) < 0.3
    rate = np.where(core, 0.3, rng.gamma(0.5, 1 / 2.0, n))
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / rate[i])
            if t > horizon:
                break
            x[i], t_x[i] = x[i] + 1, t
            if not core[i] and rng.random() < 0.4:
                break
    model = CoreBGNBD().fit(x, t_x, np.full(n, horizon))
    assert 0.15 < model.params_["pi"] < 0.45
    assert model.core_probability(np.array([15.0]), np.array([39.0]), np.array([40.0]))[0] > 0.9


def test_quadrature_matches_the_closed_form_expectation() -> None:
    closed = bgnbd_conditional_expected(*PAPER.values(), 39.0, X, T_X, BIG_T)
    quadrature = bgnbd_conditional_expected_quadrature(*PAPER.values(), 39.0, X, T_X, BIG_T)
    assert quadrature == pytest.approx(closed, rel=1e-9)


def test_expectation_is_finite_when_the_closed_form_fails() -> None:
    # a + b < 1 (a heavily penalised fit): the hypergeometric form is NaN for one-time buyers.
    params = (0.243, 4.43, 0.29, 0.66)
    values = bgnbd_conditional_expected(*params, 39.0, X, T_X, BIG_T)
    assert np.isfinite(values).all() and (values > 0).all()
    assert values == pytest.approx(bgnbd_conditional_expected_quadrature(*params, 39.0, X, T_X, BIG_T))
    # a = 1 exactly divides by zero in the closed form; neighbours bracket the quadrature value.
    at_one = bgnbd_conditional_expected(0.243, 4.414, 1.0, 2.426, 39.0, X, T_X, BIG_T)
    near = bgnbd_conditional_expected(0.243, 4.414, 1.0 + 1e-6, 2.426, 39.0, X, T_X, BIG_T)
    assert at_one == pytest.approx(near, rel=1e-4)
