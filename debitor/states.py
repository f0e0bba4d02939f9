"""State machines: one transition table per aggregate, enforced by ``transition``.

The same tables draw the process diagram, so what is drawn is what the code allows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class TransitionError(ValueError):
    def __init__(self, kind: str, current: enum.Enum, target: enum.Enum):
        self.kind, self.current, self.target = kind, current, target
        super().__init__(f"{kind}: cannot go from {current.value!r} to {target.value!r}")


class StateMachine:
    """Allowed moves between states of one aggregate."""

    def __init__(self, kind: str, moves: Mapping[enum.Enum, set[enum.Enum]]):
        self.kind = kind
        self.moves = {k: frozenset(v) for k, v in moves.items()}

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.moves.get(current, ())

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise TransitionError(self.kind, current, target)

    def edges(self) -> list[tuple[enum.Enum, enum.Enum]]:
        return [(a, b) for a, targets in self.moves.items() for b in sorted(targets, key=lambda s: s.value)]
