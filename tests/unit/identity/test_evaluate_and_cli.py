"""Scoring counts the pairs implied by clusters; the CLI writes a cluster id for every record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.identity.cli import main
from pipeline.identity.clustering import cluster_ids, cluster_pair_count
from pipeline.identity.engine import Resolution
from pipeline.identity.evaluate import score, truth_pairs


def test_cluster_ids_are_first_member_positions() -> None:
    ids = cluster_ids(5, np.array([3, 1]), np.array([4, 3]))
    assert ids.tolist() == [0, 1, 2, 1, 1]
    assert cluster_pair_count(ids) == 3
    side = np.array([False, False, False, True, True])
    assert cluster_pair_count(ids, side) == 2


def test_score_penalises_wrong_merges_by_implied_pairs() -> None:
    clusters = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "cluster_id": [0, 0, 0, 3]})
    res = Resolution(clusters=clusters, pairs=pd.DataFrame(), seconds=1.0)
    truth = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "entity_id": [1, 1, 2, 2]})
    s = score(res, truth)
    assert (s.predicted_pairs, s.correct_pairs, s.true_pairs) == (3, 1, 2)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(0.5)
    assert len(truth_pairs(truth)) == 2


def test_cli_dedupe_writes_every_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    out = tmp_path / "out.csv"
    pd.DataFrame(
        {
            "rec_id": ["r1", "r2", "r3", "r4"],
            "given_name": ["Ann", "ANN", "Bob", "Cy"],
            "surname": ["Lee", "Lee", "Ng", "Wu"],
            "email": ["ann@x.com", "Ann@X.com", "bob@y.com", ""],
        }
    ).to_csv(src, index=False)
    code = main(
        ["dedupe", str(src), "--out", str(out), "--id", "rec_id", "--given-name", "given_name",
         "--family-name", "surname", "--email", "email"]
    )  # fmt: skip
    assert code == 0
    written = pd.read_csv(out)
    assert list(written["rec_id"]) == ["r1", "r2", "r3", "r4"]
    assert written["cluster_id"].notna().all()
    assert written.loc[0, "cluster_id"] == written.loc[1, "cluster_id"] != written.loc[2, "cluster_id"]
    assert "4 records" in capsys.readouterr().out


def test_cli_reports_unknown_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"a": ["x"]}).to_csv(src, index=False)
    assert main(["dedupe", str(src), "--out", str(tmp_path / "o.csv"), "--email", "mail"]) == 2
    assert "mail" in capsys.readouterr().err
