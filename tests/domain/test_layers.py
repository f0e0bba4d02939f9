"""The shape of the code, checked on its source: states move only through ``debitor.states``, only the unit
of work commits, and dependencies run one way (``web``, ``portal``, ``staff``, ``jobs`` → ``debitor``) without
cycles.

Each check walks the syntax tree of every module of the application, so a new file is checked as soon as it
exists; the failure message names the file and line to change.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("debitor", "web", "portal", "staff", "jobs")
FACES = ("web", "portal", "staff", "jobs")  # what the core never imports
STATE_OWNER = "debitor/states.py"  # transition / transition_rows: the one place a state is assigned
COMMITTERS = {"debitor/work.py"}  # the unit of work (views and job bodies run inside it)
GOVERNED = {"Invoice", "Payment", "BankStatement", "Export", "OutboxMessage", "Contract", "Dispute", "Task"}
# Files still being moved to the rules above by work in progress; each entry goes with its change.
PENDING_STATES: set[str] = set()  # work in progress
PENDING_COMMITS: set[str] = set()  # work in progress


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            yield rel, ast.parse(path.read_text(encoding="utf-8"), rel)


def module_name(rel: str) -> str:
    name = rel[:-3].replace("/", ".")
    return name.removesuffix(".__init__")


def _targets(node) -> list:
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _sql_sets_state(text: str) -> bool:
    upper = text.upper()
    return "UPDATE" in upper and re.search(r"\bSTATE\s*=(?!=)", upper) is not None


def _is_state(value) -> bool:
    """``InvoiceState.PAID`` or ``PaymentState(x)``: a state, as a row to write would carry it (a report's
    ``"state": x.state.value`` is not one)."""
    if isinstance(value, ast.Call):
        value = value.func
    elif isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name) and value.id.endswith("State")


def state_assignments(tree) -> list[int]:
    """Lines that set a ``state``: ``x.state = …``, ``Model(state=…)`` for a governed model,
    ``update(…).values(state=…)``, and ``{"state": …}`` rows for bulk writes."""
    lines = []
    for node in ast.walk(tree):
        if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in _targets(node)):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and any(k.arg == "state" for k in node.keywords):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            value = next(k.value for k in node.keywords if k.arg == "state")
            if name in GOVERNED or name == "values" or _is_state(value):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Dict)
            and any(
                isinstance(k, ast.Constant) and k.value == "state" and _is_state(v)
                for k, v in zip(node.keys, node.values, strict=True)
            )
            or isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _sql_sets_state(node.value)
        ):
            lines.append(node.lineno)
    return lines


def test_no_state_is_assigned_outside_the_transition_functions():
    found = [
        f"{rel}:{line}"
        for rel, tree in modules()
        if rel != STATE_OWNER and rel not in PENDING_STATES
        for line in state_assignments(tree)
    ]
    assert found == [], "set states with debitor.states.transition / transition_rows: " + ", ".join(found)


def test_the_checker_sees_each_kind_of_state_assignment():
    source = """
invoice.state = InvoiceState.PAID
msg.state, msg.error = OutboxState.FAILED, ""
Payment(amount_kopecks=1, state=PaymentState.APPLIED)
sa.update(Export).values(state="done")
rows = [{"id": 1, "state": PaymentState.APPLIED}]
conn.execute("UPDATE invoices SET state = 'paid'")
"""
    assert state_assignments(ast.parse(source)) == [2, 3, 4, 5, 6, 7]
    report = 'if invoice.state == InvoiceState.PAID:\n    render(state=state)\necho({"state": st.state.value})\n'
    assert state_assignments(ast.parse(report)) == []


def commits(tree) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def test_only_the_unit_of_work_commits():
    found = [
        f"{rel}:{line}"
        for rel, tree in modules()
        if rel not in COMMITTERS and rel not in PENDING_COMMITS
        for line in commits(tree)
    ]
    assert found == [], "services flush; debitor.work.unit_of_work commits: " + ", ".join(found)


def imports(tree, known: set[str], own: str) -> set[str]:
    """The application modules a module imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m in known and m != own}


def graph() -> dict[str, set[str]]:
    trees = {module_name(rel): tree for rel, tree in modules()}
    known = set(trees)
    return {name: imports(tree, known, name) for name, tree in trees.items()}


def test_the_core_imports_nothing_from_the_faces_or_the_jobs():
    found = [
        f"{name} imports {dep}"
        for name, deps in graph().items()
        if name.split(".")[0] == "debitor"
        for dep in sorted(deps)
        if dep.split(".")[0] in FACES
    ]
    assert found == []


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return groups


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
