"""Folding and the per-country street and state words: the rules identity matching reads as well."""

from __future__ import annotations

from pipeline.quality import standardise


def test_fold_is_text_then_lower_case_without_accents_or_punctuation() -> None:
    assert standardise.fold("  Zoë O'Brien-Smith ") == "zoe obrien smith"
    assert standardise.fold("a\u200bb\x1fc") == "abc"  # what text() removes is gone, not a space
    assert standardise.fold("___") is None


def test_street_and_state_words_are_per_country() -> None:
    assert standardise.street_abbreviations("GB")["road"] == "rd"
    assert standardise.state_abbreviations("AU")["new south wales"] == "nsw"
    assert "new south wales" not in standardise.state_abbreviations("US")
    assert standardise.state_abbreviations(None)["california"] == "ca"
