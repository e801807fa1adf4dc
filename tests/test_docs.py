"""Docs that cannot rot: every command has help with an example; the README walk-through runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from ledger.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[tuple[str, object]]:
    found = []

    def walk(command: object, path: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found.append((path, command))

    walk(get_command(app), "")
    return found


@pytest.mark.parametrize("name,command", _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_help_with_an_example(name: str, command: object) -> None:
    help_text = getattr(command, "help", None) or ""
    assert len(help_text.split()) >= 4, f"`twinledger {name}` has no help text"
    assert "Example: twinledger" in help_text, f"`twinledger {name}` has no example"


def test_spec_commands_exist() -> None:
    names = {n for n, _ in _commands()}
    for required in [
        "init",
        "parties import",
        "contracts import",
        "contracts validate",
        "contracts list",
        "fx import",
        "ingest",
        "batches list",
        "settle run",
        "settle close",
        "settle status",
        "statements render",
        "statements data",
        "statements verify",
        "exceptions",
        "balances",
        "audit verify",
        "explain",
        "demo",
    ]:
        assert required in names


def _walkthrough() -> list[str]:
    """The shell lines of the README's monthly-settlement walk-through, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A monthly settlement, step by step", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    return lines


@pytest.mark.slow  # thirty-one commands, each a fresh process: minutes
def test_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """The walk-through, pasted as it is into a fresh bash in a checkout after the first set-up
    command: a venv in .venv, nothing on the PATH, no TWINLEDGER_HOME."""
    venv = Path(sys.executable).parent.parent
    (tmp_path / ".venv").symlink_to(venv)
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p).resolve() != venv / "bin"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TWINLEDGER_HOME", "VIRTUAL_ENV")}
    env |= {"PATH": path}
    env.pop("COLUMNS", None)
    lines = _walkthrough()
    assert lines[:2] == ["source .venv/bin/activate", "twinledger init"]
    assert any("settle close" in ln for ln in lines)
    script = "set -e\n" + "\n".join(f"echo '$ {ln}'\n{ln}" for ln in lines) + "\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "ledger verified" in done.stdout
