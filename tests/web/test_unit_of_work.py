"""One transaction per request: a view's changes are committed when it answers 2xx or 3xx, and nothing of
them is left when it raises or answers with an error page. What is committed is read on a connection of
its own, as another request would see it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from debitor.auth.models import Role
from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices import batch
from debitor.invoices.models import Invoice, InvoiceState
from debitor.invoices.sending import issue_and_send
from debitor.outbox.models import OutboxMessage
from tests import factories as f
from tests.conftest import post_form


@pytest.fixture
def draft(app):
    org = f.organisation()
    inv = f.draft(org, f.client(org, "Альфа"))
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return inv.id


def signed_in(app):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD}).status_code == 303
    return c


def committed(invoice_id: int) -> tuple[str, int]:
    """The invoice's state and the number of outbox messages, as committed."""
    with db.engine.connect() as conn:
        state = conn.scalar(sa.select(Invoice.state).where(Invoice.id == invoice_id))
        messages = conn.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    return state, messages


def issue(c, invoice_id: int):
    return post_form(c, f"/staff/invoices/{invoice_id}/issue", {}, page=f"/staff/invoices/{invoice_id}")


def test_a_redirecting_post_commits(app, draft):
    r = issue(signed_in(app), draft)
    assert r.status_code == 303
    assert committed(draft) == (InvoiceState.ISSUED, 1)  # issued, and its email queued, in one commit


def _issue_then(failure):
    def issue_and_fail(inv, **kw):
        issue_and_send(inv, **kw)
        db.session.flush()  # the changes are in the database's transaction, not only in the session
        failure()

    return issue_and_fail


def test_a_view_that_raises_after_changing_rows_leaves_nothing(app, draft, monkeypatch):
    c = signed_in(app)

    def crash():
        raise RuntimeError("the view broke")

    monkeypatch.setattr("staff.invoice_page.issue_and_send", _issue_then(crash))
    with pytest.raises(RuntimeError):  # TESTING propagates it; a server answers 500
        issue(c, draft)
    assert committed(draft) == (InvoiceState.DRAFT, 0)


def test_an_error_answer_after_changes_leaves_nothing(app, draft, monkeypatch):
    c = signed_in(app)
    monkeypatch.setattr("staff.invoice_page.issue_and_send", _issue_then(lambda: abort(409)))
    assert issue(c, draft).status_code == 409
    assert committed(draft) == (InvoiceState.DRAFT, 0)


def test_a_refused_step_is_rolled_back_and_the_rest_of_the_request_commits(app, draft, monkeypatch):
    org = db.session.get(Invoice, draft).organisation
    other = f.draft(org, f.client(org, "Бета")).id
    db.session.commit()
    real = batch.send_invoice

    def second_refused(inv, **kw):
        real(inv, **kw)  # issued and its email queued: then refused
        db.session.flush()
        if inv.id == other:
            raise DomainError("refused after the work was done")

    monkeypatch.setattr(batch, "send_invoice", second_refused)
    c = signed_in(app)
    r = post_form(c, "/staff/invoices/bulk", {"action": "issue", "ids": [draft, other]}, page="/staff/invoices")
    assert r.status_code == 303
    assert committed(draft) == (InvoiceState.ISSUED, 1)  # the first one's email is the only message
    assert committed(other)[0] == InvoiceState.DRAFT  # its savepoint is gone
    assert "refused after the work was done" in c.get("/staff/invoices").get_data(as_text=True)
