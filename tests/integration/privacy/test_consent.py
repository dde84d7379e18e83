"""Opt-outs: a customer who objects is absent from the action and prospect lists and from exported frames;
the command line records a withdrawal."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import polars as pl

from tests.integration.pipeline.conftest import ROOT
from warehouse.action_queries import ActionScope, all_actions, prospects
from warehouse.engine import Warehouse
from warehouse.privacy import exclude_opted_out, opted_out, record_consent


def test_an_opted_out_customer_is_absent_from_the_contact_lists(built: Warehouse) -> None:
    listed = [r["customer_key"] for r in all_actions(built, ActionScope())]
    prospect = [r["customer_key"] for r in prospects(built)]
    assert listed and prospect
    record_consent(built, listed[0], "profiling", False, "steward", "legitimate_interest", "phone call")
    record_consent(built, prospect[0], "marketing_phone", False, "steward", "consent", "web form")

    after = [r["customer_key"] for r in all_actions(built, ActionScope())]
    assert after == [k for k in listed if k not in (listed[0], prospect[0])]
    assert prospect[0] not in [r["customer_key"] for r in prospects(built)]

    frame = pl.DataFrame({"customer_key": listed, "email": [f"c{k}@example.com" for k in listed]})
    record_consent(built, listed[1], "marketing_email", False, "steward")
    assert listed[1] not in exclude_opted_out(frame, built, "marketing_email")["customer_key"].to_list()
    assert exclude_opted_out(frame.to_pandas(), built, "marketing_email").shape[0] == len(listed) - 1
    assert isinstance(exclude_opted_out(frame.to_pandas(), built, "marketing_email"), pd.DataFrame)
    assert len(exclude_opted_out(frame.to_dicts(), built, "marketing_email")) == len(listed) - 1
    record_consent(
        built, listed[1], "marketing_email", True, "steward"
    )  # consent given again: the latest counts
    assert listed[1] not in opted_out(built, "marketing_email")

    key = listed[2]  # the same through the command line
    env = {**os.environ, "C360_DATABASE_URL": str(built.engine.url.render_as_string(hide_password=False))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "warehouse.privacy",
            "consent",
            str(key),
            "marketing_sms",
            "withdraw",
            "--by",
            "dpo",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"customer {key}: marketing_sms withdrawn" in done.stdout
    assert key in opted_out(built, "marketing_sms")
    refused = subprocess.run(
        [sys.executable, "-m", "warehouse.privacy", "consent", "999999", "marketing_sms", "grant"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "no such golden customer" in refused.stderr
