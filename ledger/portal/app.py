"""The portal's Starlette application: sign in with a one-time link, list and download one's own
statements. Pages are rendered on the server (Jinja2, autoescaped); there is no JavaScript."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from ledger.portal import access, library
from ledger.portal.access import AccessDenied, SignedIn
from ledger.portal.api import create_api
from ledger.portal.security import RateLimit, SecurityHeaders, client_address, is_https
from ledger.workspace import Workspace
from reports import exports
from reports.format import Formats

HERE = Path(__file__).parent
SESSION_COOKIE = "tl_session"
SIGN_IN_COOKIE = "tl_signin"
PARTY_LABELS = {"talent": "Talent", "agency": "Agency", "brand": "Brand"}


class Portal:
    """The endpoints, bound to one workspace."""

    def __init__(self, workspace: Workspace, behind_proxy: bool, limit: RateLimit) -> None:
        self.workspace = workspace
        self.behind_proxy = behind_proxy
        self.limit = limit
        env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
        )
        self.templates = Jinja2Templates(env=env)
        self.stylesheet = (HERE / "static" / "portal.css").read_bytes()
        self.issuer = workspace.issuer.get("name") or "twinledger"

    # -- helpers -----------------------------------------------------------------------------

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("party", None)
        context.setdefault("issuer", self.issuer)
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def client(self, request: Request) -> str:
        return client_address(request, self.behind_proxy)

    async def signed_in(self, request: Request) -> SignedIn | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        return await run_in_threadpool(access.session_for, self.workspace, cookie)

    def _cookie(
        self, response: Response, request: Request, name: str, value: str, max_age: int
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_https(request, self.behind_proxy),
        )

    # -- pages -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        target = "/statements" if await self.signed_in(request) else "/sign-in"
        return RedirectResponse(target, status_code=303)

    async def sign_in(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._sign_in_post(request)
        token = request.query_params.get("token", "")
        if not token and await self.signed_in(request):
            return RedirectResponse("/statements", status_code=303)
        if token:
            state, locale = await run_in_threadpool(
                access.link_state, self.workspace, _token_from(token)
            )
            if state != "active":  # say so at once, in the party's language
                text = spent_link_text(state, locale)
                return self._sign_in_form(request, "", 403, error=text, error_says_all=True)
        return self._sign_in_form(request, token, signed_out="signed_out" in request.query_params)

    def _sign_in_form(
        self, request: Request, token: str, status: int = 200, **context: Any
    ) -> Response:
        csrf = secrets.token_urlsafe(32)
        response = self.page(
            request, "sign_in.html", status, token=token[:200], csrf=csrf, **context
        )
        self._cookie(response, request, SIGN_IN_COOKIE, csrf, 3600)
        return response

    async def _sign_in_post(self, request: Request) -> Response:
        client = self.client(request)
        if not self.limit.allow(client):
            response = self.page(
                request,
                "error.html",
                429,
                title="Too many attempts",
                message=("Too many sign-in attempts from your address. Please wait a few minutes."),
            )
            response.headers["retry-after"] = str(self.limit.retry_after(client))
            return response
        form = await request.form()
        expected = request.cookies.get(SIGN_IN_COOKIE, "")
        sent = str(form.get("csrf") or "")
        if not expected or not secrets.compare_digest(expected, sent):
            raise HTTPException(403, "The form expired. Open your sign-in link again.")
        token = _token_from(str(form.get("token") or ""))
        try:
            cookie, _ = await run_in_threadpool(access.sign_in, self.workspace, token, client)
        except AccessDenied as exc:
            return self._sign_in_form(request, "", 403, error=str(exc))
        response = RedirectResponse("/statements", status_code=303)
        max_age = int(access.SESSION_TTL.total_seconds())
        self._cookie(response, request, SESSION_COOKIE, cookie, max_age)
        response.delete_cookie(SIGN_IN_COOKIE, path="/")
        return response

    async def sign_out(self, request: Request) -> Response:
        signed = await self.signed_in(request)
        form = await request.form()
        if signed is None:
            return RedirectResponse("/sign-in", status_code=303)
        if not secrets.compare_digest(signed.csrf_token, str(form.get("csrf") or "")):
            raise HTTPException(403, "The form expired. Reload the page and try again.")
        await run_in_threadpool(access.sign_out, self.workspace, request.cookies[SESSION_COOKIE])
        response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def statements(self, request: Request) -> Response:
        signed = await self.signed_in(request)
        if signed is None:
            return RedirectResponse("/sign-in", status_code=303)
        views = await run_in_threadpool(library.overview, self.workspace, signed.party)
        return self.page(
            request,
            "statements.html",
            party=signed.party,
            party_label=PARTY_LABELS[signed.party.type],
            csrf=signed.csrf_token,
            views=views,
            fmt=Formats(signed.party.locale),
        )

    async def stylesheet_file(self, request: Request) -> Response:
        return Response(self.stylesheet, media_type="text/css")

    # -- downloads ---------------------------------------------------------------------------

    async def _session_or_404(self, request: Request) -> SignedIn:
        signed = await self.signed_in(request)
        if signed is None:
            raise HTTPException(404)
        return signed

    async def _send_pdf(
        self, request: Request, signed: SignedIn, doc: dict[str, Any], currency: str | None = None
    ) -> Response:
        try:
            pdf = await run_in_threadpool(library.pdf_file, self.workspace, doc, currency)
        except library.NotFound:
            raise HTTPException(404) from None
        await run_in_threadpool(
            access.record_download,
            self.workspace,
            signed,
            self.client(request),
            doc["period"],
            pdf.name,
            doc["party"]["id"],
        )
        return Response(
            pdf.content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{pdf.name}"'},
        )

    async def own_pdf(self, request: Request) -> Response:
        signed = await self._session_or_404(request)
        period = request.path_params["period"]
        doc = await self._lookup(library.own_document, signed.party, period)
        return await self._send_pdf(request, signed, doc)

    async def talent_pdf(self, request: Request) -> Response:
        signed = await self._session_or_404(request)
        period, talent = request.path_params["period"], request.path_params["talent"]
        doc = await self._lookup(library.talent_document, signed.party, period, talent)
        return await self._send_pdf(request, signed, doc)

    async def invoice_pdf(self, request: Request) -> Response:
        signed = await self._session_or_404(request)
        period, currency = request.path_params["period"], request.path_params["currency"]
        doc = await self._lookup(library.brand_document, signed.party, period, currency)
        return await self._send_pdf(request, signed, doc, currency)

    async def reconciliation(self, request: Request) -> Response:
        signed = await self._session_or_404(request)
        period, fmt = request.path_params["period"], request.path_params["fmt"]
        if signed.party.type != "agency" or fmt not in exports.EXPORT_FORMATS:
            raise HTTPException(404)
        await self._lookup(library.own_document, signed.party, period)
        name = f"reconciliation-{period}-{signed.party.id}.{fmt}"
        content = await run_in_threadpool(
            library.reconciliation_export, self.workspace, signed.party.id, period, fmt
        )
        await run_in_threadpool(
            access.record_download,
            self.workspace,
            signed,
            self.client(request),
            period,
            name,
            signed.party.id,
        )
        return Response(
            content,
            media_type=exports.EXPORT_FORMATS[fmt].media_type,
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def _lookup(self, find: Any, *args: Any) -> dict[str, Any]:
        try:
            doc: dict[str, Any] = await run_in_threadpool(find, self.workspace, *args)
        except library.NotFound:
            raise HTTPException(404) from None
        return doc

    # -- errors ------------------------------------------------------------------------------

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed"}
        detail = exc.detail if isinstance(exc, HTTPException) and status == 403 else None
        message = detail or (
            "There is nothing here. Your statements are listed on your statements page."
            if status in (404, 405)
            else "Something went wrong on our side. Please try again later."
        )
        return self.page(
            request, "error.html", status, title=titles.get(status, "Error"), message=message
        )


SPENT_LINKS = {
    "en": {
        "ask": "Ask the clearing house for a new link.",
        "used": "This sign-in link has already been used.",
        "expired": "This sign-in link has expired.",
        "revoked": "This sign-in link was withdrawn by the clearing house.",
        "unknown": "This sign-in link is not valid.",
    },
    "de": {
        "ask": "Bitten Sie die Abrechnungsstelle um einen neuen Link.",
        "used": "Dieser Anmeldelink wurde bereits verwendet.",
        "expired": "Dieser Anmeldelink ist abgelaufen.",
        "revoked": "Dieser Anmeldelink wurde von der Abrechnungsstelle zurückgezogen.",
        "unknown": "Dieser Anmeldelink ist ungültig.",
    },
    "sv": {
        "ask": "Be clearinghuset om en ny länk.",
        "used": "Den här inloggningslänken har redan använts.",
        "expired": "Den här inloggningslänken har gått ut.",
        "revoked": "Den här inloggningslänken har dragits tillbaka av clearinghuset.",
        "unknown": "Den här inloggningslänken är ogiltig.",
    },
    "fr": {
        "ask": "Demandez un nouveau lien à la chambre de compensation.",
        "used": "Ce lien de connexion a déjà été utilisé.",
        "expired": "Ce lien de connexion a expiré.",
        "revoked": "Ce lien de connexion a été retiré par la chambre de compensation.",
        "unknown": "Ce lien de connexion n'est pas valide.",
    },
}


def spent_link_text(state: str, locale: str) -> str:
    """Why a link no longer signs in, in the party's language (English where not translated)."""
    language = locale.replace("-", "_").split("_")[0].lower()
    words = SPENT_LINKS.get(language, SPENT_LINKS["en"])
    return f"{words.get(state, words['unknown'])} {words['ask']}"


