"""Issuing sends the invoice PDF to the billing contacts: once, over real SMTP, with the delivery on
the timeline; an unsendable invoice is not issued at all."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import DocumentCounter, InvoiceState
from debitor.invoices.sending import issue_and_send, send_invoice
from debitor.outbox.models import OutboxMessage
from debitor.timeline.models import Event
from jobs import tasks
from tests import factories as f
from tests.conftest import run_jobs


def test_issue_sends_pdf_once(app, smtp):
    org = f.organisation()
    client = f.client(org, "Ромашка", contact_email="buh@romashka.test", legal_name="ООО «Ромашка»")
    inv = f.draft(org, client, lines=((3, 12_345_67),))
    issue_and_send(inv)
    db.session.commit()
    run_jobs(app)
    (mail,) = smtp.messages
    assert mail["To"] == "buh@romashka.test" and f"№ {inv.number}" in mail["Subject"]
    (pdf,) = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages)
    assert inv.number in text and "Ромашка" in text
    # the job again, a sweep, and issuing the same invoice's first send again: nothing more goes out
    msg_id = db.session.scalar(sa.select(OutboxMessage.id))
    assert tasks.deliver_outbox(msg_id) == "sent" and tasks.sweep_outbox() == 0
    send_invoice(inv)
    db.session.commit()
    run_jobs(app)
    assert len(smtp.messages) == 1
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.invoice_id == inv.id).order_by(Event.id)).all()
    assert kinds == ["invoice_issued", "invoice_queued_for_sending", "email_sent"]


def test_send_again_is_a_new_message(app, smtp):
    org = f.organisation()
    inv = f.draft(org, f.client(org))
    issue_and_send(inv)
    db.session.commit()
    send_invoice(inv, resend=True)
    db.session.commit()
    run_jobs(app)
    assert len(smtp.messages) == 2


def test_client_without_billing_contacts_is_not_issued(app, smtp):
    org = f.organisation()
    client = f.client(org, contact_email=None)
    inv = f.draft(org, client)
    with pytest.raises(DomainError) as err:
        issue_and_send(inv)
    assert err.value.field == "contacts"
    assert inv.state == InvoiceState.DRAFT and inv.number_seq is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentCounter)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
