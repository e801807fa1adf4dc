"""The HTTP API (``/api/v1``): brands upload usage logs and events; every party reads its own
batches, exceptions and documents. A key sees only its own party's data; anything else is 404.

Errors are JSON, ``{"error": {"code", "message"}}``; a refusal of the ledger carries the code of
its error type (``ledger.errors``: ``REFUSED`` for a plain refusal, ``VALIDATION_FAILED``,
``PERIOD_NOT_SETTLED``, ...), the others say what the request did wrong (``UNAUTHORIZED``,
``NOT_FOUND``, ``PAYLOAD_TOO_LARGE``, ``RATE_LIMITED``, ``IDEMPOTENCY_KEY_REUSED``, ...).
"""

import hashlib
import json
import logging
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ledger.errors import LedgerError
from ledger.ingest.batch import ingest_file
from ledger.portal import api_reads as reads
from ledger.portal import idempotency, keys, library
from ledger.portal.access import Party, digest
from ledger.portal.security import RateLimit
from ledger.workspace import Workspace

log = logging.getLogger("twinledger.api")
MIB = 1024 * 1024
MAX_EVENTS = 10_000
CHUNK = 1 << 16
MEDIA_TYPES = {
    "text/csv": ".csv",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/vnd.apache.parquet": ".parquet",
    "application/x-parquet": ".parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
FILENAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
PROFILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
"""A profile in the workspace's profiles/ by name: never a path (the CLI's --profile may be)."""
KEY_RE = re.compile(r"[\x21-\x7e]{1,200}")
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "IDEMPOTENCY_KEY_REUSED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def reason_code(exc: LedgerError) -> str:
    """The code of a ledger refusal: its error type in upper snake case (``REFUSED`` for a
    plain ``LedgerError``)."""
    if type(exc) is LedgerError:
        return "REFUSED"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).upper()


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


