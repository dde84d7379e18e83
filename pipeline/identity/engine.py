"""The matching engine: Splink (DuckDB backend, or Spark) Fellegi–Sunter scoring plus deterministic rules.

Flow: standardise -> derive key columns -> train without labels (prior from near-certain
rules, u by random sampling, m by EM on two blocked samples) -> predict blocked pairs ->
add deterministic pairs (same source id / e-mail / phone) -> connected components.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.exceptions import EMTrainingException

from pipeline.identity.business import is_business_set
from pipeline.identity.clustering import Compatible, cluster_ids, constrained_cluster_ids
from pipeline.identity.errors import FieldMapError, MatchingError
from pipeline.identity.fields import RECORD_ID, FieldMap
from pipeline.identity.keys import with_keys
from pipeline.identity.model import CONFLICT_COLUMNS, DETERMINISTIC_FIELDS, KEY_COLUMNS, model_spec
from pipeline.identity.params import ModelParams
from pipeline.identity.prepare import record_ids, standardise_columns
from pipeline.identity.typos import compatible

logger = logging.getLogger(__name__)

UID = "unique_id"
RULE_RANK = 1e6  # rank weight added to deterministic pairs: they merge before any model pair
PAIR_COLUMNS = ["record_id_l", "record_id_r", "match_probability", "match_weight", "match_key"]


@dataclass(frozen=True)
class MatchSettings:
    """Tuning knobs; the defaults are the ones measured in docs/identity.md."""

    threshold: float = 0.9
    """Pairs at or above this match probability join clusters."""
    pair_threshold: float = 0.5
    """Pairs at or above this probability are returned in ``Resolution.pairs``."""
    region: str | None = None
    """ISO country of phone numbers written without a country code (``US``, ``GB``). No default:
    phones are refused (``RegionError``) until the settings say which country they come from."""
    day_first: bool = True
    """Read ``01/02/1990`` as 1 February."""
    max_shared: int = 10
    """E-mail/phone/source-id values held by more records are not identifying (no forced match)."""
    conflict_override: float | None = 20.0
    """Model weight (bits) per conflicting identifier at which a pair still merges two clusters whose
    phones, web domains or postcodes differ by more than a slip: the difference is a penalty, not a
    wall. ``None``: never merge across a conflict."""
    u_max_pairs: float = 1e6
    em_max_pairs: float = 1e6
    prior_recall: float = 0.7
    seed: int = 42
    threads: int | None = None
    """DuckDB threads while training; ``None`` lets DuckDB use every core."""
    predict_threads: int | None = None
    """DuckDB threads while scoring pairs; ``None``: every core. Each pair's score is computed on its own and
    the pairs come back ordered by record, so the result does not depend on how many threads scored them."""
    backend: str = "duckdb"
    """Where Splink trains and scores: ``duckdb`` (in process) or ``spark`` (``spark_master``; needs pyspark).
    The deterministic rules and the clustering run in process either way."""
    spark_master: str = "local[2]"
    """Spark master URL for the ``spark`` backend: ``local[N]`` or a cluster's."""


@dataclass(frozen=True)
class Resolution:
    """Result of ``dedupe``/``link``.

    ``clusters`` has one row per input record: ``dataset`` (link only: ``a`` or ``b``),
    ``record_id`` and ``cluster_id`` (the input position of the cluster's first record,
    counting dataset A before B). ``pairs`` lists scored pairs at or above
    ``pair_threshold``; deterministic pairs have probability 1 and ``match_key`` ``rule:<field>``.
    """

    clusters: pd.DataFrame
    pairs: pd.DataFrame
    seconds: float
    model: ModelParams | None = None
    """The trained model (Splink's settings JSON with m/u); ``GoldenIndex`` scores single records with it."""
    identifiers: pd.DataFrame | None = None
    """Business sets: per record id (index) the standardised phone key, web domain and postcode (conflict checks)."""


