"""Invariants of money that goes back, over generated multi-month ledgers (hypothesis).

Each example is a real workspace: 3 to 6 months are ingested, settled and closed one after the
other, and between closes the ledger takes random late events into closed months, back-dated
contract amendments that raise or lower a rate, and withdrawn batches. After every close
`audit verify` passes; at the end, for every payee, everything paid plus the closing balance
equals everything earned net; for every brand, invoices minus credit notes equal its brand_due;
and no statement has a negative payable.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from ledger import audit
from ledger.imports import import_contracts, import_parties
from ledger.ingest.batch import ingest_file
from ledger.ingest.void import void_batch
from ledger.journal import load_entries
from ledger.settlement import service
from ledger.settlement.documents import brand_documents_of
from ledger.storage.db import reading
from ledger.storage.tables import BatchRow, ContractSettlementRow, StatementRow
from ledger.workspace import Workspace
from tests import shared

PARTIES = """
    [[agencies]]
    id = "ag"
    name = "Agency"
    currency = "EUR"
    commission = "0.20"
    min_payout = "AGENCY_MIN"

    [[talents]]
    id = "t1"
    name = "Talent One"
    agency = "ag"
    payout_currency = "EUR"
    withholding_rate = "WITHHOLDING"
    min_payout = "TALENT_MIN"

    [[talents]]
    id = "t2"
    name = "Talent Two"
    payout_currency = "EUR"

    [[brands]]
    id = "b1"
    name = "Brand One"
    currency = "EUR"

    [[brands]]
    id = "b2"
    name = "Brand Two"
    currency = "EUR"

    [[twins]]
    id = "w1"
    talent = "t1"

    [[twins]]
    id = "w2"
    talent = "t2"
"""

CONTRACT = """
    id = "{id}"
    brand = "{brand}"
    twin = "{twin}"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["WORLD"]
    channels = ["*"]

    [[rates]]
    metric = "publications"
    price = "{price}"
{amendments}"""

AMENDMENT = """
    [[amendments]]
    effective = 2026-{month:02d}-01
    [[amendments.rates]]
    metric = "publications"
    price = "{price}"
