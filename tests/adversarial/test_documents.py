"""Statement PDFs are never stale, empty or partial: the statements folder and the portal hold
and serve only closed statements whose bytes the ledger recorded at issue, and drafts live
elsewhere."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ledger import statements
from ledger.portal import access, library
from ledger.portal.app import create_app
from tests.conftest import Books
from tests.ledger import fixtures

PERIOD = "2026-03"
T1 = "ST-2026-03-T-t1.pdf"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def signed_in(books: Books, party: str) -> TestClient:
    """A portal client signed in the way a browser signs in: open the link, press Continue."""
    _, token = access.grant(books.workspace, party, 72)
    client = TestClient(create_app(books.workspace), follow_redirects=False)
    page = client.get("/sign-in", params={"token": token})
    csrf = CSRF_RE.search(page.text)
    assert csrf
    response = client.post("/sign-in", data={"csrf": csrf.group(1), "token": token})
    assert response.status_code == 303
    return client


def issued_code(books: Books, data: bytes) -> str | None:
    """The verification code recorded for these bytes at render, or None if none was."""
    sha = hashlib.sha256(data).hexdigest()
    with books.workspace.engine.connect() as conn:
        row = conn.exec_driver_sql(
            f"SELECT verification_code FROM issued_files WHERE sha256 = '{sha}'"
        ).first()
    return None if row is None else row[0]


def closed_code(books: Books, party: str) -> str:
    return str(books.ok("statements", "data", PERIOD, "--party", party)["verification_code"])


def test_a_draft_rendered_into_the_statements_folder_is_not_served_after_the_close(
    books: Books,
) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    folder = books.root / "statements" / PERIOD
    assert books.refused("statements", "render", PERIOD, "--out", folder) == (
        f"error: {folder}: the statements folder holds issued statements only; {PERIOD} is a "
        f"draft (its PDFs go to {books.root / 'drafts' / PERIOD} by default)"
    )
    # a draft in the folder of issued statements before the month was closed, as earlier
    # versions rendered it there (or a person copied it there)
    books.ok("statements", "render", PERIOD)
    folder.mkdir(parents=True)
    draft = (books.root / "drafts" / PERIOD / T1).read_bytes()
    (folder / T1).write_bytes(draft)
    books.ok("settle", "close", PERIOD)

    response = signed_in(books, "t1").get(f"/periods/{PERIOD}/statement.pdf")
    assert response.status_code == 200
    served = response.content
    assert served != draft
    assert issued_code(books, served) == closed_code(books, "t1")
    assert (folder / T1).read_bytes() == served  # the stale draft was replaced, atomically

    download = books.files / "download.pdf"
    download.write_bytes(served)
    verified = books.ok("statements", "verify", download)
    assert (verified["matches"], verified["status"], verified["statement_id"]) == (
        True,
        "closed",
        "ST-2026-03-T-t1",
    )
    # the stale draft itself is told apart, not taken for an issued statement
    stale = books.files / "stale.pdf"
    stale.write_bytes(draft)
    assert books.refused("statements", "verify", stale) == (
        f"error: {stale}: does not match the ledger: a superseded draft of statement "
        "ST-2026-03-T-t1: the ledger's statement no longer has these figures"
    )


def _final(books: Books) -> bytes:
    """The issued bytes of t1's closed statement (rendered to a folder of its own)."""
    out = books.files / "final"
    books.ok("statements", "render", PERIOD, "--party", "t1", "--out", out)
    return (out / T1).read_bytes()


