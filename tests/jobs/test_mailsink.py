"""The run command's local mail sink keeps what arrives, and the staff workspace lists it."""

import smtplib
from email.message import EmailMessage

from debitor.auth.models import Role
from debitor.db import db
from jobs.mailsink import start
from tests import factories as f
from tests.conftest import free_port, post_form


def test_sink_stores_mail_and_staff_sees_it(app, tmp_path):
    directory = tmp_path / "sink"
    directory.mkdir()  # an existing, empty folder must work too
    port = free_port()
    controller = start(str(directory), port=port)
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@x.test", "acc@client.test", "Сброс пароля"
        msg["Date"] = "Wed, 02 Dec 2026 10:15:00 +0000"
        msg.set_content("Ссылка: http://example/reset")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(msg)
    finally:
        controller.stop()
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    app.config["MAIL_SINK_DIR"] = str(directory)
    try:
        c = app.test_client()
        post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD})
        page = c.get("/staff/mail").get_data(as_text=True)
    finally:
        app.config["MAIL_SINK_DIR"] = ""
    assert "Сброс пароля" in page and "acc@client.test" in page and "http://example/reset" in page
    sink = page[page.index('id="sink"') :]
    assert "02.12.2026" in sink and ">—<" not in sink  # issue 12, point 11: entries showed «—» for the date
    assert "Почта для разработки" in page and "перехватчик почты что" not in page  # and the heading read badly
