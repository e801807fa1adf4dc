"""The demo's two months settled and closed on a test workspace (SQLite or PostgreSQL), without
rendering PDFs."""

from __future__ import annotations

import sample_data
from ledger import imports
from ledger.demo import DEMO_PERIODS
from ledger.ingest.batch import ingest_file
from ledger.settlement import service
from sample_data.generate import generate
from tests.conftest import Books


def settle_demo(
    books: Books, periods: tuple[str, ...] = DEMO_PERIODS, imported: bool = False
) -> None:
    """Import the sample data (unless ``imported``), then ingest, settle and close each month."""
    workspace = books.workspace
    if not imported:
        imports.import_parties(workspace, sample_data.PARTIES)
        imports.import_contracts(workspace, sample_data.CONTRACTS)
        imports.import_fx(workspace, sample_data.FX)
    for period in periods:
        for brand, file in generate(books.files / "inbox", period):
            ingest_file(workspace, file, brand)
        service.run(workspace, period)
        service.close(workspace, period)