def _token_from(text: str) -> str:
    """The token from a pasted sign-in link, or the text itself."""
    text = text.strip()
    if "token=" in text:
        values = parse_qs(urlsplit(text).query).get("token") or [""]
        return values[0]
    return text


def create_app(
    workspace: Workspace, *, behind_proxy: bool = False, sign_in_limit: RateLimit | None = None
) -> ASGIApp:
    """The portal for one workspace, with the HTTP API at ``/api/v1``. ``behind_proxy``: trust
    X-Forwarded-For/-Proto from a reverse proxy that terminates TLS (set only when the port is
    reachable by the proxy alone)."""
    portal = Portal(workspace, behind_proxy, sign_in_limit or RateLimit())
    routes = [
        Route("/", portal.home),
        Route("/sign-in", portal.sign_in, methods=["GET", "POST"]),
        Route("/sign-out", portal.sign_out, methods=["POST"]),
        Route("/statements", portal.statements),
        Route("/static/portal.css", portal.stylesheet_file),
        Route("/periods/{period}/statement.pdf", portal.own_pdf),
        Route("/periods/{period}/talents/{talent}/statement.pdf", portal.talent_pdf),
        Route("/periods/{period}/invoices/{currency}.pdf", portal.invoice_pdf),
        Route("/periods/{period}/reconciliation.{fmt}", portal.reconciliation),
        Mount("/api/v1", app=create_api(workspace)),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: portal.http_error, 500: portal.http_error},
    )
    return SecurityHeaders(app, hsts=behind_proxy)
