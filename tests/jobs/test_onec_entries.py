"""Issue 11's statements through each of the import's three entries — ``flask onec import FILE``, the staff
upload a worker imports, the exchange folder — and what each must leave: a refused or failed import ends
failed with its reason (never running), writes nothing, and the folder moves the file to ``failed/`` with
the error beside it and goes on with the next file."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db
from debitor.onec import errors
from debitor.payments.models import BankStatement, Payment, StatementFile, StatementState
from tests import factories as f
from tests.conftest import csrf_token, post_form, run_jobs
from tests.onec_files import Doc, refused_statements, statement_bytes

ENTRIES = ["cli", "upload", "folder"]
OLD = 1_000_000_000  # a settled file's mtime for the folder


@dataclass
class Imported:
    statement: BankStatement
    cli_exit: int | None = None
    folder_file: Path | None = None  # where the folder put the file
    folder_error: str | None = None  # the .error.txt beside a failed one


@pytest.fixture
def org(app):
    o = f.organisation()
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return o


@pytest.fixture
def via(app, org, tmp_path):
    """``via(entry, data)``: import the statement through that entry, the way a user would."""
    app.config["ONEC_EXCHANGE_DIR"] = str(tmp_path / "exchange")
    n = iter(range(1, 100))

    def run(entry: str, data: bytes, name: str | None = None) -> Imported:
        name = name or f"kl_to_1c_{next(n):02d}.txt"
        if entry == "cli":
            path = tmp_path / name
            path.write_bytes(data)
            result = app.test_cli_runner().invoke(args=["onec", "import", str(path)])
            out = json.loads(result.output)
            return Imported(db.session.get(BankStatement, out["statement"]), cli_exit=result.exit_code)
        if entry == "upload":
            c = app.test_client()
            assert post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD}).status_code == 303
            token = csrf_token(c, "/staff/statements")
            r = c.post(
                "/staff/statements",
                data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data",
            )
            assert r.status_code == 303
            assert run_jobs(app) == 1
            st = db.session.scalars(sa.select(BankStatement).order_by(BankStatement.id.desc()).limit(1)).one()
            page = c.get(f"/staff/statements/{st.id}").get_data(as_text=True)
            assert 'data-state="running"' not in page and "every 1s" not in page  # never polling for ever
            return Imported(st)
        from debitor.payments.folder import folders, pick_up

        inbox = folders()["in"]
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (OLD, OLD))
        (result,) = [r for r in pick_up(now=OLD + 3600) if r["file"] == name]
        assert not list(folders()["processing"].iterdir())
        st = db.session.get(BankStatement, result["statement"])
        where = "done" if st.state == StatementState.DONE else "failed"
        (moved,) = [p for p in folders()[where].iterdir() if p.name.endswith(name)]
        error = moved.with_name(moved.name + ".error.txt")
        return Imported(st, folder_file=moved, folder_error=error.read_text("utf-8") if error.exists() else None)

    yield run
    app.config["ONEC_EXCHANGE_DIR"] = ""


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_failed_leaving_nothing(got: Imported, entry: str) -> None:
    db.session.expire_all()
    st = got.statement
    assert st.state == StatementState.FAILED and st.error and st.finished_at is not None
    assert count(Payment) == 0 and count(StatementFile) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(BankStatement.state == StatementState.RUNNING)) == 0
    from debitor.payments.importing import stale_queued_ids

    assert stale_queued_ids() == []  # the sweep has nothing to run again
    if entry == "cli":
        assert got.cli_exit == 1
    if entry == "folder":
        assert got.folder_error and "failed" in got.folder_error


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("name", list(refused_statements()))
def test_a_statement_no_bank_writes_is_refused_naming_the_line(via, entry, name):
    bad = refused_statements()[name]
    got = via(entry, bad.data)
    assert_failed_leaving_nothing(got, entry)
    error = got.statement.error
    assert (error["message"], error["line"], error["key"]) == (getattr(errors, bad.message), bad.line, bad.key)
    if entry == "folder":
        assert f"Line {bad.line}" in got.folder_error  # the error beside the file names the line


@pytest.mark.parametrize("entry", ENTRIES)
def test_an_unexpected_error_ends_the_import_as_failed_with_a_message(via, entry, monkeypatch):
    """A bug or the database refusing a row must not leave the statement running (its page polling at 0 %
    for ever, the sweep importing it again and again, the folder's file stuck in processing/)."""
    from debitor.payments import importer, importing

    def broken(*args, **kw):
        raise RuntimeError("the matcher broke")

    monkeypatch.setattr(importer, "propose", broken)
    got = via(entry, statement_bytes([Doc("1", "100.00", "Оплата", payer_inn="7728168971")]))
    assert_failed_leaving_nothing(got, entry)
    assert got.statement.error["message"] == importing.E_UNEXPECTED
    assert "RuntimeError: the matcher broke" in got.statement.error["params"]["error"]
    monkeypatch.undo()
    again = via(entry, statement_bytes([Doc("1", "100.00", "Оплата", payer_inn="7728168971")]))
    assert again.statement.state == StatementState.DONE and count(Payment) == 1  # nothing was left behind


@pytest.mark.parametrize("entry", ENTRIES)
def test_an_error_in_the_writer_ends_the_import_as_failed(via, entry, monkeypatch):
    """The same when the rows cannot be written."""
    from debitor.payments import importer

    def refuse(*args, **kw):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer, "insert_payments", refuse)
    got = via(entry, statement_bytes([Doc("1", "100.00", "Оплата", payer_inn="")]))
    assert_failed_leaving_nothing(got, entry)
    assert "the disk is full" in got.statement.error["params"]["error"]


