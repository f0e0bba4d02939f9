"""The policy and letters a new installation starts with (the reference customer's process), in Russian and
English; administrators edit them in the workspace. Installed by ``install_defaults`` (the demo loader, and
``flask collection install-defaults``), only where there is nothing yet."""

from __future__ import annotations

import sqlalchemy as sa

from debitor.collection.models import CollectionPolicy, CollectionTemplate
from debitor.collection.services import save_policy, save_template
from debitor.db import db

SIGNATURE = {
    "ru": "\n\nС уважением,\n{{ organisation.short_name }}\n{{ organisation.email }}\n",
    "en": "\n\nKind regards,\n{{ organisation.short_name }}\n{{ organisation.email }}\n",
}
LETTERS = {
    "reminder_before": {
        "ru": (
            "Напоминание: счёт № {{ invoice.number }} к оплате {{ invoice.due_on }}",
            "Здравствуйте!\n\nНапоминаем, что {{ invoice.due_on }} наступает срок оплаты счёта "
            "№ {{ invoice.number }} от {{ invoice.issued_on }} на {{ invoice.total }}. "
            "К оплате: {{ invoice.outstanding }}.\n\n"
            "Счёт и QR-код для оплаты — в личном кабинете: {{ invoice.url }}\n"
            "Если вы уже оплатили счёт, просто не обращайте внимания на это письмо.",
        ),
        "en": (
            "Reminder: invoice {{ invoice.number }} is due on {{ invoice.due_on }}",
            "Hello,\n\nThis is a reminder that invoice {{ invoice.number }} of {{ invoice.issued_on }} for "
            "{{ invoice.total }} is due on {{ invoice.due_on }}. Amount to pay: {{ invoice.outstanding }}.\n\n"
            "The invoice and its payment QR code are in the client portal: {{ invoice.url }}\n"
            "If you have already paid, please ignore this message.",
        ),
    },
    "due_today": {
        "ru": (
            "Сегодня срок оплаты счёта № {{ invoice.number }}",
            "Здравствуйте!\n\nСегодня, {{ invoice.due_on }}, последний день оплаты счёта № {{ invoice.number }} на "
            "{{ invoice.total }}. К оплате: {{ invoice.outstanding }}.\n\n"
            "Счёт в личном кабинете: {{ invoice.url }}",
        ),
        "en": (
            "Invoice {{ invoice.number }} is due today",
            "Hello,\n\nToday, {{ invoice.due_on }}, is the last day to pay invoice {{ invoice.number }} for "
            "{{ invoice.total }}. Amount to pay: {{ invoice.outstanding }}.\n\nThe invoice: {{ invoice.url }}",
        ),
    },
    "notice_first": {
        "ru": (
            "Счёт № {{ invoice.number }} просрочен",
            "Здравствуйте!\n\nСрок оплаты счёта № {{ invoice.number }} от {{ invoice.issued_on }} истёк "
            "{{ invoice.due_on }}; просрочка — {{ invoice.days_overdue }} дн. Не оплачено: "
            "{{ invoice.outstanding }}.\n\nПожалуйста, оплатите счёт или сообщите нам, если с ним что-то не так: "
            "{{ invoice.url }}",
        ),
        "en": (
            "Invoice {{ invoice.number }} is overdue",
            "Hello,\n\nInvoice {{ invoice.number }} of {{ invoice.issued_on }} was due on {{ invoice.due_on }} and "
            "is {{ invoice.days_overdue }} days overdue. Unpaid: {{ invoice.outstanding }}.\n\nPlease pay it, or "
            "tell us if something is wrong with it: {{ invoice.url }}",
        ),
    },
    "notice_second": {
        "ru": (
            "Повторно: задолженность по счёту № {{ invoice.number }}",
            "Здравствуйте!\n\nСчёт № {{ invoice.number }} не оплачен уже {{ invoice.days_overdue }} дн. "
            "Задолженность: {{ invoice.outstanding }}; по договору начислены пени: {{ penalty }}.\n\n"
            "Если оплата не поступит, мы будем вынуждены направить претензию и приостановить показ рекламы.\n"
            "Счёт: {{ invoice.url }}",
        ),
        "en": (
            "Second notice: invoice {{ invoice.number }} is unpaid",
            "Hello,\n\nInvoice {{ invoice.number }} has been unpaid for {{ invoice.days_overdue }} days. "
            "Amount due: {{ invoice.outstanding }}; penalty accrued under the contract: {{ penalty }}.\n\n"
            "Without payment we will have to send a formal claim and pause your campaigns.\n"
            "The invoice: {{ invoice.url }}",
        ),
    },
    "claim": {
        "ru": (
            "Претензия: задолженность {{ total_outstanding }}",
            "{{ client.name }}\nИНН {{ client.inn }}{% if client.kpp %}, КПП {{ client.kpp }}{% endif %}\n\n"
            "ПРЕТЕНЗИЯ от {{ today }}\n\n{{ organisation.name }} сообщает, что по состоянию на {{ today }} не "
            "оплачены:\n{% for doc in documents %}— счёт № {{ doc.number }} от {{ doc.issued_on }}, срок оплаты "
            "{{ doc.due_on }}, задолженность {{ doc.outstanding }};\n{% endfor %}\nИтого задолженность: "
            "{{ total_outstanding }}, пени: {{ penalty }}.\n\nТребуем погасить задолженность и пени в течение "
            "30 календарных дней с даты получения претензии. В противном случае мы обратимся в арбитражный "
            "суд (ч. 5 ст. 4 АПК РФ).",
        ),
        "en": (
            "Formal claim: {{ total_outstanding }} overdue",
            "{{ client.name }}\nINN {{ client.inn }}\n\nFORMAL CLAIM of {{ today }}\n\n{{ organisation.name }} "
            "states that as of {{ today }} the following are unpaid:\n{% for doc in documents %}— invoice "
            "{{ doc.number }} of {{ doc.issued_on }}, due {{ doc.due_on }}, outstanding {{ doc.outstanding }};\n"
            "{% endfor %}\nTotal debt: {{ total_outstanding }}, penalty: {{ penalty }}.\n\nWe demand payment of "
            "the debt and the penalty within 30 calendar days of receiving this claim, failing which we will "
            "apply to the arbitration court.",
        ),
    },
}
NAMES = {"reminder_before": "Напоминание до срока", "due_today": "Срок оплаты сегодня",
         "notice_first": "Первое уведомление о просрочке", "notice_second": "Второе уведомление",
         "claim": "Претензия"}  # fmt: skip