@dataclass(frozen=True)
class Settings:
    """``[api]`` in workspace.toml."""

    max_upload_bytes: int = 200 * MIB
    requests_per_minute: int = 600

    @classmethod
    def of(cls, workspace: Workspace) -> "Settings":
        given = workspace.settings.get("api", {})
        given = given if isinstance(given, dict) else {}
        mib = given.get("max_upload_mib", 200)
        per_minute = given.get("requests_per_minute", 600)
        for name, value in (("max_upload_mib", mib), ("requests_per_minute", per_minute)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LedgerError(f"workspace.toml: [api] {name}: must be a whole number >= 1")
        return cls(max_upload_bytes=int(mib * MIB), requests_per_minute=int(per_minute))


@dataclass
class Upload:
    """A request body on disk: its path, size and sha256."""

    path: Path
    size: int
    sha256: str


def create_api(workspace: Workspace, settings: Settings | None = None) -> FastAPI:
    """The API of one workspace, to be mounted at ``/api/v1``."""
    settings = settings or Settings.of(workspace)
    limit = RateLimit(attempts=settings.requests_per_minute, window_s=60.0)
    tmp = workspace.path("tmp")
    remove_abandoned_uploads(tmp)
    api = FastAPI(
        title="twinledger API",
        version="1",
        description="Usage uploads and each party's own batches, exceptions and documents.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error(exc.status, exc.code, exc.message, exc.headers)

    @api.exception_handler(LedgerError)
    async def refused(request: Request, exc: LedgerError) -> Response:
        return error(400, reason_code(exc), str(exc))

    @api.exception_handler(library.NotFound)
    async def not_found(request: Request, exc: library.NotFound) -> Response:
        return error(404, "NOT_FOUND", "nothing here")

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = STATUS_CODES.get(exc.status_code, "ERROR")
        message = "nothing here" if exc.status_code == 404 else str(exc.detail)
        return error(exc.status_code, code, message)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error(400, "INVALID_REQUEST", f"{where}: {first.get('msg', 'invalid')}")

    @api.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("API request failed: %s %s", request.method, request.url.path)
        return error(500, "INTERNAL_ERROR", "the server failed; its log says why")

    async def authenticated(
        authorization: Annotated[str | None, Header()] = None,
    ) -> Party:
        scheme, _, key = (authorization or "").partition(" ")
        party = None
        if scheme.lower() == "bearer" and key.strip():
            party = await run_in_threadpool(keys.party_for, workspace, key.strip())
        if party is None:
            raise ApiError(
                401,
                "UNAUTHORIZED",
                "send a valid API key as 'Authorization: Bearer KEY'",
                {"www-authenticate": "Bearer"},
            )
        who = digest(key.strip())
        if not limit.allow(who):
            raise ApiError(
                429,
                "RATE_LIMITED",
                f"more than {settings.requests_per_minute} requests a minute with this key",
                {"retry-after": str(limit.retry_after(who))},
            )
        return party

    Caller = Annotated[Party, Depends(authenticated)]

    def brand_of(party: Party) -> str:
        if party.type != "brand":
            raise ApiError(403, "FORBIDDEN", "only a brand's key uploads usage")
        return party.id

    def checked_key(key: str | None) -> str:
        if key is None or not KEY_RE.fullmatch(key):
            raise ApiError(
                400,
                "IDEMPOTENCY_KEY_REQUIRED",
                "send an Idempotency-Key header of 1 to 200 printable characters",
            )
        return key

    async def receive(request: Request, directory: Path, name: str) -> Upload:
        """Stream the body to ``directory/name`` (never whole in memory); 413 beyond the limit."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
            raise _too_large(settings)
        path, size, digest = directory / name, 0, hashlib.sha256()
        with path.open("wb") as handle:
            stream: AsyncIterator[bytes] = request.stream()
            async for chunk in stream:
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise _too_large(settings)
                digest.update(chunk)
                handle.write(chunk)
        return Upload(path, size, digest.hexdigest())

    async def ingest_once(
        party: Party,
        key: str,
        upload: Upload,
        what: dict[str, Any],
        profile: str | None,
        restate: bool,
    ) -> Response:
        fingerprint = idempotency.fingerprint(what, upload.sha256)
        held = await run_in_threadpool(idempotency.claim, workspace, party.id, key, fingerprint)
        if held is not None:
            return _replay(held, fingerprint)
        try:
            result = await run_in_threadpool(
                ingest_file, workspace, upload.path, party.id, profile, False, restate=restate
            )
        except BaseException as exc:
            await run_in_threadpool(idempotency.release, workspace, party.id, key)
            if not isinstance(exc, LedgerError):
                raise
            # paths as the caller knows them
            message = str(exc).replace(f"{upload.path.parent}/", "")
            message = message.replace(f"{workspace.root}/", "")
            raise ApiError(400, reason_code(exc), message) from None
        doc = result.as_dict()
        status = 201 if result.status == "committed" else 200
        await run_in_threadpool(idempotency.complete, workspace, party.id, key, status, doc)
        return JSONResponse(doc, status_code=status)

    @api.post(
        "/batches",
        summary="Upload one usage log as one atomic batch",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in MEDIA_TYPES
                },
            }
        },
    )
    async def post_batch(
        request: Request,
        party: Caller,
        profile: Annotated[str | None, Query(max_length=200)] = None,
        restate: bool = False,
        filename: Annotated[str | None, Query(max_length=120)] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        brand = brand_of(party)
        key = checked_key(idempotency_key)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in MEDIA_TYPES:
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"Content-Type {media or '(none)'!r}; send one of {', '.join(MEDIA_TYPES)}",
            )
        suffix = MEDIA_TYPES[media]
        if profile is not None and not PROFILE_RE.fullmatch(profile):
            raise ApiError(
                400,
                "INVALID_REQUEST",
                "profile: the name of a profile in the workspace's profiles/",
            )
        if filename is not None and not FILENAME_RE.fullmatch(filename):
            raise ApiError(400, "INVALID_REQUEST", "filename: letters, digits, '.', '_', '-'")
        stem = Path(filename).stem if filename else "upload"
        directory = _scratch(tmp)
        try:
            upload = await receive(request, directory, stem + suffix)
            what = {"route": "batches", "brand": brand, "profile": profile, "restate": restate}
            what |= {"filename": filename, "media": suffix}
            return await ingest_once(party, key, upload, what, profile, restate)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @api.post("/events", summary="Send up to 10,000 canonical events as one batch")
    async def post_events(
        request: Request,
        party: Caller,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        brand_of(party)
        key = checked_key(idempotency_key)
        directory = _scratch(tmp)
        try:
            upload = await receive(request, directory, "body.json")
            events = await run_in_threadpool(_events_of, upload.path)
            log = directory / "events.jsonl"
            await run_in_threadpool(_write_jsonl, log, events)
            sent = Upload(log, log.stat().st_size, upload.sha256)
            what = {"route": "events", "brand": party.id}
            return await ingest_once(party, key, sent, what, None, False)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @api.get("/batches", summary="The caller's batches (a brand's uploads)")
    async def list_batches(party: Caller) -> dict[str, Any]:
        return {"batches": await run_in_threadpool(reads.batches, workspace, party)}

    @api.get("/batches/{batch_id}", summary="One batch: its counts and quarantined rows")
    async def get_batch(batch_id: str, party: Caller) -> dict[str, Any]:
        doc: dict[str, Any] = await run_in_threadpool(reads.batch, workspace, party, batch_id)
        return doc

    @api.get("/periods/{period}/exceptions", summary="The caller's exceptions of a period")
    async def period_exceptions(period: str, party: Caller) -> dict[str, Any]:
        rows = await run_in_threadpool(reads.exceptions, workspace, party, period)
        return {"period": period, "exceptions": rows}

    @api.get("/periods/{period}/documents", summary="The caller's documents of a closed period")
    async def period_documents(period: str, party: Caller) -> dict[str, Any]:
        docs = await run_in_threadpool(reads.documents, workspace, party, period)
        return {"period": period, "documents": docs}

    @api.get(
        "/periods/{period}/documents/{name}.pdf",
        summary="A document's PDF",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
    )
    async def document_pdf(period: str, name: str, party: Caller) -> Response:
        pdf = await run_in_threadpool(reads.pdf, workspace, party, period, name)
        return Response(
            pdf.content,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{pdf.name}"'},
        )

    @api.get(
        "/periods/{period}/documents/{name}.xml",
        summary="A brand document's e-invoice (UBL 2.1)",
        response_class=Response,
        responses={200: {"content": {"application/xml": {}}}},
    )
    async def document_xml(period: str, name: str, party: Caller) -> Response:
        file_name, content = await run_in_threadpool(reads.xml, workspace, party, period, name)
        return Response(
            content,
            media_type="application/xml",
            headers={"content-disposition": f'attachment; filename="{file_name}"'},
        )

    return api


def _too_large(settings: Settings) -> ApiError:
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"the body is larger than {settings.max_upload_bytes} bytes, the most an upload may be",
    )


ABANDONED_AFTER_S = 86_400.0


def remove_abandoned_uploads(tmp: Path, now: float | None = None) -> list[Path]:
    """Remove upload directories a killed server left behind (older than a day: no upload
    takes that long); returns them."""
    now = time.time() if now is None else now
    removed = []
    for directory in tmp.glob("api-*"):
        try:
            old = now - directory.stat().st_mtime > ABANDONED_AFTER_S
        except FileNotFoundError:
            continue
        if old and directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


def _scratch(tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="api-", dir=tmp))


def _replay(stored: idempotency.Stored, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used for another request",
        )
    if stored.running:
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            "a request with this Idempotency-Key is still running; retry it later",
            {"retry-after": "1"},
        )
    return JSONResponse(
        stored.response,
        status_code=stored.status_code,
        headers={"idempotent-replayed": "true"},
    )


def _events_of(path: Path) -> list[Any]:
    try:
        with path.open("rb") as handle:
            doc = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "INVALID_JSON", f"the body is not JSON: {exc}") from None
    events = doc.get("events") if isinstance(doc, dict) else None
    if not isinstance(events, list) or not events:
        raise ApiError(400, "INVALID_REQUEST", 'send {"events": [one object per event]}')
    if len(events) > MAX_EVENTS:
        raise ApiError(
            413, "TOO_MANY_EVENTS", f"{len(events)} events; at most {MAX_EVENTS} a request"
        )
    for n, event in enumerate(events):
        if not isinstance(event, dict):
            raise ApiError(400, "INVALID_REQUEST", f"events[{n}]: must be an object")
    return events


def _write_jsonl(path: Path, events: list[Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
