"""Blue-green releases run two colours on one schema, so a migration since then only adds (expand): it drops,
renames or narrows nothing the running colour still reads, unless it says why it cannot (``BLUE_GREEN_BREAKS``),
which the operations guide turns into "stop the old colour first"."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.script import ScriptDirectory

from warehouse.migrate import alembic_config

FIRST_BLUE_GREEN = "0014"  # the first revision released with two colours
BREAKING = {"drop_table", "drop_column", "rename_table", "drop_constraint"}


def _breaking_calls(path: Path) -> list[str]:
    """The schema operations in ``upgrade()`` that the previous release could trip over."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade")
    found = []
    for call in ast.walk(upgrade):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        name = call.func.attr
        keywords = {k.arg: k.value for k in call.keywords}
        nullable = keywords.get("nullable")
        narrowed = isinstance(nullable, ast.Constant) and nullable.value is False
        if name in BREAKING or (
            name == "alter_column" and ("new_column_name" in keywords or "type_" in keywords or narrowed)
        ):
            found.append(f"{name} (line {call.lineno})")
    return found


def _declares_break(path: Path) -> bool:
    """Whether the module sets ``BLUE_GREEN_BREAKS`` (the reason it cannot run beside the previous release)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    targets = [t for n in tree.body if isinstance(n, ast.Assign) for t in n.targets]
    targets += [n.target for n in tree.body if isinstance(n, ast.AnnAssign)]
    return any(isinstance(t, ast.Name) and t.id == "BLUE_GREEN_BREAKS" for t in targets)


def test_every_migration_since_blue_green_only_expands_or_says_why_not() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    since = list(scripts.walk_revisions(FIRST_BLUE_GREEN, "head"))
    assert since, "the revisions since blue-green were found"
    offenders = {
        s.revision: calls
        for s in since
        if (calls := _breaking_calls(Path(s.path))) and not _declares_break(Path(s.path))
    }
    assert offenders == {}, (
        "drop, rename or narrow in two releases (expand, then contract), or set BLUE_GREEN_BREAKS"
    )


def test_the_check_sees_a_dropped_column(tmp_path: Path) -> None:
    migration = tmp_path / "m.py"
    migration.write_text(
        "def upgrade():\n    op.drop_column('dim_customer', 'email')\n"
        "    with op.batch_alter_table('t') as b:\n        b.alter_column('x', new_column_name='y')\n"
    )
    assert _breaking_calls(migration) == ["drop_column (line 2)", "alter_column (line 4)"]
    assert not _declares_break(migration)
