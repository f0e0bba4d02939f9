"""Policies are refused with the field named and nothing saved: overlapping steps, a reminder after the
claim, a missing letter, absurd numbers; an edit keeps step ids and raises the version."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from debitor.collection.defaults import install_defaults
from debitor.collection.models import CollectionPolicy, CollectionStep
from debitor.collection.services import PolicyInvalid, save_policy, save_template
from debitor.db import db
from debitor.errors import DomainError

EMAIL = {"action": "email", "template_key": "notice_first"}


@pytest.fixture(autouse=True)
def letters(app):
    install_defaults()
    with force_locale("en"):
        yield


def refused(data) -> dict:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CollectionStep))
    with pytest.raises(PolicyInvalid) as error:
        save_policy(data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionStep)) == before
    return error.value.errors


CLAIM = {"action": "claim", "template_key": "claim"}
CASES = [
    ([{"offset_days": 3, **EMAIL}, {"offset_days": 3, **EMAIL}],
     {1: {"offset_days": ["Step 1 already does this on the same day"]}}),
    ([{"offset_days": 20, **CLAIM}, {"offset_days": 25, **EMAIL}],
     {1: {"offset_days": ["After the pre-trial claim (day 20) no reminder is sent: move it before the claim"]}}),
    ([{"offset_days": 1, **CLAIM}, {"offset_days": 2, **CLAIM}],
     {1: {"action": ["A policy sends one pre-trial claim"]}}),
    ([{"offset_days": 3, "action": "email"}], {0: {"template_key": ["Choose the letter this step sends"]}}),
    ([{"offset_days": 3, "action": "email", "template_key": "nope"}],
     {0: {"template_key": ["There is no such letter"]}}),
    ([{"offset_days": 3, "action": "task", "task_sla_hours": 4}],
     {0: {"task_role": ["Choose whose inbox the task goes to"]}}),
    ([{"offset_days": 99999999999999999999, **EMAIL}], {0: {"offset_days": ["Must be from -60 to 365"]}}),
    ([{"offset_days": "٣", **EMAIL}], {0: {"offset_days": ["Not a valid integer."]}}),
    ([{"offset_days": 3, "action": "fax"}], {0: {"action": ["Unknown action: fax"]}}),
    ([{"offset_days": 3, "action": "task", "task_role": "clerk", "task_sla_hours": -1}],
     {0: {"task_sla_hours": ["Must be from 1 to 720"]}}),
]  # fmt: skip


@pytest.mark.parametrize(("steps", "where"), CASES)
def test_wrong_steps_are_refused_by_field(steps, where):
    errors = refused({"name": "Новая", "steps": steps})
    assert errors["steps"] == where


def test_a_policy_needs_steps_and_a_free_name():
    assert refused({"name": "Пустая", "steps": []}) == {"steps": ["A policy needs at least one step"]}
    assert refused({"name": "Стандартная", "steps": [{"offset_days": 1, **EMAIL}]}) == {
        "name": ["Another policy has this name"]}  # fmt: skip


def test_unknown_fields_are_refused():
    errors = refused({"name": "Лишнее", "steps": [{"offset_days": 1, **EMAIL, "colour": "red"}], "owner": "me"})
    assert errors["owner"] == ["Unknown field."] and errors["steps"] == {0: {"colour": ["Unknown field."]}}


def test_an_edit_keeps_step_ids_and_raises_the_version():
    policy = save_policy(
        {"name": "Агентства", "steps": [{"offset_days": 1, **EMAIL}, {"offset_days": 5, "action": "banner"}]}
    )
    first, second = policy.steps
    assert policy.version == 1
    save_policy({"name": "Агентства", "steps": [{"id": first.id, "offset_days": 2, **EMAIL}]}, policy)
    assert [s.id for s in policy.steps] == [first.id] and policy.steps[0].offset_days == 2
    assert policy.version == 2 and db.session.get(CollectionStep, second.id) is None
    save_policy({"name": "Агентства", "steps": [{"id": first.id, "offset_days": 2, **EMAIL}]}, policy)
    assert policy.version == 2  # nothing changed: the same version


def test_one_default_policy():
    other = save_policy({"name": "VIP", "is_default": True, "steps": [{"offset_days": 10, **EMAIL}]})
    defaults = db.session.scalars(sa.select(CollectionPolicy).where(CollectionPolicy.is_default)).all()
    assert defaults == [other]


def test_a_template_with_an_unknown_variable_is_not_saved():
    with pytest.raises(DomainError) as error:
        save_template("friendly", "ru", subject="Напоминание", body="Здравствуйте!\n{{ invoice.secret }}")
    assert error.value.field == "body" and "Line 2" in str(error.value.message)
    with pytest.raises(DomainError) as error:
        save_template("friendly", "de", subject="Hallo", body="x")
    assert error.value.field == "language"
