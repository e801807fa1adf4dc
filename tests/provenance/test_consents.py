"""Consent records (SPEC 1.4): `consents import`, and contract import checked against them: a
contract (or an amendment) outside its twin's consent is refused naming the term; inside it
imports; with no consent on file it warns, and strict mode refuses."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Books
from tests.shared import contract, one_talent

DOC = "5d41402abc4b2a76b9719d911017c592" * 2

CONSENT = f"""
    [[consents]]
    id = "liv-2026"
    twin = "w1"
    purpose = "Fashion advertising by brands the agency licenses"
    rate_basis = "per publication and per 1000 impressions"
    start = 2026-01-01
    end = 2026-12-31
    signed_on = 2025-12-15
    document_sha256 = "{DOC}"

    [consents.scope]
    territories = ["SE", "NO", "DK", "FI"]
    channels = ["social", "web"]
    media = ["still", "video"]
    categories = ["general", "apparel"]
"""


def setup(books: Books, consent: str | None = CONSENT) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    if consent is not None:
        books.ok("consents", "import", books.write("consents.toml", consent))


def write(books: Books, text: str) -> Path:
    return books.write("c1.toml", text)


def nordic(**terms: object) -> str:
    base = {"territories": ("SE", "NO"), "channels": ("social",)} | terms
    return contract("C1", "b1", "w1", "EUR", **base)  # type: ignore[arg-type]


def test_a_contract_inside_its_consent_imports_and_names_it(books: Books) -> None:
    setup(books)
    done = books.ok("contracts", "import", write(books, nordic()))
    assert done["imported"] == ["C1"]
    assert done["consents"] == {"C1": ["liv-2026"]}
    assert done["warnings"] == []


def test_a_territory_outside_the_consent_is_refused_naming_it(books: Books) -> None:
    setup(books)
    path = write(books, nordic(territories=("SE", "US")))
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: contract C1: territories: US not covered by consent liv-2026 "
        "(it covers SE, NO, DK, FI)"
    )
    world = write(books, nordic(territories=("WORLD",)))
    assert "territories: WORLD not covered by consent liv-2026" in books.refused(
        "contracts", "import", world
    )
    assert books.ok("contracts", "list")["contracts"] == []


def test_a_channel_outside_the_consent_is_refused_naming_it(books: Books) -> None:
    setup(books)
    path = write(books, nordic(channels=("social", "tv")))
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: contract C1: channels: tv not covered by consent liv-2026 "
        "(it covers social, web)"
    )


def test_a_term_past_the_consent_end_is_refused_naming_the_date(books: Books) -> None:
    setup(books)
    path = write(books, nordic(end="2027-03-31"))
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: contract C1: end: 2027-03-31 is after consent liv-2026 ends (2026-12-31)"
    )


def test_an_amendment_outside_the_consent_is_refused_naming_it(books: Books) -> None:
    setup(books)
    amendment = '\n[[amendments]]\neffective = 2026-07-01\nchannels = ["social", "ooh"]\n'
    path = write(books, nordic() + amendment)
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: contract C1: amendments[1].channels: ooh not covered by consent "
        "liv-2026 (it covers social, web)"
    )
    inside = '\n[[amendments]]\neffective = 2026-07-01\nchannels = ["social", "web"]\n'
    assert books.ok("contracts", "import", write(books, nordic() + inside))["imported"] == ["C1"]


def test_without_a_consent_it_warns_and_strict_mode_refuses(books: Books) -> None:
    setup(books, consent=None)
    path = write(books, nordic())
    checked = books.cli("contracts", "validate", path)
    assert checked.exit_code == 0
    assert checked.stderr.strip() == (
        f"warning: {path}: contract C1: twin w1 has no consent on file; the contract relies on none"
    )
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text() + "\n[provenance]\nrequire_consent = true\n")
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: contract C1: twin: twin w1 has no consent on file; a consent is required"
    )
    books.ok("consents", "import", books.write("consents.toml", CONSENT))
    assert books.ok("contracts", "import", path)["consents"] == {"C1": ["liv-2026"]}


def test_consents_import_is_an_upsert_and_refuses_bad_records(books: Books) -> None:
    setup(books, consent=None)
    path = books.write("consents.toml", CONSENT)
    assert books.ok("consents", "import", path) == {
        "imported": ["liv-2026"],
        "updated": [],
        "unchanged": [],
        "warnings": [],
    }
    assert books.ok("consents", "import", path)["unchanged"] == ["liv-2026"]
    changed = books.write("consents.toml", CONSENT.replace('"web"]', '"web", "email"]'))
    assert books.ok("consents", "import", changed)["updated"] == ["liv-2026"]
    [stored] = books.ok("consents", "list")["consents"]
    assert stored["scope"]["channels"] == ["social", "web", "email"]
    assert stored["document_sha256"] == DOC
    bad = books.write("bad.toml", CONSENT.replace(DOC, "abc").replace('"w1"', '"w9"'))
    message = books.refused("consents", "import", bad)
    assert message == (
        f"error: {bad}: consents[1] liv-2026: twin: unknown twin 'w9' (and 1 more problem(s))"
    )
    scope = books.write("scope.toml", CONSENT.replace('"SE", "NO"', '"SE", "XX"'))
    assert books.refused("consents", "import", scope) == (
        f"error: {scope}: consents[1] liv-2026: scope.territories: 'XX' is not an ISO 3166-1 "
        "alpha-2 country code"
    )


def test_narrowing_a_consent_names_the_contracts_it_no_longer_covers(books: Books) -> None:
    setup(books)
    books.ok("contracts", "import", write(books, nordic(channels=("social", "web"))))
    narrower = books.write("narrow.toml", CONSENT.replace('"social", "web"]', '"social"]'))
    done = books.cli("consents", "import", narrower, "--json")
    assert done.exit_code == 0
    assert done.json["updated"] == ["liv-2026"]
    message = (
        "contract C1 is no longer inside the consents of twin w1: channels: web not covered "
        "by consent liv-2026 (it covers social)"
    )
    assert done.json["warnings"] == [message]
    assert done.stderr.strip() == f"warning: {message}"


def test_require_consent_at_the_top_of_workspace_toml_and_a_bad_value(books: Books) -> None:
    setup(books, consent=None)
    path = write(books, nordic())
    settings = books.root / "workspace.toml"
    original = settings.read_text()
    settings.write_text("require_consent = true\n" + original)
    assert "a consent is required" in books.refused("contracts", "import", path)
    settings.write_text(original + '\n[provenance]\nrequire_consent = "yes"\n')
    assert books.refused("contracts", "import", path) == (
        f"error: {settings}: [provenance] require_consent must be true or false, got 'yes'"
    )
    settings.write_text(original + "\n[provenance]\nrequire_consnet = true\n")
    assert books.refused("contracts", "import", path) == (
        f"error: {settings}: [provenance] require_consnet: unknown key (expected "
        "require_consent, require_trusted, trust_anchors)"
    )
