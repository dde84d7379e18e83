"""Loaders for the public labelled data the evaluations run on (all offline, shipped in packages or `data/`).

Each loader returns a plain pandas object in the shape the model functions take, the same shape the
warehouse marts will hand in later: transactions as `customer_id, date, quantity, amount` rows, a monthly
series with a `DatetimeIndex`, or a labelled text frame.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
AMAZON_SNIPPETS = DATA_DIR / "amazon_review_snippets_ground_truth.txt.gz"
TELCO_TRAIN = DATA_DIR / "telco_churn_train.csv.gz"
MONTHLY = {"wine": DATA_DIR / "wine_monthly.csv.gz", "airline": DATA_DIR / "airline_monthly.csv.gz"}


def load_cdnow(which: str = "sample") -> pd.DataFrame:
    """CDNOW transactions (`sample`: 2,357 customers, `master`: 23,570) as customer_id/date/quantity/amount."""
    from lifetimes.datasets import load_dataset

    if which == "sample":
        raw = load_dataset("CDNOW_sample.txt", header=None, sep=r"\s+")  # lifetimes' packaged file  # nosec B615
        raw.columns = ["master_id", "customer_id", "date", "quantity", "amount"]
    elif which == "master":
        raw = load_dataset("CDNOW_master.txt", header=0, sep=r"\s+")  # lifetimes' packaged file  # nosec B615
        raw.columns = ["customer_id", "date", "quantity", "amount"]
    else:
        raise ValueError(f"load_cdnow: which={which!r} must be 'sample' or 'master'")
    frame = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(int),
            "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "quantity": raw["quantity"].astype(int),
            "amount": raw["amount"].astype(float),
        }
    )
    logger.info("CDNOW %s: %d rows, %d customers", which, len(frame), frame["customer_id"].nunique())
    return frame


def load_telco() -> pd.DataFrame:
    """The 4,930-row Telco-churn-schema sample; `churn` becomes 0/1, blank `totalcharges` become NaN."""
    frame = pd.read_csv(TELCO_TRAIN)
    frame["totalcharges"] = pd.to_numeric(frame["totalcharges"], errors="coerce")
    frame["churn"] = (frame["churn"] == "Yes").astype(int)
    return frame


def load_amazon_snippets() -> pd.DataFrame:
    """VADER's 3,708 Amazon review snippets with the mean of 20 human ratings (−4..+4) as `rating`."""
    rows: list[tuple[str, float, str]] = []
    with gzip.open(AMAZON_SNIPPETS, "rt", encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 3:
                raise ValueError(f"{AMAZON_SNIPPETS.name} line {number}: expected 3 tab-separated fields")
            rows.append((parts[0], float(parts[1]), parts[2]))
    return pd.DataFrame(rows, columns=["id", "rating", "text"])


def load_monthly(name: str) -> pd.Series:
    """A monthly sales series with a month-start `DatetimeIndex`: `wine` (wineind) or `airline`."""
    path = MONTHLY.get(name)
    if path is None:
        raise ValueError(f"load_monthly: name={name!r} must be one of {sorted(MONTHLY)}")
    frame = pd.read_csv(path)
    index = pd.DatetimeIndex(pd.to_datetime(frame["month"], format="%Y-%m"), freq="MS")
    return pd.Series(frame["value"].to_numpy(dtype=float), index=index, name=name)
