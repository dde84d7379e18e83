"""Workers starting together on an empty var folder all read the same, whole key."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from settings import Settings
from warehouse.crypto import read_keys


def _start_together(
    settings: Settings, workers: int
) -> tuple[set[tuple[tuple[str, ...], bytes]], list[BaseException]]:
    """``workers`` threads reading (and so creating) the key files at the same moment: what each read."""
    start = threading.Barrier(workers)
    seen: list[tuple[tuple[str, ...], bytes]] = []
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            keys, hash_key = read_keys(settings)
            seen.append((tuple(keys), hash_key))
        except BaseException as e:  # noqa: BLE001 - the test reports it
            failures.append(e)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return set(seen), failures


def test_workers_creating_the_key_files_at_once_all_read_the_same_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("C360_PII_KEYS", raising=False)  # the embedded kind: key files under var_dir
    monkeypatch.delenv("C360_PII_HASH_KEY", raising=False)
    for attempt in range(20):
        var_dir = tmp_path / f"var{attempt}"
        seen, failures = _start_together(Settings(_env_file=None, var_dir=var_dir), 12)  # type: ignore[call-arg]
        assert failures == [], (attempt, failures)
        assert len(seen) == 1, (attempt, seen)
        keys, hash_key = next(iter(seen))
        assert keys and hash_key, attempt
        assert sorted(p.name for p in var_dir.iterdir()) == ["pii-hash-key", "pii-keys"]  # no temp file left