@pytest.mark.parametrize("damage", ["missing", "empty", "truncated", "draft", "other bytes"])
def test_a_bad_file_in_the_statements_folder_is_replaced_never_served(
    books: Books, damage: str
) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    draft_dir = books.files / "draft"
    books.ok("statements", "render", PERIOD, "--party", "t1", "--out", draft_dir)
    books.ok("settle", "close", PERIOD)
    books.ok("statements", "render", PERIOD)
    final = _final(books)
    path = books.root / "statements" / PERIOD / T1
    assert path.read_bytes() == final
    bad = {
        "missing": None,
        "empty": b"",
        "truncated": final[: len(final) // 2],
        "draft": (draft_dir / T1).read_bytes(),
        "other bytes": final.replace(b"/Producer", b"/Producxr", 1),
    }[damage]
    if bad is None:
        path.unlink()
    else:
        path.write_bytes(bad)

    [doc] = statements.documents(books.workspace, PERIOD, "t1")
    pdf = library.pdf_file(books.workspace, doc)
    assert (pdf.name, pdf.content) == (T1, final)
    assert path.read_bytes() == final
    assert not list(path.parent.glob(".*"))  # no scratch left beside the statements

    path.write_bytes(b"" if bad is None else bad)
    response = signed_in(books, "t1").get(f"/periods/{PERIOD}/statement.pdf")
    assert (response.status_code, response.content) == (200, final)


def test_a_brand_invoice_is_replaced_the_same_way(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    books.ok("settle", "close", PERIOD)
    files = books.ok("statements", "render", PERIOD, "--party", "b1")["files"]
    invoice = Path(files[0])
    assert invoice.name == "ST-2026-03-B-b1-EUR.pdf"
    final = invoice.read_bytes()
    invoice.write_bytes(b"")
    response = signed_in(books, "b1").get(f"/periods/{PERIOD}/invoices/EUR.pdf")
    assert (response.status_code, response.content) == (200, final)
    assert invoice.read_bytes() == final


def test_verify_refuses_empty_truncated_and_draft_files(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    draft = books.ok("statements", "render", PERIOD, "--party", "t1")
    assert draft["status"] == "draft"
    [draft_file] = map(Path, draft["files"])
    assert draft_file == books.root / "drafts" / PERIOD / T1
    assert books.refused("statements", "verify", draft_file) == (
        f"error: {draft_file}: does not match the ledger: a DRAFT: {PERIOD} is not closed, "
        "so nothing of it is issued yet"
    )
    books.ok("settle", "close", PERIOD)
    final = _final(books)
    empty = books.write("empty.pdf", "")
    assert "empty.pdf: not a readable PDF" in books.refused("statements", "verify", empty)
    truncated = books.files / "truncated.pdf"
    truncated.write_bytes(final[: len(final) // 2])
    assert "truncated.pdf: not a readable PDF" in books.refused("statements", "verify", truncated)


def test_a_draft_month_renders_into_drafts_never_into_statements(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    result = books.cli("statements", "render", PERIOD)
    assert result.exit_code == 0, result.stderr
    drafts = books.root / "drafts" / PERIOD
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{PERIOD} is a draft: 5 PDF(s) marked DRAFT written to {drafts} "
        "(the statements folder holds closed months only)"
    )
    assert lines[1:] == [str(drafts / name) for name in (
        "ST-2026-03-T-t1.pdf", "ST-2026-03-T-t2.pdf", "ST-2026-03-A-ag.pdf",
        "ST-2026-03-B-b1-EUR.pdf", "ST-2026-03-B-b2-EUR.pdf")]  # fmt: skip
    assert not list((books.root / "statements").rglob("*.pdf"))

    books.ok("settle", "close", PERIOD)
    done = books.ok("statements", "render", PERIOD)
    folder = books.root / "statements" / PERIOD
    assert (done["status"], done["folder"]) == ("closed", str(folder))
    for name in map(lambda f: Path(f).name, done["files"]):
        data = (folder / name).read_bytes()
        assert issued_code(books, data) is not None
        assert data != (drafts / name).read_bytes()  # the draft says DRAFT; the issued one not


def test_a_file_recorded_before_codes_were_kept_is_served_by_its_printed_code(
    books: Books,
) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    books.ok("settle", "close", PERIOD)
    books.ok("statements", "render", PERIOD, "--party", "t1")
    path = books.root / "statements" / PERIOD / T1
    final = path.read_bytes()
    with books.workspace.engine.begin() as conn:  # as recorded by earlier versions
        conn.exec_driver_sql("UPDATE issued_files SET verification_code = NULL")
    [doc] = statements.documents(books.workspace, PERIOD, "t1")
    assert library.pdf_file(books.workspace, doc).content == final
    assert issued_code(books, final) is None  # served as it is, nothing rendered
    books.ok("statements", "render", PERIOD, "--party", "t1")
    assert issued_code(books, final) == closed_code(books, "t1")


@pytest.mark.slow  # renders at once: a concurrency trial
def test_renders_at_once_record_each_file_once(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", PERIOD)
    books.ok("settle", "close", PERIOD)
    command = [sys.executable, "-m", "ledger", "--workspace", str(books.root), "statements",
               "render", PERIOD, "--json"]  # fmt: skip
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert (proc.returncode, stderr) == (0, "")
    folder = books.root / "statements" / PERIOD
    codes = [issued_code(books, p.read_bytes()) for p in sorted(folder.iterdir())]
    assert len(codes) == 5 and None not in codes
    with books.workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM issued_files").scalar_one() == 5
