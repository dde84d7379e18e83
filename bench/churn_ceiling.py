"""How high a churn AUC CDNOW can support: simulate buy-till-you-die cohorts and score the Bayes-optimal rule.

    python bench/churn_ceiling.py                 # 20 cohorts per model, under a minute
    python bench/churn_ceiling.py --cohorts 5

Churn = no purchase in the 39-week holdout (1997-10-01..1998-06-30), as in `python -m models evaluate
cdnow-churn`. BG/NBD and a two-segment BG/NBD mixture are fitted by maximum likelihood to the master's
purchase histories (same-day purchases merged, weeks as the unit), once on the calibration period and once
on the whole 78 weeks (the data-generating process best supported by all the data; nothing here is a
predictor, so using the holdout to estimate it is fair). Each fitted model then generates synthetic cohorts
with the real customers' T (weeks from first purchase to 1997-09-30) and is scored three ways:

* Bayes: P(no purchase in the 39 weeks | x, t_x, T) under the true (fitted) parameters. Under these
  models (x, t_x, T) is sufficient for the whole purchase history, so this is the best any classifier
  of the calibration timing can do.
* Oracle: knows each customer's latent purchase rate and whether they are still alive at T.
* xgboost: the project's churn learner on (x, t_x, T, recency, rate), 5-fold out-of-fold, as on the real
  data; it checks that the learner gets close to the Bayes rule and that the simulated cohorts are about as
  predictable as the real customers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.bgnbd import bgnbd_log_likelihood, bgnbd_p_no_purchase  # noqa: E402
from models.churn import XGB_PARAMS  # noqa: E402
from models.clv import rfm_summary  # noqa: E402
from models.datasets import load_cdnow  # noqa: E402

CAL_END, OBS_END, TAU = "1997-09-30", "1998-06-30", 39.0


def unpack(vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Segment parameters (k x 4) and weights from the unconstrained optimisation vector."""
    params = np.exp(vector[: 4 * k]).reshape(k, 4)
    weights = np.exp(np.r_[0.0, vector[4 * k :]])
    return params, weights / weights.sum()


def joint(vector: np.ndarray, k: int, x: np.ndarray, t: np.ndarray, T: np.ndarray) -> np.ndarray:
    """log(weight_k) + segment log-likelihood, one row per segment."""
    params, weights = unpack(vector, k)
    rows = [
        np.log(w) + bgnbd_log_likelihood(float(r), float(alpha), float(a), float(b), x, t, T)
        for w, (r, alpha, a, b) in zip(weights, params, strict=True)
    ]
    return np.stack(rows)


def fit_mixture(k: int, x: np.ndarray, t: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, float]:
    """Maximum-likelihood k-segment BG/NBD mixture (best of a few deterministic starts)."""
    base = np.log([0.25, 5.0, 0.7, 2.2])
    starts = [base] if k == 1 else [np.r_[base + [1.2, 1.0, 0.0, 0.5], base + [-1.8, -1.5, -0.8, -2.0], 0.0]]
    if k == 2:
        starts.append(np.r_[base + [0.5, 0.5, 0.3, 0.3], base + [-1.0, -1.0, -0.3, -1.0], 0.0])
    best = None
    for start in starts:
        result = minimize(
            lambda v: -float(logsumexp(joint(v, k, x, t, T), axis=0).sum()), start, method="L-BFGS-B"
        )
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    return best.x, -float(best.fun)


def p_zero(vector: np.ndarray, k: int, x: np.ndarray, t: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Posterior P(no purchase in (T, T + TAU] | x, t_x, T): closed form per segment, mixed by posterior weight."""
    params, _ = unpack(vector, k)
    log_joint = joint(vector, k, x, t, T)
    posterior = np.exp(log_joint - logsumexp(log_joint, axis=0))
    segments = [dict(zip(("r", "alpha", "a", "b"), p, strict=True)) for p in params]
    return np.asarray(
        sum(w * bgnbd_p_no_purchase(p, x, t, T, TAU) for w, p in zip(posterior, segments, strict=True))
    )


def simulate(
    vector: np.ndarray, k: int, T: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One synthetic cohort with the given T: (x, t_x in whole days, churned 0/1, oracle P(churn))."""
    params, weights = unpack(vector, k)
    r, alpha, a, b = params[rng.choice(k, size=len(T), p=weights)].T
    rate = rng.gamma(r, 1.0 / alpha)
    last_purchase = rng.geometric(rng.beta(a, b))  # drops out right after this repeat purchase
    in_calibration = rng.poisson(rate * T)
    in_holdout = rng.poisson(rate * TAU)
    x = np.minimum(in_calibration, last_purchase)
    alive = last_purchase > in_calibration
    # The x-th of in_calibration uniform purchase times on (0, T]; recorded to the day as in the real file.
    t = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(in_calibration - x + 1, 1)), 0.0)
    t = np.floor(t * 7.0) / 7.0
    churned = (~alive | (in_holdout == 0)).astype(int)
    oracle = np.where(alive, np.exp(-rate * TAU), 1.0)
    return x.astype(float), t, churned, oracle


