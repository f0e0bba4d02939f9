"""Flask CLI commands: demo data, users, outbox, 1C exchange, collection. Each command's work is one unit of work (the
imports, like their jobs, commit their own steps)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from debitor.work import unit_of_work


def register(app: Flask) -> None:
    demo = AppGroup("demo", help="Demo data for trying Debitor out.")

    @demo.command("load")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has an organisation.")
    @click.option("--seed", default=42, show_default=True, help="Random seed (the same seed, the same company).")
    @click.option("--exchange-folder", is_flag=True, help="Also drop a bank statement into the 1C exchange folder.")
    def demo_load(if_empty: bool, seed: int, exchange_folder: bool):
        from debitor.dates import today
        from debitor.demo import has_data, load_demo
        from debitor.demo_bank import demo_statement, import_demo_statement

        if if_empty and has_data():
            click.echo("Demo data already present; nothing to do.")
            return
        with unit_of_work():
            summary = load_demo(seed=seed)
        click.echo(summary.render())
        with unit_of_work():
            statement = import_demo_statement(today() - timedelta(days=1))
        click.echo(f"Bank statement {statement.filename}: {json.dumps(statement.summary)}")
        if exchange_folder:
            from debitor.payments.folder import folders

            name, data = demo_statement(today(), skip=40)
            target = folders()["in"] / name
            target.write_bytes(data)
            click.echo(f"Next statement dropped into the exchange folder: {target}")

    app.cli.add_command(demo)

    users = AppGroup("users", help="Staff users.")

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", required=True, type=click.Choice(["clerk", "account_manager", "manager", "admin"]))
    @click.password_option()
    def users_create(email: str, name: str, role: str, password: str):
        from debitor.auth.schemas import StaffUserInput
        from debitor.auth.services import create_staff_user
        from debitor.errors import DomainError
        from debitor.schemas import error_messages

        try:
            data = StaffUserInput().load({"email": email, "name": name, "role": role, "password": password})
            with unit_of_work():
                user = create_staff_user(data)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        except Exception as exc:
            from marshmallow import ValidationError

            if isinstance(exc, ValidationError):
                raise click.ClickException(json.dumps(error_messages(exc), ensure_ascii=False)) from exc
            raise
        click.echo(f"created {user.role.value} {user.email}")

    app.cli.add_command(users)

    outbox = AppGroup("outbox", help="Outgoing messages.")

    @outbox.command("sweep")
    def outbox_sweep():
        """Deliver due pending messages now, in this process."""
        from jobs.outbox import deliver_due

        done = deliver_due()
        for ident, state in done:
            click.echo(f"{ident}: {state}")
        click.echo(f"{len(done)} message(s) processed")

    app.cli.add_command(outbox)

    onec = AppGroup("onec", help="1C exchange: bank statements in, EnterpriseData out.")

    @onec.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def onec_import(file: Path):
        """Import a 1CClientBankExchange statement; prints a JSON summary (exit status 1 if refused)."""
        from debitor.payments.importing import ImportRefused, import_path, statement_json
        from debitor.payments.models import StatementState

        try:
            statement = import_path(file, source="cli")
        except ImportRefused as exc:
            click.echo(json.dumps({"state": "failed", "error": str(exc)}, ensure_ascii=False, indent=2))
            raise SystemExit(1) from exc
        click.echo(statement_json(statement))
        if statement.state != StatementState.DONE:
            raise SystemExit(1)

    @onec.command("pick-up")
    def onec_pick_up():
        """Import what is waiting in the exchange folder now, in this process."""
        from debitor.payments.folder import pick_up

        click.echo(json.dumps(pick_up(), ensure_ascii=False, indent=2))

    app.cli.add_command(onec)

    collection = AppGroup("collection", help="Collection: the dunning policy's run.")

    @collection.command("run")
    @click.option("--today", "day", callback=_day, help="Run the policy as of this date (YYYY-MM-DD).")
    @click.option("--dry-run", is_flag=True, help="Say what would be taken; write nothing.")
    def collection_run(day, dry_run: bool):
        """Take every step that is due; prints one JSON object (the run's summary)."""
        from debitor.collection.run import run
        from debitor.dates import today

        with unit_of_work():
            summary = run(day or today(), dry_run=dry_run)
        click.echo(json.dumps(summary, ensure_ascii=False))

    @collection.command("install-defaults")
    def collection_install_defaults():
        """Install the default letters and policy where there are none."""
        from debitor.collection.defaults import install_defaults

        with unit_of_work():
            policy = install_defaults()
        click.echo(f"installed the policy {policy.name!r}" if policy else "a policy exists; letters completed")

    app.cli.add_command(collection)


def _day(_ctx, _param, value: str | None):
    """--today: an ISO date, or a usage error (exit status 2) that says what was wrong."""
    import re
    from datetime import date

    if value is None:
        return None
    try:  # the pattern first: fromisoformat also takes 20260301 and 2026-W10-1
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD")
