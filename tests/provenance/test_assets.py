"""`assets verify`: the three signed fixtures read as valid-AI, valid-not-AI and invalid; what
is stored, and that verifying the same files again changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.provenance.credentials import media_type
from tests.conftest import Books
from tests.shared import one_talent

from .conftest import Assets

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_three_fixtures_verify_as_valid_ai_valid_not_ai_and_invalid(
    books: Books, assets: Assets
) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    doc = books.ok(
        "assets", "verify", assets.ai, assets.captured, assets.tampered, assets.unsigned,
        "--brand", "b1",
    )  # fmt: skip
    by_id = {a["asset_id"]: a for a in doc["assets"]}
    assert (doc["new"], doc["unchanged"], doc["updated"]) == (4, 0, 0)
    ai, cap, bad, none = by_id["a-ai"], by_id["a-cap"], by_id["a-bad"], by_id["a-none"]
    assert ai == {
        "path": str(assets.ai),
        "asset_id": "a-ai",
        "sha256": sha(assets.ai),
        "media_type": "image/png",
        "manifest": True,
        "state": "valid",
        "signature_valid": True,
        "trusted": False,
        "verified": True,
        "signer": "Brand One Signer",
        "signer_issuer": "Brand One Studio",
        "claim_generator": "brand-one-studio 2.1",
        "digital_source_type": IPTC + "trainedAlgorithmicMedia",
        "ai_generated": True,
        "ai_assertion": "c2pa.actions.v2: c2pa.created",
        "failures": [],
        "stored": "new",
    }
    assert (cap["state"], cap["verified"], cap["ai_generated"]) == ("valid", True, False)
    assert cap["digital_source_type"] == IPTC + "digitalCapture"
    assert cap["ai_assertion"] is None
    assert (bad["state"], bad["verified"], bad["signature_valid"]) == ("invalid", False, False)
    assert "assertion.dataHash.mismatch" in bad["failures"]
    assert (none["manifest"], none["state"], none["verified"]) == (False, "no_manifest", False)
    assert none["signer"] is None


def test_verifying_again_changes_nothing(books: Books, assets: Assets) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    files = (assets.ai, assets.captured, assets.tampered)
    books.ok("assets", "verify", *files, "--brand", "b1")
    with books.workspace.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT * FROM asset_credentials ORDER BY sha256").all()
    again = books.ok("assets", "verify", *files, "--brand", "b1")
    assert (again["new"], again["unchanged"], again["updated"]) == (0, 3, 0)
    assert [a["stored"] for a in again["assets"]] == ["unchanged"] * 3
    with books.workspace.engine.connect() as conn:
        after = conn.exec_driver_sql("SELECT * FROM asset_credentials ORDER BY sha256").all()
    assert after == before and len(after) == 3
    listed = books.ok("assets", "list", "--brand", "b1")["assets"]
    assert [(a["asset_id"], a["state"], a["verified"], a["ai_generated"]) for a in listed] == [
        ("a-ai", "valid", True, True),
        ("a-bad", "invalid", False, True),  # declares AI, but the file was altered
        ("a-cap", "valid", True, False),
    ]
    assert books.ok("assets", "list", "--brand", "b2")["assets"] == []


def test_a_trust_anchor_makes_the_signer_trusted_and_require_trusted_counts_only_those(
    books: Books, assets: Assets
) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    first = books.ok("assets", "verify", assets.ai, "--brand", "b1")["assets"][0]
    assert (first["state"], first["trusted"], first["verified"]) == ("valid", False, True)
    (books.root / "anchors.pem").write_text(assets.signer.root_pem)
    settings = books.root / "workspace.toml"
    settings.write_text(
        settings.read_text() + '\n[provenance]\ntrust_anchors = "anchors.pem"\n'
        "require_trusted = true\n"
    )
    trusted = books.ok("assets", "verify", assets.ai, assets.captured, "--brand", "b1")
    assert [(a["state"], a["trusted"], a["verified"], a["stored"]) for a in trusted["assets"]] == [
        ("trusted", True, True, "updated"),
        ("trusted", True, True, "new"),
    ]
    other = books.root / "other.pem"
    other.write_text(type(assets.signer).create("Someone Else").root_pem)
    settings.write_text(settings.read_text().replace("anchors.pem", "other.pem"))
    untrusted = books.ok("assets", "verify", assets.ai, "--brand", "b1")["assets"][0]
    assert (untrusted["state"], untrusted["verified"], untrusted["stored"]) == (
        "valid",
        False,
        "updated",
    )


def test_refusals_name_the_file_or_the_brand(books: Books, assets: Assets) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    assert books.refused("assets", "verify", assets.ai, "--brand", "nobody") == (
        "error: unknown brand 'nobody'"
    )
    text = books.write("notes.txt", "hello\n")
    assert books.refused("assets", "verify", text, "--brand", "b1") == (
        f"error: {text}: not an image or video type that content credentials are read from "
        "(text/plain)"
    )
    assert books.refused("assets", "verify", books.files, "--brand", "b1") == (
        f"error: {books.files}: not a regular file (a directory)"
    )
    assert "one file" in books.refused(
        "assets", "verify", assets.ai, assets.captured, "--brand", "b1", "--asset-id", "x"
    )
    with books.workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM asset_credentials").scalar() == 0


def test_media_types_of_images_and_videos_by_name() -> None:
    names = ["a.JPG", "a.png", "a.heic", "a.avif", "a.mp4", "a.mov"]
    assert [media_type(Path(n)) for n in names] == [
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/avif",
        "video/mp4",
        "video/quicktime",
    ]
    for name, shown in (("a.pdf", "application/pdf"), ("a", "unknown type")):
        with pytest.raises(LedgerError) as refused:
            media_type(Path(name))
        assert str(refused.value) == (
            f"{name}: not an image or video type that content credentials are read from ({shown})"
        )


def test_a_signed_jpeg_verifies_too(books: Books, assets: Assets, tmp_path: Path) -> None:
    books.ok("parties", "import", books.write("p.toml", one_talent()))
    jpeg = assets.signer.sign_image(tmp_path / "j-1.jpg", "JPEG", ai=True, color=(1, 2, 3))
    [found] = books.ok("assets", "verify", jpeg, "--brand", "b1", "--asset-id", "J-1")["assets"]
    assert (found["asset_id"], found["media_type"], found["state"], found["ai_generated"]) == (
        "J-1",
        "image/jpeg",
        "valid",
        True,
    )
    assert found["sha256"] == sha(jpeg)
