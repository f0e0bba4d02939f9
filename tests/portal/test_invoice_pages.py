"""Portal and staff invoice pages: filters, PDFs served from stored versions, statement of account,
the draft editor and the actions by role."""

from datetime import date

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db
from debitor.documents.models import DocumentVersion
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.payments.services import apply_payment
from tests import factories as f
from tests.conftest import post_form


@pytest.fixture
def world(app):
    org = f.organisation()
    a = f.client(org, "Ромашка", contact_email="buh@romashka.test")
    old = f.issued(org, a, on=date(2026, 1, 15), lines=((1, 1000_00),))
    new = f.issued(org, a, on=date(2026, 3, 10), lines=((1, 2500_00),))
    apply_payment(f.payment(org, a, 1000_00, on=date(2026, 1, 20)), old)
    draft = f.draft(org, a, lines=((2, 300_00),))
    f.portal_user(a, "acc@romashka.test")
    for role in (Role.CLERK, Role.MANAGER, Role.ACCOUNT_MANAGER):
        f.staff(role, f"{role.value}@staff.test")
    db.session.commit()
    return {"org": org, "a": a, "old": old, "new": new, "draft": draft}


def signed_in(app, email, staff=False):
    c = app.test_client()
    assert post_form(c, "/staff/" if staff else "/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def numbers(html: str) -> set[str]:
    import re

    return set(re.findall(r">№ (\d+)</a>", html))


def test_portal_filters_reflect_in_results(app, world):
    c = signed_in(app, "acc@romashka.test")
    assert numbers(c.get("/invoices?status=paid").get_data(as_text=True)) == {world["old"].number}
    assert numbers(c.get("/invoices?status=open").get_data(as_text=True)) == {world["new"].number}
    assert numbers(c.get("/invoices?from=2026-03-01&to=2026-03-31").get_data(as_text=True)) == {world["new"].number}
    assert numbers(c.get(f"/invoices?q=№ {world['old'].number}").get_data(as_text=True)) == {world["old"].number}
    bad = c.get("/invoices?status=bogus&from=yesterday")
    assert bad.status_code == 400 and "bogus" in bad.get_data(as_text=True)
    partial = c.get("/invoices?status=paid", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "HX-Request" in partial.headers["Vary"]


def test_pdf_is_stored_once_and_served_again(app, world):
    c = signed_in(app, "acc@romashka.test")
    first = c.get(f"/invoices/{world['new'].id}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    assert first.headers["Cache-Control"] == "private, no-store"  # requisites: no cache keeps a copy
    second = c.get(f"/invoices/{world['new'].id}/pdf")
    assert second.data == first.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 1
    cached = c.get(f"/invoices/{world['new'].id}/pdf", headers={"If-None-Match": first.headers["ETag"].strip('"')})
    assert cached.status_code == 304
    assert c.get(f"/invoices/{world['new'].id}/act.pdf").data.startswith(b"%PDF")
    assert c.get(f"/invoices/{world['draft'].id}/pdf").status_code == 404


def test_statement_of_account(app, world):
    c = signed_in(app, "acc@romashka.test")
    page = c.get("/statement?from=2026-01-01&to=2026-03-31").get_data(as_text=True)
    assert "2\u00a0500,00" in page and "1\u00a0000,00" in page  # closing debt and the payment
    assert 'data-testid="closing-debit">2\u00a0500,00' in page
    pdf = c.get("/statement.pdf?from=2026-01-01&to=2026-03-31")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "private, no-store"  # balances: no cache keeps a copy
    assert c.get("/statement?from=2026-03-31&to=2026-01-01").status_code == 400


def test_draft_editor_validates_lines_and_saves(app, world):
    c = signed_in(app, "clerk@staff.test", staff=True)
    url = f"/staff/invoices/new?client_id={world['a'].id}"
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Invoice))
    bad = post_form(
        c,
        url,
        {"client_id": world["a"].id, "lines-0-description": "Клики", "lines-0-quantity": "-3", "lines-0-price": "10"},
    )
    assert bad.status_code == 400 and 'data-error-for="lines.0.quantity"' in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == before
    ok = post_form(
        c,
        url,
        {
            "client_id": world["a"].id,
            "lines-0-description": "Клики за март",
            "lines-0-quantity": "1 500",
            "lines-0-unit": "клик",
            "lines-0-price": "12,50",
            "lines-1-description": "",
            "lines-1-quantity": "",
            "lines-1-price": "",
        },
    )
    assert ok.status_code == 303
    inv = db.session.get(Invoice, int(ok.headers["Location"].rsplit("/", 1)[1]))
    assert inv.state == InvoiceState.DRAFT and inv.total_kopecks == 1500 * 1250 and len(inv.lines) == 1


def test_issue_and_cancel_by_role(app, world, smtp):
    clerk = signed_in(app, "clerk@staff.test", staff=True)
    am = signed_in(app, "account_manager@staff.test", staff=True)
    draft_id = world["draft"].id
    assert post_form(am, f"/staff/invoices/{draft_id}/issue", {}, page="/staff/home").status_code == 403
    r = post_form(clerk, f"/staff/invoices/{draft_id}/issue", {}, page="/staff/home")
    assert r.status_code == 303
    db.session.expire_all()
    inv = db.session.get(Invoice, draft_id)
    assert inv.state == InvoiceState.ISSUED and inv.number
    assert (
        post_form(clerk, f"/staff/invoices/{draft_id}/cancel", {"reason": "x"}, page="/staff/home").status_code == 403
    )
    manager = signed_in(app, "manager@staff.test", staff=True)
    post_form(manager, f"/staff/invoices/{draft_id}/cancel", {"reason": "ошибка в сумме"}, page="/staff/home")
    db.session.expire_all()
    assert db.session.get(Invoice, draft_id).state == InvoiceState.CANCELLED
    note = db.session.scalar(sa.select(Invoice).where(Invoice.corrects_id == draft_id))
    assert note.kind == InvoiceKind.CREDIT_NOTE
    page = manager.get(f"/staff/invoices/{draft_id}").get_data(as_text=True)
    assert f"№ {note.number}" in page


def test_issue_without_billing_contacts_is_refused_with_a_message(app, world):
    org = world["org"]
    lonely = f.client(org, "Без контактов", contact_email=None)
    inv = f.draft(org, lonely)
    db.session.commit()
    clerk = signed_in(app, "clerk@staff.test", staff=True)
    r = post_form(clerk, f"/staff/invoices/{inv.id}/issue", {}, page="/staff/home")
    page = clerk.get(r.headers["Location"]).get_data(as_text=True)
    assert "Без контактов" in page and "alert-danger" in page
    db.session.expire_all()
    assert db.session.get(Invoice, inv.id).state == InvoiceState.DRAFT