def _conflict_keys(
    combined: pd.DataFrame, persons: npt.NDArray[np.bool_] | None
) -> tuple[list[npt.NDArray[np.int64]], Compatible]:
    """Codes (``-1`` = missing) of the fields two different businesses never share, and which differ by a slip.

    Person records (``persons``) carry none: a person's differing phone or postcode is evidence in the
    person model, never a reason to keep clusters apart.
    """
    columns = [col for col in CONFLICT_COLUMNS if col in combined.columns]
    codes: list[npt.NDArray[np.int64]] = []
    values: list[list[str]] = []
    for col in columns:
        code, uniques = pd.factorize(combined[col])
        code = code.astype(np.int64)
        if persons is not None:
            code[persons] = -1
        codes.append(code)
        values.append([str(v) for v in uniques])

    known: dict[tuple[int, int, int], bool] = {}  # the clustering asks of the same two values many times

    def check(field: int, a: int, b: int) -> bool:
        pair = (field, a, b) if a < b else (field, b, a)  # compatible() is symmetric
        if pair not in known:
            known[pair] = compatible(columns[field], values[field][a], values[field][b])
        return known[pair]

    return codes, check


def _person_records(combined: pd.DataFrame, present: frozenset[str]) -> npt.NDArray[np.bool_] | None:
    """In a set of businesses and persons, the records without a business name (scored by the person model).

    ``None`` when the set has only one kind: no business name mapped, no personal name mapped, or
    every record (or none) has a business name.
    """
    if "business_name" not in present or not {"given_name", "family_name"} & present:
        return None
    persons: npt.NDArray[np.bool_] = combined["business_name"].isna().to_numpy(np.bool_)
    if persons.all() or not persons.any():
        return None
    return persons


def _deterministic_pairs(con: duckdb.DuckDBPyConnection, table: str, link: bool) -> pd.DataFrame:
    """Pairs sharing an identifying key (one row per pair; first rule in priority order wins), ordered by record."""
    parts: list[str] = []
    columns = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    for field in DETERMINISTIC_FIELDS:
        key = KEY_COLUMNS[field]
        if key not in columns:
            continue
        side = "l.side = 'a' and r.side = 'b'" if link else f"l.{UID} < r.{UID}"
        parts.append(
            f"select l.{UID} as uid_l, r.{UID} as uid_r, 'rule:{field}' as match_key, {len(parts)} as prio "  # nosec B608
            f"from {table} l join {table} r on l.{key} = r.{key} and {side}"
        )
    if not parts:
        return pd.DataFrame({"uid_l": [], "uid_r": [], "match_key": []})
    sql = (
        "select uid_l, uid_r, arg_min(match_key, prio) as match_key from ("  # built from the fixed rules above  # nosec B608
        + " union all ".join(parts)
        + ") group by uid_l, uid_r order by uid_l, uid_r"
    )
    return con.execute(sql).df()


def _train(
    con: duckdb.DuckDBPyConnection,
    tables: list[pd.DataFrame],
    present: frozenset[str],
    cfg: MatchSettings,
    prefix: str = "",
) -> Linker:
    """Train the Fellegi–Sunter model without labels: prior from near-certain rules, u by sampling, m by EM."""
    spec = model_spec(present)
    db_api = _db_api(con, cfg)
    names = [prefix + n for n in (["a", "b"] if len(tables) == 2 else ["records"])]
    sdfs = [db_api.register(t, dataset_display_name=n) for t, n in zip(tables, names, strict=True)]
    settings = SettingsCreator(
        link_type="link_only" if len(tables) == 2 else "dedupe_only",
        unique_id_column_name=UID,
        comparisons=list(spec.comparisons),
        blocking_rules_to_generate_predictions=list(spec.blocking_rules),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdfs if len(sdfs) == 2 else sdfs[0], settings, log_level=None)
    tick = time.perf_counter()
    default_prior = linker._settings_obj._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(
            list(spec.prior_rules), recall=cfg.prior_recall
        )
    except ValueError as e:  # tiny inputs: the rules find more than recall allows
        logger.info("prior not estimated (%s); keeping Splink's default", e)
    if not 0 < linker._settings_obj._probability_two_random_records_match < 1:
        logger.info("no near-certain pair found; keeping Splink's default prior %g", default_prior)
        linker._settings_obj._probability_two_random_records_match = default_prior
    tick = _lap("prior", tick)
    linker.training.estimate_u_using_random_sampling(max_pairs=cfg.u_max_pairs, seed=cfg.seed)
    tick = _lap("u by random sampling", tick)
    for rule in spec.em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=cfg.em_max_pairs
            )
        except EMTrainingException as e:  # a small input may have no pair under this rule
            logger.warning("EM session skipped, its m values keep their defaults: %s", str(e).splitlines()[0])
        except ValueError as e:  # EM drove an m value to underflow: that session's estimates are unusable
            logger.warning(
                "EM session dropped, its m values keep earlier estimates: %s", str(e).splitlines()[0]
            )
    _lap("m by EM", tick)
    if logger.isEnabledFor(logging.DEBUG):
        for comparison in linker._settings_obj.comparisons:
            for level in comparison.comparison_levels:
                if not level.is_null_level:
                    logger.debug(
                        "%s | %s: m=%s u=%s", comparison.output_column_name, level.label_for_charts,
                        level.m_probability, level.u_probability,
                    )  # fmt: skip
    return linker