"""

CONTRACTS = {"K1": ("b1", "w1"), "K2": ("b2", "w2"), "K3": ("b1", "w2")}
HEADER = shared.HEADER

prices = st.sampled_from(["10.00", "25.50", "40.00", "99.99", "120.00", "7.33"])


@st.composite
def plans(draw: st.DrawFn, months: int) -> dict:
    steps = []
    for month in range(1, months + 1):
        actions = [("usage", draw(st.lists(st.integers(0, 4), min_size=3, max_size=3)))]
        if month > 1:
            for _ in range(draw(st.integers(0, 2))):
                kind = draw(st.sampled_from(["late", "amend", "void"]))
                if kind == "late":
                    actions.append(("late", draw(st.integers(1, month - 1)),
                                    draw(st.sampled_from(sorted(CONTRACTS))),
                                    draw(st.integers(1, 3))))  # fmt: skip
                elif kind == "amend":
                    actions.append(("amend", draw(st.sampled_from(sorted(CONTRACTS))),
                                    draw(st.integers(1, month)), draw(prices)))  # fmt: skip
                else:
                    actions.append(("void", draw(st.integers(0, 50))))
        steps.append(actions)
    return {
        "prices": {k: draw(prices) for k in CONTRACTS},
        "agency_min": draw(st.sampled_from(["0", "50.00"])),
        "talent_min": draw(st.sampled_from(["0", "100.00"])),
        "withholding": draw(st.sampled_from(["0", "0.10", "0.25"])),
        "steps": steps,
    }


_TEMPLATES: dict[tuple[str, str, str], Path] = {}


def _empty_books(key: tuple[str, str, str]) -> Path:
    """A workspace holding only the parties of ``key`` (agency minimum, talent minimum,
    withholding), made once per test process and copied for each generated ledger."""
    if key not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix="negative-books-"))
        workspace = Workspace.init(root / "ws")
        agency_min, talent_min, withholding = key
        parties = (
            PARTIES.replace("AGENCY_MIN", agency_min)
            .replace("TALENT_MIN", talent_min)
            .replace("WITHHOLDING", withholding)
        )
        path = root / "parties.toml"
        path.write_text(textwrap.dedent(parties).lstrip(), encoding="utf-8")
        import_parties(workspace, path)
        workspace.engine.dispose()
        _TEMPLATES[key] = root / "ws"
    return _TEMPLATES[key]


class Ledger:
    def __init__(self, root: Path, plan: dict) -> None:
        self.files = root / "in"
        self.files.mkdir(parents=True)
        key = (plan["agency_min"], plan["talent_min"], plan["withholding"])
        shutil.copytree(_empty_books(key), root / "ws")  # a workspace moves and copies whole
        self.workspace = Workspace.open(root / "ws")
        self.amendments: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.prices = dict(plan["prices"])
        self.events = 0
        for contract in CONTRACTS:
            import_contracts(self.workspace, self.contract_file(contract))

    def write(self, name: str, text: str) -> Path:
        path = self.files / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def contract_file(self, contract: str) -> Path:
        brand, twin = CONTRACTS[contract]
        amendments = "".join(
            AMENDMENT.format(month=m, price=p) for m, p in sorted(self.amendments[contract])
        )
        text = CONTRACT.format(
            id=contract, brand=brand, twin=twin, price=self.prices[contract], amendments=amendments
        )
        return self.write(f"{contract}.toml", text)

    def ingest(self, month: int, counts: dict[str, int]) -> None:
        for brand in ("b1", "b2"):
            rows = [HEADER]
            for contract, count in counts.items():
                if CONTRACTS[contract][0] != brand:
                    continue
                twin = CONTRACTS[contract][1]
                for _ in range(count):
                    self.events += 1
                    day = self.events % 27 + 1
                    rows.append(
                        f"e{self.events},2026-{month:02d}-{day:02d}T12:00:00Z,publication,{twin},"
                        "a1,social,SE,still,,true"
                    )
            if len(rows) > 1:
                path = self.write(f"log{self.events}-{brand}.csv", "\n".join(rows) + "\n")
                ingest_file(self.workspace, path, brand)

    def amend(self, contract: str, month: int, price: str) -> None:
        """A new price from the start of ``month`` (the whole term from January)."""
        if month == 1:
            self.prices[contract] = price
        else:  # one amendment per month, the newest wins
            kept = [(m, p) for m, p in self.amendments[contract] if m != month]
            self.amendments[contract] = [*kept, (month, price)]
        import_contracts(self.workspace, self.contract_file(contract), amend=True)

    def void(self, pick: int) -> None:
        with reading(self.workspace.engine) as session:
            live = session.exec(
                select(BatchRow.id)
                .where(BatchRow.status == "committed")
                .order_by(col(BatchRow.created_at), col(BatchRow.id))
            ).all()
        if live:
            void_batch(self.workspace, live[pick % len(live)], "sent under the wrong brand", "qa")

    def close(self, period: str) -> None:
        service.run(self.workspace, period)
        service.close(self.workspace, period)
        result = audit.verify(self.workspace)
        assert result["ok"], result["problems"]


def _sums(workspace: Workspace) -> tuple[dict, dict, dict, list[dict]]:
    """Net earned per payee account, paid + balance per payee account, brand_due per brand, and
    every statement document."""
    with reading(workspace.engine) as session:
        rows = list(session.exec(select(ContractSettlementRow)))
        docs = [json.loads(r.document) for r in session.exec(select(StatementRow))]
        entries = load_entries(session)
    paid_plus_balance: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        for p in entry.postings:
            # a payout debits the payable (paid); a settlement credits it (owed): paid + what is
            # still owed = every credit to the account
            if entry.kind == "payout":
                paid_plus_balance[p.account] += p.amount
            paid_plus_balance[p.account] -= p.amount
    earned: dict[str, Decimal] = defaultdict(Decimal)
    due: dict[str, Decimal] = defaultdict(Decimal)
    talent_of = {"K1": "t1", "K2": "t2", "K3": "t2"}
    for r in rows:
        earned[f"talent:{talent_of[r.contract]}:payable"] += r.talent_net
        if talent_of[r.contract] == "t1":
            earned["agency:ag:payable"] += r.commission
        due[CONTRACTS[r.contract][0]] += r.brand_due
    return earned, {a: paid_plus_balance[a] for a in earned}, due, docs


QUICK_EXAMPLES = 4
"""Generated ledgers in the default run: 4 lengths x 4 = 16 ledgers, as four tests so that the
test workers share them."""
EXAMPLES = 25
"""Generated ledgers of the slow trials: 4 lengths x 25 = 100 ledgers."""


@pytest.mark.parametrize("months", [3, 6])  # the slow run below also draws 4 and 5 months
@settings(
    max_examples=QUICK_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_money_that_goes_back_is_conserved(tmp_path_factory, months: int, data) -> None:  # type: ignore[no-untyped-def]
    _conserved(tmp_path_factory, months, data)


@pytest.mark.slow
@pytest.mark.parametrize("months", [3, 4, 5, 6])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_money_that_goes_back_is_conserved_in_a_hundred_ledgers(
    tmp_path_factory, months: int, data
) -> None:  # type: ignore[no-untyped-def]
    _conserved(tmp_path_factory, months, data)


def _conserved(tmp_path_factory: pytest.TempPathFactory, months: int, data: st.DataObject) -> None:
    plan = data.draw(plans(months))
    ledger = Ledger(tmp_path_factory.mktemp("ledger"), plan)
    try:
        for month, actions in enumerate(plan["steps"], start=1):
            for action in actions:
                if action[0] == "usage":
                    ledger.ingest(month, dict(zip(sorted(CONTRACTS), action[1], strict=True)))
                elif action[0] == "late":
                    ledger.ingest(action[1], {action[2]: action[3]})
                elif action[0] == "amend":
                    ledger.amend(action[1], action[2], action[3])
                else:
                    ledger.void(action[1])
            ledger.close(f"2026-{month:02d}")
        earned, paid_plus_balance, due, docs = _sums(ledger.workspace)
        assert paid_plus_balance == earned
        invoiced: dict[str, Decimal] = defaultdict(Decimal)
        for doc in docs:
            kind = doc["party"]["type"]
            if kind in ("talent", "agency"):
                assert Decimal(doc["summary"]["payable"]) >= 0, doc["statement_id"]
                assert Decimal(doc["summary"]["carried_forward"]) == (
                    0 if Decimal(doc["summary"]["payable"]) else Decimal(doc["summary"]["balance"])
                )
            if kind == "brand":
                for document in brand_documents_of(doc):
                    total = Decimal(document["total"])
                    assert total >= 0
                    sign = -1 if document["document"] == "credit_note" else 1
                    invoiced[doc["party"]["id"]] += sign * total
        assert dict(invoiced) == {b: d for b, d in due.items() if d or b in invoiced}
    finally:
        ledger.workspace.engine.dispose()
