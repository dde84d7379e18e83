"""Sentiment: the default scorer is the more accurate one on VADER's labelled Amazon snippets."""

from __future__ import annotations

import pytest

from models.datasets import load_amazon_snippets
from models.sentiment import DEFAULT_SCORER, evaluate_scorers, get_scorer, label, score_texts


def test_default_scorer_is_the_more_accurate_on_amazon_snippets() -> None:
    snippets = load_amazon_snippets()
    assert len(snippets) == 3708
    table = evaluate_scorers(snippets["text"], snippets["rating"])
    assert table.index[0] == DEFAULT_SCORER
    assert table.loc[DEFAULT_SCORER, "accuracy"] > table.drop(DEFAULT_SCORER)["accuracy"].max()


@pytest.mark.parametrize("name", ["vader", "textblob"])
def test_scorers_agree_on_obvious_polarity(name: str) -> None:
    scores = score_texts(["I love this, it is excellent.", "Terrible, awful product.", ""], name)
    assert scores[0] > 0 > scores[1] and scores[2] == 0
    assert list(label(scores)) == ["positive", "negative", "neutral"]


def test_unknown_scorer_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown sentiment scorer"):
        get_scorer("nltk")
