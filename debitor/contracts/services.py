"""Contracts: draft one, send it to the client for acknowledgement, let the client acknowledge it in the
portal, mark the late ones overdue (with a task for the account manager) and terminate.

Every move goes through ``debitor.states.transition`` with its business event: contract_sent,
contract_acknowledged, contract_ack_overdue, contract_terminated; creating one writes contract_created.
Services flush, never commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.auth.models import PortalUser, Role
from debitor.contracts.models import Contract, ContractState
from debitor.dates import company_tz, today
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.states import transition
from debitor.tasks.services import create_task
from debitor.timeline.services import record

ACK_TASK = "contract_ack_overdue"  # the kind of task an overdue acknowledgement leaves the account manager
ACK_TASK_HOURS = 24  # …due this long after the deadline was found passed
MAX_TERMS_DAYS = 365


def create_contract(client, data: dict, *, actor=None) -> Contract:
    """A draft contract of ``client``. ``data``: number, title, signed_on, starts_on, optional ends_on,
    payment_terms_days (default the client's), penalty_rate_per_day (percent a day, default 0.1)."""
    number = (data.get("number") or "").strip()
    if not number or len(number) > 60:
        raise DomainError(_l("A contract needs a number of at most 60 characters"), "number")
    taken = sa.select(Contract.id).where(Contract.client_id == client.id, Contract.number == number)
    if db.session.scalar(taken) is not None:
        raise DomainError(_l("The client already has a contract with this number"), "number")
    signed_on, starts_on, ends_on = data.get("signed_on"), data.get("starts_on"), data.get("ends_on")
    if not isinstance(signed_on, date):
        raise DomainError(_l("Give the date the contract was signed"), "signed_on")
    starts_on = starts_on or signed_on
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_l("The contract ends before it starts"), "ends_on")
    terms = data.get("payment_terms_days", client.payment_terms_days)
    if isinstance(terms, bool) or not isinstance(terms, int) or not 0 <= terms <= MAX_TERMS_DAYS:
        raise DomainError(_l("Payment terms are from 0 to 365 days"), "payment_terms_days")
    try:
        penalty = Decimal(str(data.get("penalty_rate_per_day", "0.100")))
    except InvalidOperation:
        penalty = Decimal(-1)
    if not penalty.is_finite() or not 0 <= penalty < 100:
        raise DomainError(_l("The penalty is a percentage a day from 0 to 100"), "penalty_rate_per_day")
    contract = Contract(
        client_id=client.id,
        number=number,
        title=(data.get("title") or "").strip(),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        payment_terms_days=terms,
        penalty_rate_per_day=penalty,
    )
    db.session.add(contract)
    db.session.flush()
    record("contract_created", actor=actor, contract=contract, client=client.id, data={"number": number})
    return contract


def send_for_acknowledgement(contract: Contract, *, deadline: date, actor=None) -> Contract:
    """Ask the client to acknowledge the contract in the portal by ``deadline`` (today or later)."""
    if deadline < today():
        raise DomainError(_l("The deadline cannot be in the past"), "ack_deadline")
    transition(
        contract,
        ContractState.AWAITING_ACK,
        event="contract_sent",
        actor=actor,
        data={"number": contract.number, "ack_deadline": deadline.isoformat()},
    )
    contract.ack_deadline = deadline
    db.session.flush()
    return contract


def acknowledge(contract: Contract, user: PortalUser) -> Contract:
    """The client's acknowledgement, given by one of its own portal users (another client's is refused as
    if the contract did not exist)."""
    if user.kind != "client" or user.client_id != contract.client_id:
        raise DomainError(_l("Contract not found"), "contract")
    if contract.state not in (ContractState.AWAITING_ACK, ContractState.ACK_OVERDUE):
        raise DomainError(_l("This contract is not waiting for an acknowledgement"), "contract")
    transition(contract, ContractState.ACKNOWLEDGED, event="contract_acknowledged", actor=user, data=_about(contract))
    contract.acknowledged_at = utcnow()
    contract.acknowledged_by_id = user.id
    db.session.flush()
    return contract


def mark_overdue_acknowledgements(on: date | None = None, *, actor=None) -> list[Contract]:
    """Contracts still awaiting acknowledgement after their deadline become overdue, each leaving a task for
    the client's account manager (or the account managers' inbox). Returns the contracts moved."""
    on = on or today()
    late = db.session.scalars(
        sa.select(Contract)
        .where(Contract.state == ContractState.AWAITING_ACK, Contract.ack_deadline < on)
        .order_by(Contract.id)
        .with_for_update()
    ).all()
    due = datetime.combine(on, time(18, 0), tzinfo=company_tz()).astimezone(UTC) + timedelta(hours=ACK_TASK_HOURS)
    for contract in late:
        transition(
            contract, ContractState.ACK_OVERDUE, event="contract_ack_overdue", actor=actor, data=_about(contract)
        )
        manager = contract.client.account_manager
        create_task(
            ACK_TASK,
            f"Договор {contract.number} не подтверждён в срок",
            role=manager.role if manager is not None else Role.ACCOUNT_MANAGER,
            due_at=due,
            assignee=manager,
            contract=contract,
            actor=actor,
        )
    return list(late)


def terminate(contract: Contract, *, reason: str, on: date | None = None, actor=None) -> Contract:
    """End a contract on ``on`` (default today); its invoices stay as they are."""
    if not reason.strip():
        raise DomainError(_l("Say why the contract is terminated"), "reason")
    on = on or today()
    transition(
        contract,
        ContractState.TERMINATED,
        event="contract_terminated",
        actor=actor,
        reason=reason,
        data=_about(contract),
    )
    contract.ends_on = on
    db.session.flush()
    return contract


def _about(contract: Contract) -> dict:
    return {"number": contract.number}


def contracts_of(client_id: int) -> list[Contract]:
    """A client's contracts, newest first."""
    q = sa.select(Contract).where(Contract.client_id == client_id)
    return list(db.session.scalars(q.order_by(Contract.signed_on.desc(), Contract.id.desc())))


def awaiting_acknowledgement(client_id: int) -> list[Contract]:
    """What the client's portal asks it to acknowledge, the earliest deadline first."""
    q = sa.select(Contract).where(
        Contract.client_id == client_id,
        Contract.state.in_([ContractState.AWAITING_ACK, ContractState.ACK_OVERDUE]),
    )
    return list(db.session.scalars(q.order_by(Contract.ack_deadline, Contract.id)))