STEPS = [
    {"offset_days": -3, "action": "email", "template_key": "reminder_before"},
    {"offset_days": 0, "action": "email", "template_key": "due_today"},
    {"offset_days": 3, "action": "email", "template_key": "notice_first"},
    {"offset_days": 10, "action": "email", "template_key": "notice_second"},
    {"offset_days": 10, "action": "penalty"},
    {"offset_days": 15, "action": "task", "task_role": "account_manager", "task_sla_hours": 48,
     "title": "Позвонить клиенту о просроченном счёте"},
    {"offset_days": 20, "action": "claim", "template_key": "claim"},
    {"offset_days": 30, "action": "pause_campaigns"},
    {"offset_days": 45, "action": "task", "task_role": "manager", "task_sla_hours": 72,
     "title": "Решить, передавать ли долг юристу"},
]  # fmt: skip
DEFAULT_POLICY = "Стандартная"


def install_defaults() -> CollectionPolicy | None:
    """The default letters and policy, where there are none; the policy installed, or None."""
    for key, texts in LETTERS.items():
        for language, (subject, body) in texts.items():
            exists = db.session.scalar(
                sa.select(CollectionTemplate.id).where(
                    CollectionTemplate.key == key, CollectionTemplate.language == language
                )
            )
            if exists is None:
                save_template(key, language, subject=subject, body=body + SIGNATURE[language], name=NAMES[key])
    if db.session.scalar(sa.select(CollectionPolicy.id).limit(1)) is not None:
        return None
    return save_policy({"name": DEFAULT_POLICY, "is_default": True, "steps": STEPS})
