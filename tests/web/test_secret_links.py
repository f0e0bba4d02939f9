"""One-time links (password reset, invitation) reach only their recipient: no stored copy, no staff mail
page and no view of the dev mail sink holds a live link (issue 11, point 1: a clerk could take over the
admin's account by reading the admin's reset email in the staff workspace)."""

import re
import smtplib
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db
from debitor.outbox.models import OutboxMessage, OutboxState
from jobs.mailsink import start
from tests import factories as f
from tests.conftest import free_port, post_form, run_jobs

LINK = re.compile(r"http://testserver(/(?:staff/)?reset/\S+)")


@pytest.fixture
def staff(app):
    org = f.organisation()
    f.staff(Role.ADMIN, "admin@staff.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    f.staff(Role.MANAGER, "manager@staff.test")
    client = f.client(org, "Ромашка")
    db.session.commit()
    return client


def signed_in(app, email):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def the_message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage)).one()


@pytest.mark.parametrize("reader", ["clerk@staff.test", "manager@staff.test", "admin@staff.test"])
def test_a_reset_email_for_the_admin_gives_its_link_to_nobody_but_the_admin(app, smtp, staff, reader):
    anonymous = app.test_client()
    assert post_form(anonymous, "/staff/forgot", {"email": "admin@staff.test"}).status_code == 303
    msg = the_message()
    assert "/reset/" not in msg.body_text + msg.body_html  # the stored copy has no link to follow
    staff_view = signed_in(app, reader)
    listing = staff_view.get("/staff/mail").get_data(as_text=True)
    page = staff_view.get(f"/staff/mail/{msg.id}").get_data(as_text=True)
    assert "Сброс пароля" in listing and "/reset/" not in listing
    assert "/reset/" not in page and "только получатель" in page  # says where the link went

    assert run_jobs(app) == 1
    (mail,) = smtp.messages
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    link = LINK.search(text).group(1)
    assert link in html and "[[" not in text + html  # the recipient's copy has the real link, in both parts
    assert "/reset/" not in staff_view.get(f"/staff/mail/{msg.id}").get_data(as_text=True)  # sent: still hidden
    r = post_form(anonymous, link, {"password": "admin-new-pass-1", "confirm": "admin-new-pass-1"})
    assert r.status_code == 303
    new_login = {"email": "admin@staff.test", "password": "admin-new-pass-1"}
    assert post_form(app.test_client(), "/staff/", new_login).status_code == 303


def test_a_portal_invitation_is_hidden_from_staff_and_works_for_the_invitee(app, smtp, staff):
    admin = signed_in(app, "admin@staff.test")
    url = f"/staff/clients/{staff.id}/portal-users/new"
    assert post_form(admin, url, {"name": "Анна", "email": "anna@romashka.test"}).status_code == 303
    msg = the_message()
    assert "/reset/" not in msg.body_text + msg.body_html
    clerk = signed_in(app, "clerk@staff.test")
    assert "/reset/" not in clerk.get(f"/staff/mail/{msg.id}").get_data(as_text=True)
    run_jobs(app)
    (mail,) = smtp.messages
    link = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    page = app.test_client().get(link)
    assert page.status_code == 200


def test_a_reset_asked_for_before_a_password_change_is_not_sent(app, smtp, staff):
    assert post_form(app.test_client(), "/staff/forgot", {"email": "clerk@staff.test"}).status_code == 303
    from debitor.auth.services import find_user

    find_user("staff", "clerk@staff.test").set_password("changed-meanwhile-1")
    db.session.commit()
    run_jobs(app)
    assert smtp.messages == []
    msg = the_message()
    assert msg.state == OutboxState.FAILED and "no longer valid" in msg.last_error


def test_the_dev_mail_sink_view_masks_the_recipients_link(app, staff, tmp_path):
    directory = tmp_path / "sink"
    port, test_smtp = free_port(), app.config["MAIL_PORT"]
    controller = start(str(directory), port=port)
    app.config.update(MAIL_SINK_DIR=str(directory), MAIL_PORT=port)
    try:
        post_form(app.test_client(), "/staff/forgot", {"email": "admin@staff.test"})
        run_jobs(app)
        received = message_from_bytes(next((directory / "new").iterdir()).read_bytes(), policy=policy.default)
        assert "/staff/reset/" in received.get_body(("plain",)).get_content()  # the recipient's mailbox has the link …
        with smtplib.SMTP("127.0.0.1", port) as smtp:  # … and a reset link someone else forwarded there
            smtp.sendmail("x@x.test", ["y@y.test"], b"Subject: fwd\r\n\r\nsee http://testserver/reset/abc.def\r\n")
        page = signed_in(app, "clerk@staff.test").get("/staff/mail").get_data(as_text=True)
    finally:
        controller.stop()
        app.config.update(MAIL_SINK_DIR="", MAIL_PORT=test_smtp)
    assert "admin@staff.test" in page and "fwd" in page
    assert "/reset/" not in page and "только получатель" in page


def test_the_web_servers_access_log_masks_reset_links():
    import datetime
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    from gunicorn.config import Config

    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"  # the file gunicorn reads by itself
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/staff/reset/IjEi.abc-DEF_9?x=1",
        "PATH_INFO": "/staff/reset/IjEi.abc-DEF_9",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "http://testserver/reset/IjEi.xyz",
    }
    resp = SimpleNamespace(status="200 OK", headers=[], sent=10)
    req = SimpleNamespace(headers=[("REFERER", "http://testserver/reset/IjEi.xyz")])
    atoms = conf.MaskingLogger(Config()).atoms(resp, req, environ, datetime.timedelta(seconds=1))
    logged = " ".join(str(v) for v in atoms.values())
    assert "IjEi" not in logged and "/staff/reset/…" in logged and "/reset/…" in atoms["f"]


def test_the_apps_own_log_masks_reset_links(app, caplog):
    with caplog.at_level("ERROR", logger=app.logger.name):
        app.logger.error("Exception on %s [%s]", "/staff/reset/IjEi.secret-token", "GET")  # what Flask logs on a 500
    assert "secret-token" not in caplog.text and "/staff/reset/…" in caplog.text
