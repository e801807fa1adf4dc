"""Signed fixtures for the provenance tests: one AI-generated, one captured, one tampered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from .signing import TestSigner, plain_png, tamper


@dataclass(frozen=True)
class Assets:
    signer: TestSigner
    ai: Path  # valid, declares AI generation
    captured: Path  # valid, declares a digital capture (no AI)
    tampered: Path  # signed declaring AI, then altered: invalid
    unsigned: Path  # no content credentials


@pytest.fixture(scope="module")
def signer() -> TestSigner:
    return TestSigner.create()


@pytest.fixture
def assets(tmp_path: Path, signer: TestSigner) -> Assets:
    folder = tmp_path / "assets"
    folder.mkdir()
    return Assets(
        signer,
        signer.sign_png(folder / "a-ai.png", ai=True, color=(200, 10, 10)),
        signer.sign_png(folder / "a-cap.png", ai=False, color=(10, 200, 10)),
        tamper(signer.sign_png(folder / "a-bad.png", ai=True, color=(10, 10, 200))),
        plain_png(folder / "a-none.png"),
    )
