"""Reading the content credentials (C2PA manifest) of one image or video with ``c2pa-python``.

The result is data: whether a manifest is present, whether its signature and hashes validate,
who signed it and whether that signer chains to a trusted root, the claim generator, the
digital source type its actions declare, and whether that type declares generative AI. Nothing
is fetched from the network: remote manifests are not followed and OCSP is not queried.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa

from ledger.errors import LedgerError
from ledger.files import check_input

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
"""IPTC digital source types that declare generative AI (media made, or composited, by a model
trained on sampled content)."""

NO_MANIFEST = "no_manifest"
VALID = "valid"
TRUSTED = "trusted"
INVALID = "invalid"
"""``state`` of a credential: none in the file; signature and hashes valid but the signer not on
the trust list; valid and the signer chains to a trust anchor; anything failed validation."""


@dataclass(frozen=True)
class Credential:
    """What the content credentials of one file say, and the file's own sha256."""

    sha256: str
    media_type: str
    state: str
    signer: str | None = None
    signer_issuer: str | None = None
    claim_generator: str | None = None
    digital_source_type: str | None = None
    ai_assertion: str | None = None  # the assertion that declares AI generation, if any
    manifest_label: str | None = None
    failures: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.state in (VALID, TRUSTED)

    @property
    def ai_generated(self) -> bool:
        return self.ai_assertion is not None


def media_type(path: Path) -> str:
    """The file's image or video media type from its name, if c2pa reads that type (else
    refused). Names the standard library does not know (.heic, .avif, .dng) are looked up in
    c2pa's own list."""
    supported = supported_types()
    guessed, _ = mimetypes.guess_type(path.name)
    extension = path.suffix.lower().lstrip(".")
    candidates = [guessed] if guessed else []
    candidates += sorted(t for t in supported if t.split("/")[1] in (extension, f"x-{extension}"))
    for candidate in candidates:
        if candidate in supported and candidate.startswith(("image/", "video/")):
            return candidate
    raise LedgerError(
        f"{path}: not an image or video type that content credentials are read from "
        f"({guessed or 'unknown type'})"
    )


def supported_types() -> frozenset[str]:
    return frozenset(t for t in c2pa.Reader.get_supported_mime_types() if "/" in t)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _context(trust_anchors: str | None) -> c2pa.Context:
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}
    return c2pa.Context.from_dict(settings)


def _generator(manifest: dict[str, Any]) -> str | None:
    infos = manifest.get("claim_generator_info") or []
    if infos and isinstance(infos[0], dict) and infos[0].get("name"):
        first = infos[0]
        return " ".join(str(first[k]) for k in ("name", "version") if first.get(k))
    text = manifest.get("claim_generator")
    return str(text) if text else None


def _source_types(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(assertion label, digital source type) of every action that declares one, in order."""
    found = []
    for assertion in manifest.get("assertions") or []:
        label = str(assertion.get("label", ""))
        if not label.startswith("c2pa.actions"):
            continue
        data = assertion.get("data") or {}
        for action in data.get("actions") or []:
            source = action.get("digitalSourceType")
            if isinstance(source, str) and source:
                found.append((f"{label}: {action.get('action', '')}", source))
    return found


def _failures(results: dict[str, Any] | None) -> tuple[str, ...]:
    active = (results or {}).get("activeManifest") or {}
    return tuple(sorted({str(f.get("code")) for f in active.get("failure") or []}))


def read_credential(path: Path, trust_anchors: str | None = None) -> Credential:
    """The content credentials of ``path`` (a regular file of a type c2pa reads)."""
    check_input(path)
    kind = media_type(path)
    digest = file_sha256(path)
    try:
        with _context(trust_anchors) as context, path.open("rb") as stream:
            reader = c2pa.Reader(kind, stream, context=context)
            try:
                state = reader.get_validation_state() or ""
                manifest = reader.get_active_manifest() or {}
                failures = _failures(reader.get_validation_results())
            finally:
                reader.close()
    except c2pa.C2paError as error:
        if type(error).__name__.endswith("ManifestNotFound"):
            return Credential(digest, kind, NO_MANIFEST)
        return Credential(digest, kind, INVALID, failures=(_first_line(error),))
    sources = _source_types(manifest)
    ai = next(((label, s) for label, s in sources if s.removeprefix(IPTC) in AI_SOURCE_TYPES), None)
    signature = manifest.get("signature_info") or {}
    return Credential(
        sha256=digest,
        media_type=kind,
        state={"Trusted": TRUSTED, "Valid": VALID}.get(state, INVALID),
        signer=signature.get("common_name") or None,
        signer_issuer=signature.get("issuer") or None,
        claim_generator=_generator(manifest),
        digital_source_type=(ai or (sources[0] if sources else (None, None)))[1],
        ai_assertion=ai[0] if ai else None,
        manifest_label=manifest.get("label") or None,
        failures=failures if state not in ("Trusted", "Valid") else (),
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def describe(credential: Credential) -> str:
    """One line for people: the state, signer and what it declares."""
    if credential.state == NO_MANIFEST:
        return "no content credentials"
    parts = [credential.state]
    if credential.signer:
        parts.append(f"signed by {credential.signer}")
    parts.append("declares AI generation" if credential.ai_generated else "no AI declaration")
    if credential.failures:
        parts.append("failed: " + ", ".join(credential.failures))
    return "; ".join(parts)
