"""Contract services: draft, send, acknowledge (by the client's own portal user only), overdue, terminate."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.contracts.models import ContractState
from debitor.contracts.services import (
    acknowledge,
    awaiting_acknowledgement,
    contracts_of,
    create_contract,
    mark_overdue_acknowledgements,
    send_for_acknowledgement,
    terminate,
)
from debitor.db import db, frozen_clock
from debitor.errors import DomainError
from debitor.states import TransitionError
from debitor.tasks.models import Task, TaskState
from debitor.timeline.models import Event, Visibility
from tests import factories as f

NOON = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 1 April 2026


def events(contract) -> list[tuple[str, str]]:
    q = sa.select(Event.kind, Event.visibility).where(Event.contract_id == contract.id).order_by(Event.id)
    return [(k, v.value) for k, v in db.session.execute(q)]


@pytest.fixture
def org():
    return f.organisation()


@pytest.fixture
def client(org):
    return f.client(org)


def draft(client, number="Д-2026/1", **extra):
    data = {"number": number, "title": "Договор оказания рекламных услуг", "signed_on": date(2026, 4, 1)} | extra
    return create_contract(client, data)


def test_the_life_of_a_contract(client):
    user = f.portal_user(client)
    with frozen_clock(NOON):
        contract = draft(client, payment_terms_days=14)
        assert (contract.state, contract.starts_on, contract.payment_terms_days) == (
            ContractState.DRAFT,
            date(2026, 4, 1),
            14,
        )
        send_for_acknowledgement(contract, deadline=date(2026, 4, 8))
        assert (contract.state, contract.ack_deadline) == (ContractState.AWAITING_ACK, date(2026, 4, 8))
        assert awaiting_acknowledgement(client.id) == [contract]
        acknowledge(contract, user)
    assert (contract.state, contract.acknowledged_by_id, contract.acknowledged_at) == (
        ContractState.ACKNOWLEDGED,
        user.id,
        NOON,
    )
    terminate(contract, reason="клиент ушёл", on=date(2026, 9, 30))
    assert (contract.state, contract.ends_on) == (ContractState.TERMINATED, date(2026, 9, 30))
    assert events(contract) == [
        ("contract_created", "staff"),
        ("contract_sent", "client"),
        ("contract_acknowledged", "client"),
        ("contract_terminated", "client"),
    ]
    assert awaiting_acknowledgement(client.id) == [] and contracts_of(client.id) == [contract]


def test_only_the_clients_own_user_acknowledges(org, client):
    stranger = f.portal_user(f.client(org))
    with frozen_clock(NOON):
        contract = draft(client)
        with pytest.raises(DomainError):  # not sent yet
            acknowledge(contract, f.portal_user(client))
        send_for_acknowledgement(contract, deadline=date(2026, 4, 8))
    with pytest.raises(DomainError) as err:
        acknowledge(contract, stranger)
    assert err.value.field == "contract"
    with pytest.raises(DomainError):
        acknowledge(contract, f.staff(Role.ADMIN))  # staff cannot acknowledge for the client
    assert contract.state == ContractState.AWAITING_ACK


def test_what_a_contract_needs(client):
    cases = [
        ({"number": " "}, "number"),
        ({"number": "x" * 61}, "number"),
        ({"signed_on": None}, "signed_on"),
        ({"ends_on": date(2026, 3, 31)}, "ends_on"),
        ({"payment_terms_days": 366}, "payment_terms_days"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"penalty_rate_per_day": "много"}, "penalty_rate_per_day"),
        ({"penalty_rate_per_day": "NaN"}, "penalty_rate_per_day"),
    ]
    for extra, field in cases:
        with pytest.raises(DomainError) as err:
            draft(client, **extra)
        assert err.value.field == field, extra
    draft(client)
    with pytest.raises(DomainError) as err:
        draft(client)
    assert err.value.field == "number"
    with frozen_clock(NOON):
        contract = draft(client, number="Д-2026/2")
        with pytest.raises(DomainError) as err:
            send_for_acknowledgement(contract, deadline=date(2026, 3, 31))
        assert err.value.field == "ack_deadline"
    with pytest.raises(DomainError) as err:
        terminate(contract, reason="")
    assert err.value.field == "reason"
    terminate(contract, reason="не понадобился")
    with frozen_clock(NOON), pytest.raises(TransitionError):
        send_for_acknowledgement(contract, deadline=date(2026, 5, 1))
    assert contract.ack_deadline is None


def test_late_acknowledgements_become_overdue_with_a_task(org):
    manager = f.staff(Role.ACCOUNT_MANAGER)
    client = f.client(org, account_manager_id=manager.id)
    with frozen_clock(NOON):
        late = draft(client, number="Д-1")
        send_for_acknowledgement(late, deadline=date(2026, 4, 3))
        on_time = draft(client, number="Д-2")
        send_for_acknowledgement(on_time, deadline=date(2026, 4, 4))
    assert mark_overdue_acknowledgements(date(2026, 4, 4)) == [late]  # the deadline day itself is still in time
    assert (late.state, on_time.state) == (ContractState.ACK_OVERDUE, ContractState.AWAITING_ACK)
    task = db.session.scalars(sa.select(Task)).one()
    assert (task.kind, task.contract_id, task.client_id, task.state) == (
        "contract_ack_overdue",
        late.id,
        client.id,
        TaskState.OPEN,
    )
    assert task.title == "Договор Д-1 не подтверждён в срок"
    assert task.due_at == datetime(2026, 4, 5, 15, 0, tzinfo=UTC)  # 18:00 in Moscow on the 4th, plus a day
    assert (task.assignee_id, task.role) == (manager.id, Role.ACCOUNT_MANAGER)
    assert mark_overdue_acknowledgements(date(2026, 4, 5)) == [on_time]  # and never the same one twice
    acknowledge(late, f.portal_user(client))  # a late acknowledgement still counts
    assert late.state == ContractState.ACKNOWLEDGED
    assert ("contract_ack_overdue", Visibility.STAFF.value) in events(late)