def learner_features(x: np.ndarray, t: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Frequency, recency time, T, time since last purchase and rate: the timing summary a learner sees."""
    out: np.ndarray = np.c_[x, t, T, T - t, x / T]
    return out


def xgboost_oof(features: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """Out-of-fold P(churn) from the project's xgboost settings, stratified 5-fold (seed 0)."""
    from xgboost import XGBClassifier

    oof = np.zeros(len(churned))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(features, churned):
        model = XGBClassifier(**XGB_PARAMS).fit(features[train], churned[train])
        oof[test] = model.predict_proba(features[test])[:, 1]
    return oof


def aucs(churned: np.ndarray, score: np.ndarray, one_time: np.ndarray) -> tuple[float, float, float]:
    """AUC overall, within one-time buyers and within repeat buyers."""
    return (
        float(roc_auc_score(churned, score)),
        float(roc_auc_score(churned[one_time], score[one_time])),
        float(roc_auc_score(churned[~one_time], score[~one_time])),
    )


def frequency_shares(x: np.ndarray) -> list[float]:
    """Shares of customers with 0, 1, 2, 3-4 and 5+ repeat purchases in calibration."""
    return [float(np.mean(b)) for b in ((x == 0), (x == 1), (x == 2), (x >= 3) & (x <= 4), (x >= 5))]


def main() -> None:
    """Fit, simulate and print the real-versus-simulated comparison and the ceiling."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--learner-cohorts", type=int, default=3, help="cohorts xgboost is cross-validated on"
    )
    args = parser.parse_args()
    started = time.time()

    transactions = load_cdnow("master")
    cal = rfm_summary(transactions, CAL_END, OBS_END)
    full = rfm_summary(transactions, OBS_END).reindex(cal.index)
    x, t, T = (cal[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    churned = (cal["frequency_holdout"] == 0).to_numpy(dtype=int)
    one_time = x == 0
    real_xgb = aucs(churned, xgboost_oof(learner_features(x, t, T), churned), one_time)
    print(f"CDNOW master: {len(x):,} customers, T {T.min():.1f}-{T.max():.1f} weeks")
    print(
        f"real: one-time share {one_time.mean():.3f}, churn {churned.mean():.3f} "
        f"(one-time {churned[one_time].mean():.3f}, repeat {churned[~one_time].mean():.3f}), "
        "repeat-purchase shares 0/1/2/3-4/5+ " + " ".join(f"{v:.3f}" for v in frequency_shares(x))
    )
    print(
        "real: xgboost on (x, t_x, T) out-of-fold AUC {:.4f} (one-time {:.4f}, repeat {:.4f})".format(
            *real_xgb
        )
    )

    fits = {
        "BG/NBD, calibration fit": (1, cal),
        "2-segment BG/NBD, calibration fit": (2, cal),
        "BG/NBD, 78-week fit": (1, full),
        "2-segment BG/NBD, 78-week fit": (2, full),
    }
    results: dict[str, dict[str, float]] = {}
    for number, (name, (k, data)) in enumerate(fits.items()):
        vector, log_lik = fit_mixture(
            k, *(data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        )
        params, weights = unpack(vector, k)
        segments = "; ".join(
            f"w={w:.3f} r={p[0]:.3f} alpha={p[1]:.3f} a={p[2]:.3f} b={p[3]:.3f}"
            for p, w in zip(params, weights, strict=True)
        )
        real_bayes = aucs(churned, p_zero(vector, k, x, t, T), one_time)
        rng = np.random.default_rng([args.seed, number])
        rows, learned = [], []
        for cohort in range(args.cohorts):
            sx, st, sy, oracle = simulate(vector, k, T, rng)
            s_one = sx == 0
            bayes = aucs(sy, p_zero(vector, k, sx, st, T), s_one)
            rows.append(
                [s_one.mean(), sy.mean(), sy[s_one].mean(), sy[~s_one].mean(), *bayes]
                + [roc_auc_score(sy, oracle), *frequency_shares(sx)]
            )
            if cohort < args.learner_cohorts:
                learned.append([*aucs(sy, xgboost_oof(learner_features(sx, st, T), sy), s_one), bayes[0]])
        mean, sd = np.mean(rows, axis=0), np.std(rows, axis=0)
        xgb = np.mean(learned, axis=0)
        print(f"\n{name}: log-likelihood {log_lik:.1f}; {segments}")
        print(
            "  its P(no purchase) on the real customers: AUC {:.4f} (one-time {:.4f}, repeat {:.4f})".format(
                *real_bayes
            )
        )
        print(
            f"  simulated ({args.cohorts} cohorts): one-time share {mean[0]:.3f}, churn {mean[1]:.3f} "
            f"(one-time {mean[2]:.3f}, repeat {mean[3]:.3f}), repeat-purchase shares "
            + " ".join(f"{v:.3f}" for v in mean[8:])
        )
        print(
            f"  simulated: Bayes AUC {mean[4]:.4f} ± {sd[4]:.4f} (one-time {mean[5]:.4f}, repeat {mean[6]:.4f}); "
            f"oracle AUC {mean[7]:.4f} ± {sd[7]:.4f}"
        )
        print(
            f"  simulated: xgboost on (x, t_x, T) AUC {xgb[0]:.4f} (one-time {xgb[1]:.4f}, repeat {xgb[2]:.4f}) "
            f"vs Bayes {xgb[3]:.4f} on the same {len(learned)} cohorts"
        )
        results[name] = {"bayes": float(mean[4]), "bayes_sd": float(sd[4]), "oracle": float(mean[7])}
        results[name].update(sim_xgb=float(xgb[0]), churn=float(mean[1]))
    # The 78-week two-segment fit is the one that reproduces the real churn rate and learner AUC (see docs).
    best = results["2-segment BG/NBD, 78-week fit"]
    highest = max(r["bayes"] for r in results.values())
    print(f"\nhighest Bayes AUC of any fitted model {highest:.4f}; runtime {time.time() - started:.0f} s")
    print(
        f"bayes_auc_ceiling={best['bayes']:.4f} bayes_auc_sd={best['bayes_sd']:.4f} oracle_auc={best['oracle']:.4f} "
        f"sim_xgb_auc={best['sim_xgb']:.4f} real_xgb_auc={real_xgb[0]:.4f}"
    )


if __name__ == "__main__":
    main()
