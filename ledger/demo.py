"""`twinledger demo`: one monthly settlement, end to end, on the bundled sample data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger import imports, statements
from ledger.errors import DemoWorkspaceTaken
from ledger.ingest.batch import ingest_file
from ledger.provenance.consents import import_consents
from ledger.settlement import service
from ledger.workspace import SETTINGS_FILE, Workspace

DEMO_PERIODS = ("2026-09", "2026-10")
DEMO_PERIOD = DEMO_PERIODS[-1]
MARKER = ".twinledger-demo"

Render = Callable[[Workspace, str], list[Path]]


def _fresh(root: Path) -> Workspace:
    root = root.resolve()
    if (root / SETTINGS_FILE).exists():
        if not (root / MARKER).exists():
            raise DemoWorkspaceTaken(f"{root} holds a workspace that the demo did not create")
        shutil.rmtree(root)
    workspace = Workspace.init(root)
    (root / MARKER).write_text("created by `twinledger demo`; safe to delete\n")
    return workspace


def run_demo(root: Path, render: Render) -> dict[str, Any]:
    """Init a fresh workspace, import the sample data, then for each demo month ingest its logs,
    settle it, close it and render every statement with ``render(workspace, period)`` (which
    returns the files written). Returns what happened (the last month's settlement and talent
    positions)."""
    import sample_data
    from sample_data.generate import generate

    workspace = _fresh(root)
    imports.import_parties(workspace, sample_data.PARTIES)
    import_consents(workspace, sample_data.CONSENTS)
    contracts = imports.import_contracts(workspace, sample_data.CONTRACTS)
    imports.import_fx(workspace, sample_data.FX)
    ingested = []
    settled = {}
    files = []
    for period in DEMO_PERIODS:
        for brand, file in generate(workspace.path("inbox"), period):
            result = ingest_file(workspace, file, brand)
            ingested.append({"brand": brand, "file": file.name, **result.as_dict()})
        service.run(workspace, period)
        settled = service.close(workspace, period)
        files += render(workspace, period)
    talents = [
        {"talent": d["party"]["name"], "currency": d["currency"], **d["summary"]}
        for d in statements.documents(workspace, DEMO_PERIOD)
        if d["party"]["type"] == "talent"
    ]
    return {
        "workspace": str(workspace.root),
        "period": DEMO_PERIOD,
        "contracts": contracts.imported,
        "contract_warnings": contracts.warnings,
        "ingested": ingested,
        "settlement": settled,
        "talents": talents,
        "pdfs": [str(f) for f in files],
    }
