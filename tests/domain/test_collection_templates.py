"""Templates administrators write are refused at save with the line of the problem, and render in a sandbox
that reaches the documented variables and nothing else."""

import pytest
from flask_babel import force_locale
from jinja2.sandbox import SecurityError

from debitor.collection.templates import check, refuse_if_wrong, render, sample_context
from debitor.errors import DomainError

GOOD = """Здравствуйте!

Напоминаем: счёт № {{ invoice.number }} от {{ invoice.issued_on }} на {{ invoice.total }}
нужно оплатить до {{ invoice.due_on }}; осталось {{ invoice.outstanding }}.
{% for doc in documents %}{{ loop.index }}. {{ doc.number }} — {{ doc.outstanding }}
{% endfor %}{% set sign = organisation.short_name %}{{ sign }}, {{ today }}
"""


@pytest.fixture(autouse=True)
def english(app):
    """The messages asserted on are the msgids; a Russian one is checked once below."""
    with force_locale("en"):
        yield


def problems(source, **kw):
    return [(p.line, str(p.message)) for p in check(source, **kw)]


def test_a_documented_template_passes_and_renders(app):
    assert problems(GOOD) == []
    text = render(GOOD, sample_context())
    assert "счёт № 2026-0042 от 02.03.2026 на 122 000,00 ₽" in text
    assert "2. 2026-0043 — 22 000,00 ₽" in text and text.endswith("ООО «Пример», 15.03.2026\n")


def test_html_templates_escape_what_they_show(app):
    context = sample_context()
    context["client"] = {**context["client"], "short_name": "<script>x</script>"}
    assert render("<p>{{ client.short_name }}</p>", context, html=True) == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    ("source", "line", "says"),
    [
        ("Привет\n{{ invoice.number }\n", 2, "unexpected"),  # a syntax error
        ("{% for d in documents %}\n{{ d.number }}\n", 2, "endfor"),  # a block never closed: its last line
        ("ok\n\n{{ secret_key }}", 3, "unknown variable “secret_key”"),
        ("{{ invoice.number }}\n{{ invoice.password }}", 2, "“invoice” has no field “password”"),
        ("{% for d in documents %}{{ d.owner }}{% endfor %}", 1, "“d” has no field “owner”"),
        ("{{ client['__class__'] }}", 1, "has no field “__class__”"),
        ("{{ invoice.items() }}", 1, "has no field “items”"),
        ("\n{{ range(10) }}", 2, "unknown variable “range”"),
        ("{{ lipsum() }}", 1, "unknown variable “lipsum”"),
        ("{{ client.name.__class__.__mro__ }}", 1, "unsafe"),  # a field's own attributes: the sandbox refuses
        ("{{ client.name|attr('upper') }}", 1, "unsafe"),
        ("{{ today.upper() }}", 1, "cannot call"),
        ("{% for d in documents %}{{ loop.cycle }}{% endfor %}", 1, "“loop” has no field “cycle”"),
        ("{{ invoice.days_overdue / 0 }}", 1, "division"),
    ],
)
def test_wrong_templates_are_refused_with_their_line(app, source, line, says):
    found = problems(source)
    assert found, source
    assert found[0][0] == line and says in found[0][1], found


def test_refusal_names_the_field_and_the_line(app):
    with pytest.raises(DomainError) as refused:
        refuse_if_wrong("Добрый день\n{{ invoice.nomber }}", "body")
    assert refused.value.field == "body"
    assert str(refused.value.message) == "Line 2: “invoice” has no field “nomber”."
    with force_locale("ru"):
        assert str(refused.value.message) == "Строка 2: у «invoice» нет поля «nomber»."


def test_the_sandbox_refuses_attributes_even_on_unchecked_context(app):
    class Secretive:
        password = "hunter2"

    with pytest.raises(SecurityError):
        render("{{ thing.password }}", {"thing": Secretive()})


def test_an_enormous_template_is_refused(app):
    assert problems("x" * 20_001) == [(1, "the template is longer than 20000 characters")]