def test_the_folder_goes_on_after_a_file_it_could_not_import(app, org, tmp_path, monkeypatch):
    """Whatever goes wrong with one file, it leaves processing/ for failed/ with the error beside it, and the
    next file is imported."""
    from debitor.payments import folder

    app.config["ONEC_EXCHANGE_DIR"] = str(tmp_path)
    try:
        dirs = folder.folders()
        for name, number in (("a.txt", "1"), ("b.txt", "2")):
            (dirs["in"] / name).write_bytes(statement_bytes([Doc(number, "10.00", "x", payer_inn="")]))
            os.utime(dirs["in"] / name, (OLD, OLD))
        real = folder.import_path

        def first_breaks(path, **kw):
            if path.name == "a.txt":
                raise RuntimeError("the database went away")
            return real(path, **kw)

        monkeypatch.setattr(folder, "import_path", first_breaks)
        results = folder.pick_up(now=OLD + 3600)
        assert [(r["file"], r["state"]) for r in results] == [("a.txt", "failed"), ("b.txt", "done")]
        assert not list(dirs["processing"].iterdir())
        failed = sorted(p.name for p in dirs["failed"].iterdir())
        assert len(failed) == 2 and failed[0].endswith("a.txt") and failed[1].endswith("a.txt.error.txt")
        error = (dirs["failed"] / failed[1]).read_text("utf-8")
        assert "the database went away" in error
        assert count(Payment) == 1
    finally:
        app.config["ONEC_EXCHANGE_DIR"] = ""


def test_an_upload_whose_bytes_are_gone_ends_failed(app, org):
    """The worker finds no stored bytes (deleted meanwhile): the statement ends failed, saying so."""
    from debitor.payments.importing import new_statement
    from jobs.tasks import import_statement

    st = new_statement("upload", "s.txt", statement_bytes([Doc("1", "10.00", "x", payer_inn="")]))
    db.session.commit()
    db.session.execute(sa.delete(StatementFile))
    db.session.commit()
    assert import_statement(st.id)["state"] == "failed"
    db.session.expire_all()
    done = db.session.get(BankStatement, st.id)
    assert done.state == StatementState.FAILED and "no longer stored" in done.error["message"]


def _cash(purpose: str, inn: str, name: str) -> Doc:
    return Doc("", "5000.00", purpose, payer_inn=inn, payer_name=name, payer_account="", kind="Банковский ордер")


