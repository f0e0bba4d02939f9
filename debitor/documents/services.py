"""PDF documents: invoices (and credit notes), acts and statements of account, rendered once per version.

A document is first rendered to HTML from ``templates/pdf/``; the SHA-256 of that HTML identifies the
version. If a ``DocumentVersion`` with the same subject, locale and source hash exists, its stored PDF
is returned without rendering; otherwise WeasyPrint renders it and the row is added (flushed, never
committed). The HTML depends only on the document's frozen data and the templates, style and fonts
(their hash is in the stylesheet link), never on the time of rendering, so the same document always
maps to the same version and any change of content or look makes a new one.

WeasyPrint reads only what ``StaticFetcher`` allows: files inside ``static/`` and ``data:`` URIs.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import sqlalchemy as sa
import weasyprint
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import lazy_gettext as _l
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from debitor.clients.models import Client
from debitor.db import db, insert_or_ignore, utcnow
from debitor.documents.models import DocumentKind, DocumentVersion
from debitor.documents.qr import payment_payload, qr_svg_data_uri
from debitor.documents.statement import statement_of_account
from debitor.documents.words import amount_in_words
from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.invoices.requisites import parties
from debitor.languages import languages, supported
from debitor.legal_names import short_legal_name
from debitor.money import format_amount
from debitor.orgs.models import Organisation

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = (ROOT / "static").resolve()
STATIC_URL = path2url(str(STATIC)).rstrip("/") + "/"
ASSETS = ("css/pdf.css", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf")
QR_PLACEHOLDER = "debitor-qr:"  # + sha256 of the payload; replaced by the image just before rendering


# --- fetching: only our static files and data: URIs -------------------------------------------------


class FetchRefused(ValueError):
    """A document tried to load something outside ``static/`` (or over the network)."""


class StaticFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves ``file:`` URLs resolving inside ``static/`` and ``data:`` URIs,
    and refuses everything else (other files, ``..`` escapes, symlinks out, http(s), ftp...).

    WeasyPrint catches the error, logs it and renders the document without that resource."""

    def __init__(self, static_dir: Path = STATIC):
        super().__init__(timeout=2, allowed_protocols=("file", "data"), allow_redirects=False)
        self.static_dir = Path(static_dir).resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"documents may only load static files, not {url[:200]!r}")
        path = self.static_path(unquote(parts.path))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        content_type = f"{mime}; charset=utf-8" if mime.startswith("text/") else mime
        return URLFetcherResponse(path2url(str(path)), path.read_bytes(), {"Content-Type": content_type})

    def static_path(self, url_path: str) -> Path:
        path = Path(url2pathname(url_path)).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise FetchRefused(f"not a static file: {url_path[:200]!r}")
        return path


def render_pdf(html: str) -> bytes:
    """Render document HTML (relative URLs resolve against ``static/``) to PDF bytes."""
    return weasyprint.HTML(string=html, base_url=STATIC_URL, url_fetcher=StaticFetcher()).write_pdf()


def asset_version() -> str:
    """Short hash of the stylesheet and fonts: part of every document's HTML, so restyling makes new versions."""
    stats = tuple((name, (STATIC / name).stat().st_mtime_ns, (STATIC / name).stat().st_size) for name in ASSETS)
    return _asset_hash(stats)


@lru_cache(maxsize=8)
def _asset_hash(stats: tuple) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in stats:
        digest.update(name.encode() + b"\0" + (STATIC / name).read_bytes())
    return digest.hexdigest()[:16]


# --- formatting for the templates --------------------------------------------------------------------


class Fmt:
    """Number, date and amount formats of a document's locale (Russian: 100 000,00 and 05.01.2026)."""

    def __init__(self, locale: str, currency: str = "RUB"):
        self.locale = locale
        self.currency = currency

    def money(self, kopecks: int, sign: int = 1) -> str:
        return format_amount(sign * kopecks, self.locale)

    def qty(self, quantity: Decimal) -> str:
        return format_decimal(Decimal(quantity), "#,##0.###", locale=self.locale)

    def rate(self, rate: Decimal | None) -> str:
        return format_decimal(Decimal(rate or 0), "0.##", locale=self.locale)

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        return value.strftime("%d.%m.%Y") if self.locale == "ru" else value.isoformat()

    def long_date(self, value: date) -> str:
        fmt = "d MMMM y 'г.'" if self.locale == "ru" else "d MMMM y"
        return format_date(value, fmt, locale=self.locale)

    def words(self, kopecks: int, sign: int = 1) -> str:
        return amount_in_words(sign * kopecks, self.currency, self.locale)


