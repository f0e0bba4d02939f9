"""What a policy editor may submit: the policy and its ordered steps, checked field by field."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validates_schema

from debitor.auth.models import Role
from debitor.collection.models import StepAction
from debitor.schemas import N_, Id, InputSchema, Whole, length, number_range, one_of

MAX_STEPS = 30
OFFSETS = (-60, 365)  # days from the due date: two months before, a year after
SLA_HOURS = (1, 30 * 24)
WRITES = (StepAction.EMAIL, StepAction.CLAIM)  # the steps that send a letter from a template


class StepInput(InputSchema):
    id = Id(load_default=None, allow_none=True)  # an existing step keeps its id: what it took stays taken
    offset_days = Whole(required=True, validate=number_range(*OFFSETS))
    action = fields.String(
        required=True, validate=one_of([a.value for a in StepAction], N_("Unknown action: %(value)s"))
    )
    template_key = fields.String(load_default="", validate=length(max=60))
    task_role = fields.String(
        load_default=None, allow_none=True, validate=one_of([r.value for r in Role], N_("Unknown role: %(value)s"))
    )
    task_sla_hours = Whole(load_default=None, allow_none=True, validate=number_range(*SLA_HOURS))
    title = fields.String(load_default="", validate=length(max=200))

    @validates_schema
    def _needs(self, data, **kwargs):
        action = StepAction(data["action"])
        if action in WRITES and not data.get("template_key"):
            raise ValidationError(_("Choose the letter this step sends"), "template_key")
        if action == StepAction.TASK:
            if not data.get("task_role"):
                raise ValidationError(_("Choose whose inbox the task goes to"), "task_role")
            if not data.get("task_sla_hours"):
                raise ValidationError(_("Give the hours the task may take"), "task_sla_hours")


class PolicyInput(InputSchema):
    name = fields.String(required=True, validate=length(min=2, max=120))
    is_default = fields.Boolean(load_default=False)
    consolidated = fields.Boolean(load_default=False)
    escalate_after_hours = Whole(load_default=24, validate=number_range(1, 30 * 24))
    steps = fields.List(fields.Nested(StepInput), required=True)

    @validates_schema
    def _steps(self, data, **kwargs):
        steps = data.get("steps") or []
        if not steps:
            raise ValidationError(_("A policy needs at least one step"), "steps")
        if len(steps) > MAX_STEPS:
            raise ValidationError(_("At most %(n)s steps", n=MAX_STEPS), "steps")
        seen: dict[tuple[int, str], int] = {}
        claims = [n for n, s in enumerate(steps) if s["action"] == StepAction.CLAIM]
        for n, step in enumerate(steps):
            same = (step["offset_days"], step["action"])
            if same in seen:
                message = _("Step %(other)s already does this on the same day", other=seen[same] + 1)
                raise ValidationError({"steps": {n: {"offset_days": [message]}}})
            seen[same] = n
        if len(claims) > 1:
            raise ValidationError({"steps": {claims[1]: {"action": [_("A policy sends one pre-trial claim")]}}})
        if claims:
            claim_day = steps[claims[0]]["offset_days"]
            for n, step in enumerate(steps):
                if step["action"] == StepAction.EMAIL and step["offset_days"] > claim_day:
                    message = _("After the pre-trial claim (day %(day)s) no reminder is sent: move it before the claim",
                                day=claim_day)  # fmt: skip
                    raise ValidationError({"steps": {n: {"offset_days": [message]}}})
