"""The layer rule: library modules never import the CLI, the portal or `reports` upward.

Packages follow the data (ingest -> store -> rate -> settle -> journal -> reports). Only the
command line (`ledger/cli/`), the portal (`ledger/portal/`) and the entry point
(`ledger/__main__.py`) sit above the library and may import those layers; the demo
(`ledger/demo.py`) is library code that the CLI prints.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPPER = ("ledger.cli", "ledger.portal", "reports")
ALLOWED = ("ledger/cli/", "ledger/portal/", "ledger/__main__.py")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _upward(module: str) -> bool:
    return any(module == upper or module.startswith(upper + ".") for upper in UPPER)


def test_library_modules_never_import_the_cli_the_portal_or_reports() -> None:
    offenders = []
    for path in sorted((ROOT / "ledger").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ALLOWED):
            continue
        offenders += [f"{relative}:{line} imports {m}" for line, m in _imports(path) if _upward(m)]
    assert offenders == []


def test_reports_never_import_the_cli_or_the_portal() -> None:
    offenders = []
    for path in sorted((ROOT / "reports").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        offenders += [
            f"{relative}:{line} imports {m}"
            for line, m in _imports(path)
            if m.startswith(("ledger.cli", "ledger.portal"))
        ]
    assert offenders == []


def test_the_rule_sees_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from reports import render_statement\n")
    assert [m for _, m in _imports(sample) if _upward(m)] == ["reports"]


CLI_WORDS = re.compile(r"(?<![\w-])--[a-z]|`twinledger ")
# ledger/ingest/ is changing on another line of work; its last such message moves with it.
CLI_WORDS_PENDING = {"ledger/ingest/batch.py"}


def _error_texts(path: Path) -> list[tuple[int, str]]:
    """The string parts of what a module raises and of the ``Problem``s it builds."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    roots: list[ast.AST] = [n.exc for n in ast.walk(tree) if isinstance(n, ast.Raise) and n.exc]
    roots += [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Problem"
    ]
    return [
        (node.lineno, node.value)
        for root in roots
        for node in ast.walk(root)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_library_errors_name_no_command_or_flag() -> None:
    offenders = []
    for path in sorted((ROOT / "ledger").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("ledger/cli/") or relative in CLI_WORDS_PENDING:
            continue
        offenders += [
            f"{relative}:{line}: {text}"
            for line, text in _error_texts(path)
            if CLI_WORDS.search(text)
        ]
    assert offenders == []


def test_the_rule_sees_a_flag_in_an_error(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text('def f(x):\n    raise E(f"{x}: give --amend")\n')
    assert [t for _, t in _error_texts(sample) if CLI_WORDS.search(t)] == [": give --amend"]