# --- versions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A document ready to render: its identity, its HTML (the QR code as a reference to its payload,
    the image being a pure function of it) and where the version row points."""

    kind: DocumentKind
    subject: str
    locale: str
    html: str
    filename: str
    client_id: int
    invoice_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    qr_payload: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()

    def printable_html(self) -> str:
        """The HTML as WeasyPrint renders it, with the QR code image inlined."""
        if not self.qr_payload:
            return self.html
        return self.html.replace(qr_reference(self.qr_payload), qr_svg_data_uri(self.qr_payload))


def qr_reference(payload: str) -> str:
    return QR_PLACEHOLDER + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _render_template(name: str, **context) -> str:
    # the bare Jinja template: no request context processors, nothing that varies between renders
    return current_app.jinja_env.get_template(name).render(asset_version=asset_version(), **context)


def _find(source: Source, sha: str) -> DocumentVersion | None:
    return db.session.scalar(
        sa.select(DocumentVersion).where(
            DocumentVersion.subject == source.subject,
            DocumentVersion.locale == source.locale,
            DocumentVersion.source_sha256 == sha,
        )
    )


def stored_version(source: Source) -> DocumentVersion:
    """The version of ``source``: the stored row if this exact HTML was rendered before, else a new one.

    Two workers rendering the same new version at once both insert with ON CONFLICT DO NOTHING on the
    unique (subject, locale, source_sha256), so one row wins and both return it."""
    sha = source.sha256
    existing = _find(source, sha)
    if existing is not None:
        return existing
    content = render_pdf(source.printable_html())
    values = {
        "kind": source.kind,
        "client_id": source.client_id,
        "invoice_id": source.invoice_id,
        "period_start": source.period_start,
        "period_end": source.period_end,
        "subject": source.subject,
        "locale": source.locale,
        "source_sha256": sha,
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "content": content,
        "size": len(content),
        "filename": source.filename,
        "created_at": utcnow(),
    }
    insert_or_ignore(DocumentVersion, **values)
    return _find(source, sha)


def _check_locale(locale: str) -> str:
    if not supported(locale):
        raise ValueError(f"documents exist in {', '.join(languages())}, not {locale!r}")
    return locale


# --- invoices and credit notes -----------------------------------------------------------------------


def invoice_filename(invoice: Invoice, locale: str) -> str:
    """Счёт_42_от_05.01.2026.pdf / Invoice_42_2026-01-05.pdf (credit notes: Корректировочный_счёт_К-3_от_...)."""
    on, number = invoice.issued_on, invoice.number
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        ru, en = "Корректировочный_счёт", "Credit_note"
    else:
        ru, en = "Счёт", "Invoice"
    return f"{ru}_{number}_от_{on:%d.%m.%Y}.pdf" if locale == "ru" else f"{en}_{number}_{on.isoformat()}.pdf"


def invoice_source(invoice: Invoice, locale: str) -> Source:
    """The invoice (or credit note) as document HTML. Drafts have no document."""
    _check_locale(locale)
    if invoice.state == InvoiceState.DRAFT or invoice.number is None or invoice.issued_on is None:
        raise DomainError(_l("A draft has no document yet; issue it first"))
    p = parties(invoice)  # as they were at issue
    note = invoice.kind == InvoiceKind.CREDIT_NOTE
    corrected = invoice.corrects  # the invoice a credit note reverses
    payload = payment_payload(p.org, p.account, invoice) if p.account is not None and not note else None
    html = _render_template(
        "pdf/invoice.html",
        locale=locale,
        f=Fmt(locale, invoice.currency),
        invoice=invoice,
        org=p.org,
        account=p.account,
        client=p.client,
        contract=p.contract,
        lines=list(invoice.lines),
        credit_note=note,
        corrected=corrected,
        sign=-1 if note else 1,
        qr_src=qr_reference(payload) if payload else None,
    )
    return Source(
        kind=DocumentKind.INVOICE,
        subject=f"invoice:{invoice.id}",
        locale=locale,
        html=html,
        filename=invoice_filename(invoice, locale),
        client_id=invoice.client_id,
        invoice_id=invoice.id,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        qr_payload=payload,
    )


def invoice_document(invoice: Invoice, locale: str) -> DocumentVersion:
    """The PDF version of an issued invoice or credit note in ``locale`` (rendered only if new)."""
    return stored_version(invoice_source(invoice, locale))


# --- acts ------------------------------------------------------------------------------------------------


def act_date(invoice: Invoice) -> date:
    """An act is dated at the end of the period it covers (or, without a period, on the invoice's date)."""
    return invoice.period_end or invoice.issued_on


def act_source(invoice: Invoice, locale: str) -> Source:
    """The act of services rendered (акт оказанных услуг) for an issued invoice's period."""
    _check_locale(locale)
    if invoice.state == InvoiceState.DRAFT or invoice.number is None:
        raise DomainError(_l("A draft has no act; issue it first"))
    if invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(_l("A credit note has no act"))
    if invoice.state == InvoiceState.CANCELLED:
        raise DomainError(_l("A cancelled invoice has no act"))
    on = act_date(invoice)
    p = parties(invoice)  # the invoice's, as they were at its issue
    html = _render_template(
        "pdf/act.html",
        locale=locale,
        f=Fmt(locale, invoice.currency),
        invoice=invoice,
        act_date=on,
        org=p.org,
        account=p.account,
        client=p.client,
        contract=p.contract,
        lines=list(invoice.lines),
    )
    filename = f"Акт_{invoice.number}_от_{on:%d.%m.%Y}.pdf" if locale == "ru" else f"Act_{invoice.number}_{on}.pdf"
    return Source(
        kind=DocumentKind.ACT,
        subject=f"act:{invoice.id}",
        locale=locale,
        html=html,
        filename=filename,
        client_id=invoice.client_id,
        invoice_id=invoice.id,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )


def act_document(invoice: Invoice, locale: str) -> DocumentVersion:
    """The PDF act for an issued invoice in ``locale`` (rendered only if new)."""
    return stored_version(act_source(invoice, locale))


# --- statements of account --------------------------------------------------------------------------------


def statement_source(client: Client, start: date, end: date, locale: str) -> Source:
    """The statement of account (акт сверки) of a client for a period, from ``statement_of_account``."""
    _check_locale(locale)
    statement = statement_of_account(client.id, start, end)
    org = db.session.get(Organisation, client.organisation_id)
    html = _render_template(
        "pdf/statement.html",
        locale=locale,
        f=Fmt(locale, client.currency),
        statement=statement,
        org=org,
        client=client,
        # the names the running text uses (see debitor/legal_names.py): ours is the short name we keep
        # (the one 1C and the QR code get), the client's is derived from its legal name
        org_short=org.short_name or short_legal_name(org.name),
        client_short=short_legal_name(client.legal_name),
    )
    if locale == "ru":
        filename = f"Акт_сверки_{client.inn}_{start:%d.%m.%Y}-{end:%d.%m.%Y}.pdf"
    else:
        filename = f"Statement_{client.inn}_{start}_{end}.pdf"
    return Source(
        kind=DocumentKind.STATEMENT,
        subject=f"statement:{client.id}:{start.isoformat()}:{end.isoformat()}",
        locale=locale,
        html=html,
        filename=filename,
        client_id=client.id,
        period_start=start,
        period_end=end,
    )


def statement_document(client: Client, start: date, end: date, locale: str) -> DocumentVersion:
    """The PDF statement of account of a client for ``start``..``end`` in ``locale`` (rendered only if new;
    a new payment or invoice in the period changes the HTML and so makes a new version)."""
    return stored_version(statement_source(client, start, end, locale))


# --- attachments ------------------------------------------------------------------------------------------


def resolve_attachment(spec: str) -> tuple[str, bytes]:
    """(filename, PDF bytes) for an outbox attachment spec: ``invoice:<id>:<locale>``, ``act:<id>:<locale>``
    or ``statement:<client id>:<start>:<end>:<locale>``; the version is rendered if needed. Raises
    ValueError for a spec that is malformed, names nothing, or names something without a document
    (a draft, a credit note's act)."""
    parts = spec.split(":")
    try:
        if parts[0] in ("invoice", "act") and len(parts) == 3:
            invoice = db.session.get(Invoice, int(parts[1]))
            if invoice is None:
                raise ValueError(f"no invoice {parts[1]}")
            make = invoice_document if parts[0] == "invoice" else act_document
            version = make(invoice, _check_locale(parts[2]))
        elif parts[0] == "statement" and len(parts) == 5:
            client = db.session.get(Client, int(parts[1]))
            if client is None:
                raise ValueError(f"no client {parts[1]}")
            start, end = date.fromisoformat(parts[2]), date.fromisoformat(parts[3])
            version = statement_document(client, start, end, _check_locale(parts[4]))
        else:
            raise ValueError("unknown kind")
    except (ValueError, IndexError, DomainError) as exc:
        raise ValueError(f"bad attachment spec {spec!r}: {exc}") from exc
    return version.filename, version.content
