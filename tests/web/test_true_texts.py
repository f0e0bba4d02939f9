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


def test_a_cancelled_invoice_and_a_cancelled_task_each_have_their_word(app):
    from flask_babel import force_locale

    from debitor.labels import LABELS, STATE_BADGES
    from debitor.models import InvoiceState, TaskState

    with app.test_request_context(), force_locale("ru"):
        assert str(LABELS[InvoiceState.CANCELLED]) == "Аннулирован"  # a счёт, as the table's filter says
        assert str(LABELS[TaskState.CANCELLED]) == "Отменена"  # a задача
        assert str(LABELS["cancelled"]) == "Аннулирован"  # a plain value: the invoice table's tabs
    assert STATE_BADGES[InvoiceState.CANCELLED] == "dark" and STATE_BADGES[TaskState.CANCELLED] == "secondary"


def test_an_invitation_opens_a_page_for_a_first_password(app, smtp):
    import re

    org = f.organisation()
    client = f.client(org, "Ромашка")
    am = f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    c = app.test_client()
    post_form(c, "/staff/", {"email": am.email, "password": f.PASSWORD})
    post_form(c, f"/staff/clients/{client.id}/portal-users/new", {"name": "Анна", "email": "anna@romashka.test"})
    run_jobs(app)
    link = re.search(r"http://testserver(/reset/\S+)", smtp.messages[0].get_body(("plain",)).get_content()).group(1)
    page = app.test_client().get(link).get_data(as_text=True)
    assert "<title>Задайте пароль" in page and "новый пароль" not in page.lower()
    # someone who has signed in before and forgot the password sets a new one
    post_form(app.test_client(), "/staff/forgot", {"email": am.email})
    run_jobs(app)
    link = re.search(r"http://testserver(/staff/reset/\S+)", smtp.messages[1].get_body(("plain",)).get_content())
    assert "Задайте новый пароль" in app.test_client().get(link.group(1)).get_data(as_text=True)
