"""House-rule guards: one migration head, models in sync, pure layers, warnings as errors."""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_PURE = ("flask", "flask_", "sqlalchemy", "werkzeug", "alembic", "psycopg")


def test_exactly_one_migration_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migration heads: {heads}"


def test_models_match_the_migrated_schema(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models.search import FTS_OBJECT_PREFIXES

    def include_object(obj, name, type_, reflected, compare_to):
        # The engine-specific full-text structures of migration 0007 are not mapped on purpose.
        return not (name or "").startswith(FTS_OBJECT_PREFIXES)

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _pure_violations(root: Path, package: str, allowed_app_prefix: str | None) -> list[str]:
    problems = []
    for path in sorted((root / package).rglob("*.py")):
        for lineno, module in _imports(path):
            top = module.split(".")[0]
            if top.startswith(FORBIDDEN_IN_PURE) or top in FORBIDDEN_IN_PURE:
                problems.append(f"{path.relative_to(root)}:{lineno} imports {module}")
            elif top == "app" and not (allowed_app_prefix and module.startswith(allowed_app_prefix)):
                problems.append(f"{path.relative_to(root)}:{lineno} imports {module}")
    return problems


@pytest.mark.parametrize("package, allowed", [("app/domain", "app.domain"), ("netdmr_export", None)])
def test_pure_layers_import_no_web_or_database_stack(package, allowed):
    assert _pure_violations(ROOT, package, allowed) == []


def test_purity_check_catches_a_forbidden_import(tmp_path):
    # The guard above must be able to fail: plant modules that break the rule and look.
    (tmp_path / "app" / "domain").mkdir(parents=True)
    (tmp_path / "app" / "domain" / "bad.py").write_text(
        "from flask import request\nimport app.models\nfrom sqlalchemy.orm import Session\n")
    assert len(_pure_violations(tmp_path, "app/domain", "app.domain")) == 3


def test_no_binary_floats_in_the_compliance_path():
    offenders = []
    for package in ("app/domain", "netdmr_export"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_warnings_are_errors():
    with pytest.raises(DeprecationWarning):
        warnings.warn("deprecated", DeprecationWarning)
