"""The chart-of-accounts mapping of `journal export --accounts FILE` (docs/accounting.md).

    [accounts]
    "brand:*:receivable" = { number = "1400", name = "Receivables from brands" }
    "talent:*:payable"   = "3300"           # a number alone
    "payouts:due"        = "3310"

A key is a twinledger account or a pattern in which ``*`` stands for one whole component. An
exact key wins over a pattern; among patterns the one with fewer ``*`` wins, then the first in
the file. A journal account that no key matches is an error, and the error lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.refdata.tomlread import Fields, load_toml, unknown_key_message

MAX_RULES = 10_000


@dataclass(frozen=True)
class ChartAccount:
    number: str
    name: str | None = None


@dataclass(frozen=True)
class Rule:
    pattern: tuple[str, ...]
    account: ChartAccount

    def matches(self, account: str) -> bool:
        parts = account.split(":")
        return len(parts) == len(self.pattern) and all(
            want in ("*", got) for want, got in zip(self.pattern, parts, strict=True)
        )

    @property
    def wildcards(self) -> int:
        return self.pattern.count("*")


@dataclass(frozen=True)
class Chart:
    rules: tuple[Rule, ...]

    def lookup(self, account: str) -> ChartAccount | None:
        found = [(rule.wildcards, n, rule) for n, rule in enumerate(self.rules)]
        found = [f for f in found if f[2].matches(account)]
        return min(found, key=lambda f: (f[0], f[1]))[2].account if found else None

    def resolve(self, accounts: Iterable[str], file: Path) -> dict[str, ChartAccount]:
        """Every account's chart entry; refuses (naming them all) when some have none."""
        resolved = {account: self.lookup(account) for account in sorted(set(accounts))}
        missing = [account for account, found in resolved.items() if found is None]
        if missing:
            raise LedgerError(
                f"{file}: no chart account for {len(missing)} journal account(s): "
                + ", ".join(missing)
            )
        return {account: found for account, found in resolved.items() if found is not None}


def load_chart(path: Path) -> Chart:
    """The mapping file, or ``ValidationFailed`` naming the file, key and problem."""
    data, problems = load_toml(path)
    if data is None:
        raise ValidationFailed(problems)
    file = str(path)
    for key in data:
        if key != "accounts":
            problems.append(Problem(file, None, key, unknown_key_message(key, ["accounts"])))
    table = data.get("accounts")
    if not isinstance(table, dict):
        problems.append(Problem(file, None, "accounts", "a table [accounts] is required"))
        raise ValidationFailed(problems)
    if len(table) > MAX_RULES:
        problems.append(Problem(file, None, "accounts", f"at most {MAX_RULES} accounts"))
        raise ValidationFailed(problems)
    rules = []
    for key, value in table.items():
        rule = _rule(file, key, value, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ValidationFailed(problems)
    return Chart(tuple(rules))


def _rule(file: str, key: str, value: object, problems: list[Problem]) -> Rule | None:
    where = f"accounts.{key!r}" if ":" in key else f"accounts.{key}"
    parts = tuple(key.split(":"))
    if not key.strip() or any(not p for p in parts):
        problems.append(Problem(file, where, None, "an account has no empty components"))
        return None
    if isinstance(value, str):
        value = {"number": value}
    if not isinstance(value, dict):
        message = 'must be a number as a string ("1400") or a table {number, name}'
        problems.append(Problem(file, where, None, message))
        return None
    f = Fields(value, problems, file, where)
    before = len(problems)
    f.check_keys(("number",), ("name",))
    number, name = f.text("number"), f.name("name")
    if len(problems) > before or number is None:
        return None
    return Rule(parts, ChartAccount(number.strip(), name))
