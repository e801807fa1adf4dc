from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import report_samples as samples


@pytest.fixture
def talent_doc() -> dict[str, Any]:
    return samples.talent_doc()


@pytest.fixture
def agency_doc() -> dict[str, Any]:
    return samples.agency_doc()


@pytest.fixture
def brand_doc() -> dict[str, Any]:
    return samples.brand_doc()
