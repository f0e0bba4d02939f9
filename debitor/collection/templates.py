"""Reminder and claim templates that administrators write: Jinja in a sandbox, with documented variables only.

A template sees plain records (the values already formatted for the client's language: money as text,
dates as text) and nothing else: no object of the application, no attribute but the documented fields, no
call, no global. ``check`` refuses a template at save time with the line of the first problem — a syntax
error, a variable or field that is not documented, or anything the sample render trips on — so a template
that was saved renders for every document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from debitor.errors import DomainError

MAX_SOURCE = 20_000  # characters: a letter, not a program

DOCUMENT = {
    "number": _l("the invoice number, e.g. 2026-0042"),
    "issued_on": _l("the date it was issued"),
    "due_on": _l("the date it is due"),
    "total": _l("its total, with the currency"),
    "outstanding": _l("what is still unpaid on it, with the currency"),
    "days_overdue": _l("days past the due date (0 when not yet due)"),
    "url": _l("the link to it in the client portal"),
}
PARTY = {
    "name": _l("the full legal name"),
    "short_name": _l("the short name used in running text"),
    "inn": _l("the ИНН"),
    "kpp": _l("the КПП (empty for a sole proprietor)"),
}
LOOP = {
    "index": _l("inside a loop: 1, 2, 3…"),
    "first": _l("inside a loop: true on its first round"),
    "last": _l("inside a loop: true on its last round"),
    "length": _l("inside a loop: how many rounds"),
}
# the documented variables: a name, a record (its fields), or a list of records
VARIABLES: dict[str, object] = {
    "client": PARTY,
    "organisation": {**PARTY, "email": _l("our address for replies")},
    "invoice": DOCUMENT,
    "documents": [DOCUMENT],
    "total_outstanding": _l("what the client owes on the documents of this letter, with the currency"),
    "penalty": _l("the penalty accrued on them so far, with the currency"),
    "today": _l("the date of the letter"),
    "portal_url": _l("the link to the client portal"),
}


@dataclass(frozen=True)
class TemplateProblem:
    line: int
    message: str  # a lazy text for the administrator; Jinja's own syntax messages are in English


class _Sandbox(ImmutableSandboxedEnvironment):
    """Records are dicts, read by key (``invoice.number`` falls back to the item): no attribute of any
    object is safe but a loop's counters, and nothing may be called."""

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return isinstance(obj, LoopContext) and attr in LOOP

    def is_safe_callable(self, obj) -> bool:
        return False


def _environment(autoescape: bool) -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=True)
    env.globals.clear()  # no range(), dict(), lipsum(), namespace()…
    return env


TEXT = _environment(autoescape=False)
HTML = _environment(autoescape=True)


def _field_problems(tree: nodes.Template) -> list[TemplateProblem]:
    """Names and fields that are not documented, with their lines; loop and ``set`` names are the template's
    own (a loop over ``documents`` gives its records' fields)."""
    problems: list[TemplateProblem] = []

    def walk(node: nodes.Node, scope: Mapping[str, object]) -> None:
        if isinstance(node, nodes.For):
            walk(node.iter, scope)
            inner = dict(scope)
            item = _shape(node.iter, scope)
            for target in _names(node.target):
                inner[target.name] = item[0] if isinstance(item, list) and item else None
            inner["loop"] = LOOP
            for child in (*node.body, *node.else_, *([node.test] if node.test else [])):
                walk(child, inner)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            walk(node.node if isinstance(node, nodes.Assign) else nodes.Output(node.body), scope)
            for target in _names(node.target):
                scope[target.name] = None  # type: ignore[index]
            return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name not in scope:
                problems.append(TemplateProblem(node.lineno, _l("unknown variable “%(name)s”", name=node.name)))
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            shape = _shape(node.node, scope)
            field = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
            if isinstance(shape, dict) and field not in shape:
                problems.append(
                    TemplateProblem(
                        node.lineno, _l("“%(name)s” has no field “%(field)s”", name=_dotted(node.node), field=field)
                    )
                )
                return
        for child in node.iter_child_nodes():
            walk(child, scope)
        if isinstance(node, nodes.Call):  # after what it calls: an unknown name is the clearer message
            problems.append(TemplateProblem(node.lineno, _l("a template cannot call anything")))

    walk(tree, dict(VARIABLES))
    return problems


def _names(target: nodes.Node) -> list[nodes.Name]:
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


def _constant(node: nodes.Node):
    return node.value if isinstance(node, nodes.Const) else None


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    return "…"


def _shape(node: nodes.Node, scope: Mapping[str, object]):
    if isinstance(node, nodes.Name):
        return scope.get(node.name)
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        parent = _shape(node.node, scope)
        key = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
        return parent.get(key) if isinstance(parent, dict) else None
    return None


def sample_context() -> dict:
    """Values of every documented variable, for the check and for a preview without a real invoice."""
    doc = {
        "number": "2026-0042",
        "issued_on": "02.03.2026",
        "due_on": "12.03.2026",
        "total": "122 000,00 ₽",
        "outstanding": "22 000,00 ₽",
        "days_overdue": 3,
        "url": "https://debitor.example/portal/invoices/42",
    }
    party = {"name": "Общество с ограниченной ответственностью «Пример»", "short_name": "ООО «Пример»",
             "inn": "7709123453", "kpp": "770901001"}  # fmt: skip
    return {
        "client": party,
        "organisation": {**party, "email": "billing@debitor.example"},
        "invoice": doc,
        "documents": [doc, {**doc, "number": "2026-0043"}],
        "total_outstanding": "44 000,00 ₽",
        "penalty": "66,00 ₽",
        "today": "15.03.2026",
        "portal_url": "https://debitor.example/portal",
    }


def check(source: str, *, html: bool = False) -> list[TemplateProblem]:
    """What is wrong with a template (empty when it may be saved), the first problem first."""
    if len(source) > MAX_SOURCE:
        return [TemplateProblem(1, _l("the template is longer than %(n)s characters", n=MAX_SOURCE))]
    env = HTML if html else TEXT
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        return [TemplateProblem(error.lineno or 1, error.message or "syntax error")]
    problems = _field_problems(tree)
    if problems:
        return sorted(problems, key=lambda p: p.line)
    try:
        env.from_string(source).render(sample_context())
    except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError) as error:
        return [TemplateProblem(_line_of(error), str(error))]
    return []


def _line_of(error: BaseException) -> int:
    tb = error.__traceback__
    line = 1
    while tb is not None:  # Jinja rewrites the traceback so that the template's own frames carry its lines
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def refuse_if_wrong(source: str, field: str, *, html: bool = False) -> None:
    """A ``DomainError`` on ``field`` naming the line of the first problem, for a form to show."""
    problems = check(source, html=html)
    if problems:
        first = problems[0]
        raise DomainError(_l("Line %(line)s: %(problem)s.", line=first.line, problem=first.message), field)


def uses(source: str, name: str) -> bool:
    """Whether a (checked) template reads the variable ``name``: a letter without ``penalty`` need not count it."""
    return any(n.name == name for n in TEXT.parse(source).find_all(nodes.Name))


def render(source: str, context: Mapping, *, html: bool = False) -> str:
    """A checked template with a context built from the documented variables."""
    return (HTML if html else TEXT).from_string(source).render(context)
