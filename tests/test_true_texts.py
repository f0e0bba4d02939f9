"""Texts promise only what is there (issue 12, point 8): the invoice email offers no dispute in the portal,
and the staff home's process lists only the steps that run, each linked to its page."""

import re

from debitor.auth.models import Role
from debitor.db import db
from debitor.invoices.sending import issue_and_send
from tests import factories as f
from tests.conftest import post_form, run_jobs


def test_the_invoice_email_offers_only_what_exists(app, smtp):
    org = f.organisation()
    inv = f.draft(org, f.client(org, "Ромашка", contact_email="buh@romashka.test"))
    issue_and_send(inv)
    db.session.commit()
    run_jobs(app)
    (mail,) = smtp.messages
    text, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    assert "ответьте на это письмо" in text
    assert "спор" not in text + html and "dispute" not in (text + html).lower()


def test_the_staff_homes_process_lists_what_runs_with_links(app):
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    c = app.test_client()
    post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD})
    page = c.get("/staff/home").get_data(as_text=True)
    process = re.search(r'data-testid="process">(.*?)</ol>', page, re.S).group(1)
    assert process.count("<li>") == 3
    for link in ("/staff/invoices", "/staff/statements", "/staff/onec/export"):
        assert f'href="{link}"' in process
    for not_yet in ("Договор", "статистик", "напоминан", "пени"):
        assert not_yet not in process
