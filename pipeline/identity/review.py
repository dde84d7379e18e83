"""Which pairs a data steward should see: alike, kept apart, and genuinely in doubt.

A pair scored at or above ``review_from`` but left in two clusters is in doubt only when

- the two records do not themselves hold different identifiers (phone, company web domain,
  postcode): that conflict is what the clustering is built to trust, and on the demo data no such
  pair was one customer. Pairs sharing an e-mail or phone (``rule:`` pairs) stay in doubt even
  then: agreement and conflict on identifiers is what a steward must weigh; and
- the pair is contested: for one of the two records, it scores within ``margin`` (match weight,
  bits) of that record's best link inside its own cluster, or both records are alone. A record
  firmly held by its own customer (an activity row with the customer's e-mail) is not in doubt
  because it also resembles a same-named business.
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import pandas as pd

from pipeline.identity.typos import compatible

logger = logging.getLogger(__name__)

#: Bits below a record's best in-cluster link that still count as a rival link.
MARGIN: Final = 5.0
REVIEW_COLUMNS: Final = ["record_id_l", "record_id_r", "match_probability", "match_weight", "match_key"]


def review_pairs(
    pairs: pd.DataFrame,
    cluster: dict[object, int] | pd.Series,
    identifiers: pd.DataFrame | None,
    *,
    threshold: float,
    review_from: float,
    margin: float = MARGIN,
) -> pd.DataFrame:
    """Pairs for a steward (``REVIEW_COLUMNS``), highest probability first.

    ``pairs``: the engine's scored pairs (``Resolution.pairs``); ``cluster``: record id -> cluster id;
    ``identifiers``: per record id (index) the identifying columns two businesses never share
    (``None``: no direct-conflict check); ``threshold``: the probability at which pairs join clusters.
    """
    cluster_of = pd.Series(cluster) if not isinstance(cluster, pd.Series) else cluster
    left = pairs["record_id_l"].map(cluster_of)
    right = pairs["record_id_r"].map(cluster_of)
    weight = pairs["match_weight"].astype(float)
    inside = (left == right) & (pairs["match_probability"] >= threshold)
    ends = pd.concat(
        [
            pd.DataFrame({"rid": pairs.loc[inside, "record_id_l"], "w": weight[inside]}),
            pd.DataFrame({"rid": pairs.loc[inside, "record_id_r"], "w": weight[inside]}),
        ]
    )
    best = ends.groupby("rid")["w"].max()
    apart = pairs[(left != right) & (pairs["match_probability"] >= review_from)]
    w = weight[apart.index]
    best_l = apart["record_id_l"].map(best)
    best_r = apart["record_id_r"].map(best)
    contested = (w >= best_l - margin).fillna(False) | (w >= best_r - margin).fillna(False)
    contested |= best_l.isna() & best_r.isna()
    keep = contested.to_numpy(dtype=bool)
    if identifiers is not None and len(apart):
        rule = apart["match_key"].astype(str).str.startswith("rule:").to_numpy()
        keep &= rule | ~_conflicting(apart, identifiers)
    out = apart.loc[keep, REVIEW_COLUMNS].sort_values("match_probability", ascending=False, kind="stable")
    logger.info(
        "%d pairs scored >= %s were kept apart; %d are in doubt and go to review",
        len(apart),
        review_from,
        len(out),
    )
    return out.reset_index(drop=True)


def _conflicting(apart: pd.DataFrame, identifiers: pd.DataFrame) -> np.ndarray:
    """Per pair: do the two records hold values of some identifying column more than a keying slip apart?"""
    result = np.zeros(len(apart), dtype=bool)
    for column in identifiers.columns:
        a = apart["record_id_l"].map(identifiers[column])
        b = apart["record_id_r"].map(identifiers[column])
        differ = ((a != b) & a.notna() & b.notna()).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(differ):
            differ[i] = not compatible(str(column), str(a.iloc[i]), str(b.iloc[i]))
        result |= differ
    return result
