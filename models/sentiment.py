"""Sentiment scoring of customer text: textblob and VADER behind one interface, the more accurate the default.

Both scorers map text to a polarity in [-1, 1]. `evaluate_scorers` measures them on labelled snippets
(binary polarity accuracy on snippets whose human rating is not neutral, plus correlation with the rating);
`DEFAULT_SCORER` records the winner on VADER's Amazon review snippets, which a unit test re-checks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

Scorer = Callable[[str], float]

#: Winner of `evaluate_scorers` on the Amazon snippets (see docs/models.md for the figures).
DEFAULT_SCORER = "vader"


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_score(text: str) -> float:
    """VADER's normalised compound score in [-1, 1]."""
    return float(_vader().polarity_scores(text)["compound"])


def textblob_score(text: str) -> float:
    """TextBlob's pattern-lexicon polarity in [-1, 1] (works offline; needs no corpora)."""
    from textblob import TextBlob

    return float(TextBlob(text).sentiment.polarity)


SCORERS: dict[str, Scorer] = {"vader": vader_score, "textblob": textblob_score}


def get_scorer(name: str | None = None) -> Scorer:
    """The named scorer, or the default (the more accurate one on the labelled data)."""
    key = name or DEFAULT_SCORER
    if key not in SCORERS:
        raise ValueError(f"unknown sentiment scorer {key!r}; choose one of {sorted(SCORERS)}")
    return SCORERS[key]


def score_texts(texts: Iterable[str], scorer: str | None = None) -> pd.Series:
    """Polarity in [-1, 1] for each text (empty or missing text scores 0)."""
    function = get_scorer(scorer)
    return pd.Series(
        [function(t) if isinstance(t, str) and t else 0.0 for t in texts], name="sentiment", dtype=float
    )


def label(scores: pd.Series, neutral_band: float = 0.05) -> pd.Series:
    """`positive` / `negative` / `neutral` using VADER's documented ±0.05 band."""
    out = np.where(
        scores >= neutral_band, "positive", np.where(scores <= -neutral_band, "negative", "neutral")
    )
    return pd.Series(out, index=scores.index, name="label")


def evaluate_scorers(texts: pd.Series, ratings: pd.Series) -> pd.DataFrame:
    """Per scorer: polarity accuracy on non-neutral ratings, coverage, accuracy when decided, Pearson r.

    A scorer that returns exactly 0 on a snippet makes no polarity call and is counted as wrong (`coverage`
    reports how often it made a call). Rows with rating exactly 0 are excluded from accuracy.
    """
    polar = ratings != 0
    truth = np.sign(ratings[polar].to_numpy())
    rows: dict[str, dict[str, float]] = {}
    for name in SCORERS:
        scores = score_texts(texts, name).set_axis(texts.index)
        predicted = np.sign(scores[polar].to_numpy())
        decided = predicted != 0
        rows[name] = {
            "accuracy": float(np.mean(predicted == truth)),
            "coverage": float(np.mean(decided)),
            "accuracy_when_decided": float(np.mean(predicted[decided] == truth[decided])),
            "pearson_r": float(np.corrcoef(scores, ratings)[0, 1]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("accuracy", ascending=False)
    table.attrs["n_polar"] = int(polar.sum())
    table.attrs["majority_accuracy"] = float(max(np.mean(truth > 0), np.mean(truth < 0)))
    return table