def _db_api(con: duckdb.DuckDBPyConnection, cfg: MatchSettings) -> Any:
    """Splink's database API for ``cfg.backend``: DuckDB on ``con``, or a Spark session."""
    if cfg.backend == "spark":
        from pipeline.identity.spark import spark_api

        return spark_api(cfg.spark_master)
    if cfg.backend != "duckdb":
        raise MatchingError(f"unknown matching backend {cfg.backend!r}: use duckdb or spark")
    return DuckDBAPI(connection=con)


def _predict(con: duckdb.DuckDBPyConnection, linker: Linker, cfg: MatchSettings) -> pd.DataFrame:
    """Blocked pairs at or above ``pair_threshold`` (or ``threshold`` if lower), ordered by record
    (``uid_l``, ``uid_r``): the clustering breaks ties between equal weights by that order, so it is fixed
    rather than whatever order the database's threads finished in."""
    tick = time.perf_counter()
    predict_at = min(cfg.pair_threshold, cfg.threshold)
    cols = f"{UID}_l as uid_l, {UID}_r as uid_r, match_probability, match_weight, match_key"
    scored: pd.DataFrame
    if cfg.backend == "spark":
        pred = linker.inference.predict(threshold_match_probability=predict_at, warning_mode="never")
        scored = pred.as_spark_dataframe().selectExpr(*cols.split(", ")).toPandas()
        scored = scored.astype({"uid_l": np.int64, "uid_r": np.int64}).sort_values(["uid_l", "uid_r"])
        scored = scored.reset_index(drop=True)
    else:
        _use_threads(con, cfg.predict_threads)
        try:
            pred = linker.inference.predict(threshold_match_probability=predict_at, warning_mode="never")
            table = pred.physical_name  # splink's own table name
            scored = con.execute(f"select {cols} from {table} order by uid_l, uid_r").df()  # nosec B608
        finally:
            _use_threads(con, cfg.threads)
    _lap(f"predict ({len(scored):,} pairs >= {predict_at})", tick)
    return scored


def _use_threads(con: duckdb.DuckDBPyConnection, threads: int | None) -> None:
    """Let DuckDB use ``threads`` threads (``None``: one per core) for what ``con`` runs next."""
    con.execute("reset threads" if threads is None else f"set threads = {int(threads)}")


def _comparable(tables: list[pd.DataFrame]) -> bool:
    """Whether there is at least one pair to compare (two records to dedupe, one on each side to link)."""
    return all(len(t) > 0 for t in tables) if len(tables) == 2 else len(tables[0]) > 1


def _no_pairs() -> pd.DataFrame:
    """Scored pairs when there are none, with their columns and types."""
    return pd.DataFrame(
        {
            "uid_l": pd.Series(dtype=np.int64),
            "uid_r": pd.Series(dtype=np.int64),
            "match_probability": pd.Series(dtype=np.float64),
            "match_weight": pd.Series(dtype=np.float64),
            "match_key": pd.Series(dtype=object),
        }
    )


