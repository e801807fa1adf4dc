"""Fictional sample data: parties, contracts, FX rates and a generator of a month of brand logs."""

from pathlib import Path

ROOT = Path(__file__).parent
PARTIES = ROOT / "parties.toml"
CONSENTS = ROOT / "consents.toml"
CONTRACTS = ROOT / "contracts"
FX = ROOT / "fx.csv"
