"""Audit the pinned dependencies with pip-audit and say plainly how many could be checked.

pip-audit reports "No known vulnerabilities found" even when its vulnerability service could not be reached
and every package was skipped; this wrapper counts the skipped ones and says so.

    python deploy/security/dependency_audit.py [--require]

Exit status: 1 when a vulnerability is found (or, with ``--require``, when any package could not be
audited), else 0. Accepted findings are listed, with the reason, in ``docs/security.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="fail when a package could not be audited")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "-r", str(ROOT / "requirements.txt"),
                   "--progress-spinner", "off", "-f", "json", "-o", str(report)]  # fmt: skip
        subprocess.run(command, check=False, cwd=ROOT)  # noqa: S603 - our own fixed command
        dependencies = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            print(
                f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release'})"
            )
    audited = len(dependencies) - len(skipped)
    print(
        f"dependency audit: {audited} of {len(dependencies)} packages audited, {len(vulnerable)} vulnerable"
    )
    if skipped:
        print(f"NOT AUDITED: {len(skipped)} packages (the vulnerability service was not reachable?), e.g.")
        print(f"  {skipped[0]['skip_reason']}")
    if vulnerable or (args.require and skipped):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