def _business_pairs(scored: pd.DataFrame, persons: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """Pairs the business model scored that involve a business record (a contact row may join its business)."""
    both = persons[scored["uid_l"].to_numpy(np.int64)] & persons[scored["uid_r"].to_numpy(np.int64)]
    kept: pd.DataFrame = scored[~both]
    return kept


def _person_linker(
    con: duckdb.DuckDBPyConnection,
    combined: pd.DataFrame,
    persons: npt.NDArray[np.bool_],
    present: frozenset[str],
    cfg: MatchSettings,
    trained: ModelParams | None = None,
) -> Linker | None:
    """The person model over the person records: ``trained`` (a saved person model), else trained on them
    alone; ``None`` when there are not two person records to compare."""
    person_present = present - {"business_name", "account_owner"}
    splink_cols = [c for c in combined.columns if c not in (RECORD_ID, "side", "business_name_prefix")]
    mine = combined[persons]
    sides = ["a", "b"] if "b" in set(combined["side"]) else [str(combined["side"].iloc[0])]
    tables = [mine.loc[mine["side"] == n, splink_cols].reset_index(drop=True) for n in sides]
    if not _comparable(tables):
        return None
    logger.info("person model on %d of %d records (no business name)", len(mine), len(combined))
    if trained is not None:
        return _trained_linker(con, tables, trained, cfg, prefix="persons_")
    return _train(con, tables, person_present, cfg, prefix="persons_")


def _rank_rules(rules: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Deterministic pairs (probability 1) with a ``rank_weight`` for the constrained clustering.

    Rule pairs merge before model pairs; among them, the pair the model scores higher merges first,
    so a record holding one customer's e-mail and another customer's phone joins the customer its
    whole record agrees with, whatever order the rules were found in. Unscored rule pairs rank last.
    """
    if rules.empty:
        return rules.assign(
            match_probability=1.0, match_weight=np.inf, rank_weight=RULE_RANK, model_weight=np.nan
        )
    model = scored[["uid_l", "uid_r", "match_weight"]].rename(columns={"match_weight": "model_weight"})
    ranked = rules.merge(model, on=["uid_l", "uid_r"], how="left")
    return ranked.assign(
        match_probability=1.0,
        match_weight=np.inf,
        rank_weight=RULE_RANK
        + ranked["model_weight"].fillna(-RULE_RANK / 2).clip(-RULE_RANK / 2, RULE_RANK / 2),
    )


def _lap(step: str, since: float) -> float:
    now = time.perf_counter()
    logger.info("%s: %.1f s", step, now - since)
    return now


def _prepare(
    frames: list[pd.DataFrame], fields: FieldMap, cfg: MatchSettings, present: frozenset[str]
) -> pd.DataFrame:
    """Standardised records of every frame in one table, with ``unique_id``, ``side`` and the key columns.

    Strings are Arrow-backed (``string[pyarrow]``): DuckDB reads them without a copy.
    """
    names = ["a", "b"] if len(frames) == 2 else ["input"]
    std = [
        standardise_columns(f, fields, region=cfg.region, day_first=cfg.day_first, frame_name=n)
        for f, n in zip(frames, names, strict=True)
    ]
    keep = [c for c in std[0].columns if c in present]
    combined = with_keys(pl.concat([s.select(keep) for s in std]), cfg.max_shared)
    ids = pd.concat([pd.Series(record_ids(f, fields)) for f in frames], ignore_index=True)
    out = pd.DataFrame(
        {
            UID: np.arange(len(ids), dtype=np.int64),
            RECORD_ID: ids.to_numpy(),
            **{c: _to_pandas(combined[c]) for c in combined.columns},
            "side": np.repeat(names, [len(f) for f in frames]),
        }
    )
    return out[[UID, RECORD_ID, *keep, "side", *[c for c in combined.columns if c not in keep]]]


def _to_pandas(column: pl.Series) -> pd.Series | npt.NDArray[np.bool_]:
    """A polars column for the pandas frame Splink reads: strings Arrow-backed, flags as numpy booleans."""
    if column.dtype == pl.Boolean:
        return column.to_numpy()
    arrow = column.to_arrow().cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arrow), copy=False)


def train_model(df: pd.DataFrame, fields: FieldMap, settings: MatchSettings | None = None) -> ModelParams:
    """The trained model ``dedupe`` would use on ``df``, without predicting pairs (for ``GoldenIndex``)."""
    cfg = settings or MatchSettings()
    combined = _prepare([df], fields, cfg, fields.present())
    splink_cols = [c for c in combined.columns if c not in (RECORD_ID, "side")]
    con = duckdb.connect()
    try:
        _use_threads(con, cfg.threads)
        present = fields.present()
        persons = _person_records(combined, present)
        business_present = present if persons is None else present - {"date_of_birth", "national_id"}
        linker = _train(con, [combined[splink_cols]], business_present, cfg)
        model = ModelParams.from_splink(linker.misc.save_model_to_json())
        person = None if persons is None else _person_linker(con, combined, persons, present, cfg)
        return model.with_person(
            None if person is None else ModelParams.from_splink(person.misc.save_model_to_json())
        )
    except (duckdb.Error, RuntimeError) as e:
        raise MatchingError(f"matching failed while training: {e}") from e
    finally:
        con.close()


def _resolve(
    frames: list[pd.DataFrame],
    fields: FieldMap,
    cfg: MatchSettings,
    present: frozenset[str],
    trained: ModelParams | None = None,
) -> Resolution:
    start = time.perf_counter()
    link = len(frames) == 2
    names = ["a", "b"] if link else ["input"]
    combined = _prepare(frames, fields, cfg, present)
    tick = _lap(f"standardised {len(combined):,} records", start)
    splink_cols = [c for c in combined.columns if c not in (RECORD_ID, "side")]
    con = duckdb.connect()
    try:
        _use_threads(con, cfg.threads)
        con.register(
            "prepared_view", combined[[UID, "side", *[k for k in KEY_COLUMNS.values() if k in combined]]]
        )
        con.execute("create table prepared as select * from prepared_view")
        rules = _deterministic_pairs(con, "prepared", link)
        tick = _lap(f"deterministic rules ({len(rules):,} pairs)", tick)
        tables = [combined.loc[combined["side"] == n, splink_cols].reset_index(drop=True) for n in names]
        persons = _person_records(combined, present) if _comparable(tables) else None
        if persons is not None and trained is not None and trained.person is None:
            logger.info("the saved model has no person model: person pairs are scored by its business model")
            persons = None
        if _comparable(tables):
            business_present = present if persons is None else present - {"date_of_birth", "national_id"}
            linker = (
                _train(con, tables, business_present, cfg)
                if trained is None
                else _trained_linker(con, tables, trained, cfg)
            )
            model: ModelParams | None = ModelParams.from_splink(linker.misc.save_model_to_json()).with_person(
                None if trained is None else trained.person
            )
            scored = _predict(con, linker, cfg)
            if persons is not None:  # businesses and persons: each kind by its own model
                person = _person_linker(
                    con, combined, persons, present, cfg, None if trained is None else trained.person
                )
                person_scored = _no_pairs() if person is None else _predict(con, person, cfg)
                scored = pd.concat([_business_pairs(scored, persons), person_scored])
                if person is not None and model is not None:
                    model = model.with_person(ModelParams.from_splink(person.misc.save_model_to_json()))
        else:
            logger.info("no two records to compare: every record is its own cluster, no model trained")
            model, scored = trained, _no_pairs()
    except (duckdb.Error, RuntimeError) as e:
        raise MatchingError(f"matching failed while training or scoring: {e}") from e
    finally:
        con.close()
        if cfg.backend == "spark":
            from pipeline.identity.spark import release_cached

            release_cached()
    rules = _rank_rules(rules, scored)
    scored = scored.assign(rank_weight=scored["match_weight"], model_weight=scored["match_weight"])
    pairs = pd.concat([rules, scored], ignore_index=True)
    pairs = pairs.sort_values("match_probability", ascending=False, kind="stable").drop_duplicates(
        ["uid_l", "uid_r"]
    )
    edges = pairs[pairs["match_probability"] >= cfg.threshold]
    ends = edges["uid_l"].to_numpy(np.int64), edges["uid_r"].to_numpy(np.int64)
    if is_business_set(present) or persons is not None:
        weight = edges["rank_weight"].to_numpy(np.float64)
        keys, check = _conflict_keys(combined, persons)
        evidence = edges["model_weight"].to_numpy(np.float64)
        cluster = constrained_cluster_ids(
            len(combined), *ends, weight, keys, check, evidence, cfg.conflict_override
        )
    else:
        cluster = cluster_ids(len(combined), *ends)
    clusters = pd.DataFrame({RECORD_ID: combined[RECORD_ID].to_numpy(), "cluster_id": cluster})
    ids = combined[RECORD_ID].to_numpy()
    uid_l = pairs["uid_l"].to_numpy(np.int64)
    uid_r = pairs["uid_r"].to_numpy(np.int64)
    out_pairs = pd.DataFrame({"record_id_l": ids[uid_l], "record_id_r": ids[uid_r]})
    if link:
        clusters.insert(0, "dataset", combined["side"].to_numpy())
        out_pairs.insert(0, "dataset_l", combined["side"].to_numpy()[uid_l])
        out_pairs.insert(2, "dataset_r", combined["side"].to_numpy()[uid_r])
    for col in ("match_probability", "match_weight", "match_key"):
        out_pairs[col] = pairs[col].to_numpy()
    seconds = time.perf_counter() - start
    logger.info(
        "resolved %d records into %d clusters from %d pairs in %.1f s",
        len(clusters), clusters["cluster_id"].nunique(), len(edges), seconds,
    )  # fmt: skip
    identifiers = None
    if (is_business_set(present) or persons is not None) and not link:
        identifiers = combined.set_index(RECORD_ID)[[c for c in CONFLICT_COLUMNS if c in combined.columns]]
    return Resolution(
        clusters=clusters,
        pairs=out_pairs.reset_index(drop=True),
        seconds=seconds,
        model=model,
        identifiers=identifiers,
    )


def dedupe(
    df: pd.DataFrame,
    fields: FieldMap,
    settings: MatchSettings | None = None,
    model: ModelParams | None = None,
) -> Resolution:
    """Find records of one frame that describe the same person or business.

    With ``model`` (an earlier ``Resolution.model``) the records are scored by that model instead of
    training a new one, so the same pairs get the same scores batch after batch; in a set of businesses
    and persons, pairs of two person records by its person model.
    """
    return _resolve([df], fields, settings or MatchSettings(), fields.present(), model)


def _trained_linker(
    con: duckdb.DuckDBPyConnection,
    tables: list[pd.DataFrame],
    model: ModelParams,
    cfg: MatchSettings,
    prefix: str = "",
) -> Linker:
    """A linker that scores with ``model``'s saved parameters (no training)."""
    db_api = _db_api(con, cfg)
    names = [prefix + n for n in (["a", "b"] if len(tables) == 2 else ["records"])]
    sdfs = [db_api.register(t, dataset_display_name=n) for t, n in zip(tables, names, strict=True)]
    settings = dict(model.splink)
    if settings.get("sql_dialect", "duckdb") != cfg.backend:  # trained on the other backend
        from pipeline.identity.spark import settings_for

        settings = settings_for(settings, cfg.backend)
    return Linker(sdfs if len(sdfs) == 2 else sdfs[0], settings, log_level=None)


def link(
    df_a: pd.DataFrame,
    df_b: pd.DataFrame,
    fields: FieldMap,
    settings: MatchSettings | None = None,
    fields_b: FieldMap | None = None,
) -> Resolution:
    """Find records of ``df_b`` that describe the same entity as records of ``df_a`` (no dedupe within).

    ``fields_b`` maps B's columns when they differ from A's; only fields both sides have are compared.
    """
    fields_b = fields_b or fields
    present = fields.present() & fields_b.present()
    if not present:
        raise FieldMapError("the two field maps share no identity field; nothing to compare")
    dropped = (fields.present() | fields_b.present()) - present
    if dropped:
        logger.warning("fields only one side has are ignored: %s", sorted(dropped))
    if fields_b is not fields:
        return _resolve_two(df_a, df_b, fields, fields_b, settings or MatchSettings(), present)
    return _resolve([df_a, df_b], fields, settings or MatchSettings(), present)


def _resolve_two(
    df_a: pd.DataFrame,
    df_b: pd.DataFrame,
    fa: FieldMap,
    fb: FieldMap,
    cfg: MatchSettings,
    present: frozenset[str],
) -> Resolution:
    """Rename B's columns onto A's names so one field map describes both, then resolve."""
    fb_map = fb.mapped()
    renames = {fb_map[f]: f"__b_{f}" for f in present}
    fa_map = fa.mapped()
    a = df_a.rename(columns={fa_map[f]: f"__b_{f}" for f in present})
    if fa.record_id is not None:
        a = a.assign(__rid=df_a[fa.record_id].to_numpy())
    b = df_b.rename(columns=renames)
    if fb.record_id is not None:
        b = b.assign(__rid=df_b[fb.record_id].to_numpy())
    country = None
    if fa.country is not None or fb.country is not None:  # a side without one is read for the region
        country = "__country"
        a = a.assign(__country=df_a[fa.country].to_numpy() if fa.country is not None else None)
        b = b.assign(__country=df_b[fb.country].to_numpy() if fb.country is not None else None)
    rid = "__rid" if fa.record_id is not None or fb.record_id is not None else None
    if rid is not None:
        a = a if "__rid" in a else a.assign(__rid=np.arange(len(a)))
        b = b if "__rid" in b else b.assign(__rid=np.arange(len(b)))
    common = FieldMap(record_id=rid, country=country, **{f: f"__b_{f}" for f in present})
    return _resolve([a, b], common, cfg, present)