def _filled_in(data: bytes) -> bytes:
    """The next day's overlap: the bank has filled in the day the money came."""
    return data.replace("ДатаПоступило=\r\n".encode("cp1251"), "ДатаПоступило=03.03.2026\r\n".encode("cp1251"))


@pytest.mark.parametrize("entry", ENTRIES)
def test_cash_deposits_repeats_and_an_overlap_through_each_entry(via, entry):
    """Two cash deposits of one day and amount are two payments; the same deposit twice in one statement is
    two payments and a warning naming both lines; the next day's overlap, its received dates filled in,
    brings nothing new."""
    deposits = [
        _cash("Взнос наличных. Оплата по договору 7", "500100732259", "Иванов Иван Иванович"),
        _cash("Взнос наличных. Аренда", "7728168971", "ООО Плательщик"),
        _cash("Взнос наличных. Аренда", "7728168971", "ООО Плательщик"),
    ]
    today = statement_bytes(deposits).replace(
        "ДатаПоступило=02.03.2026\r\n".encode("cp1251"), "ДатаПоступило=\r\n".encode("cp1251")
    )
    got = via(entry, today)
    st = got.statement
    assert st.state == StatementState.DONE and st.summary["incoming"] == 3 and st.summary["duplicates_skipped"] == 0
    assert count(Payment) == 3 and sum(db.session.scalars(sa.select(Payment.amount_kopecks))) == 15_000_00
    (warning,) = st.warnings
    assert warning["message"].startswith("Line %(line)s is the same bank document as line %(first)s")
    if entry == "folder":
        assert got.folder_file.parent.name == "done"
    again = via(entry, _filled_in(today))
    assert again.statement.summary["duplicates_skipped"] == 3 and count(Payment) == 3


@pytest.fixture
def second_account(org):
    from debitor.orgs.models import BankAccount
    from tests.onec_files import SECOND_ACCOUNT

    org.bank_accounts.append(BankAccount(bank_name="АО Альфа-Банк", bik="044525593", account=SECOND_ACCOUNT,
                                         corr_account="30101810200000000593"))  # fmt: skip
    db.session.commit()
    return SECOND_ACCOUNT


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_transfer_between_our_accounts_through_each_entry(app, via, entry, second_account):
    """Each account's statement brings its side of the transfer; the statement page says it is a transfer
    between our accounts, the clerk's queue and the reconciliation agree."""
    from datetime import date

    from debitor.db import utcnow
    from debitor.kpi.services import staff_counts
    from debitor.payments.reconciliation import reconcile
    from tests.onec_files import transfer_in, transfer_out

    first = via(entry, statement_bytes([transfer_out()])).statement
    second = via(entry, statement_bytes([transfer_in()], account=second_account)).statement
    assert first.state == second.state == StatementState.DONE and first.warnings == second.warnings == []
    directions = db.session.execute(sa.select(Payment.direction, Payment.client_id).order_by(Payment.id)).all()
    assert [(d.value, c) for d, c in directions] == [("transfer_out", None), ("transfer_in", None)]
    assert staff_counts(date(2026, 3, 31), utcnow()).unmatched_payments == 0
    report = reconcile(date(2026, 3, 1), date(2026, 3, 31))
    assert all(c.ok for c in report.statements) and report.unpaired_transfers == [] and report.received == 0
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD}).status_code == 303
    for st in (first, second):
        page = c.get(f"/staff/statements/{st.id}").get_data(as_text=True)
        assert 'data-testid="transfer"' in page and "Между нашими счетами" in page
        assert 'data-testid="summary-transfers"' in page
    queue = c.get("/staff/payments?state=open").get_data(as_text=True)
    assert "/staff/payments/" not in queue  # nothing for the clerk
    listed = c.get("/staff/payments?state=transfers").get_data(as_text=True)
    assert listed.count('data-testid="transfer"') == 2
    payment = db.session.scalars(sa.select(Payment).order_by(Payment.id)).first()
    body = c.get(f"/staff/payments/{payment.id}").get_data(as_text=True)
    assert "Перевод между нашими счетами" in body and f"40702810200000012345 → {second_account}" in body
    recon = c.get("/staff/reconciliation?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "У каждого перевода есть обе стороны" in recon
