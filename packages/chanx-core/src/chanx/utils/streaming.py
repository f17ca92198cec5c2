"""Turning cumulative text snapshots (what many LLM and generator APIs yield) into deltas.

Forwarding each snapshot re-sends the whole text so far on every step, quadratic in the
length of the answer; sending only what was added keeps each frame small.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeltaTracker"]


@dataclass
class DeltaTracker:
    """Remembers the text sent so far and answers what a new snapshot adds.

    >>> tracker = DeltaTracker()
    >>> tracker.push("Hel"), tracker.push("Hello"), tracker.push("Hello")
    ('Hel', 'lo', '')

    A snapshot that does not extend the previous one (a provider rewrote the tail) is
    returned whole; :meth:`advance` also says so, so the client can replace instead of append.
    """

    #: The text emitted so far.
    text: str = ""

    def push(self, snapshot: str) -> str:
        """The part of ``snapshot`` not emitted yet (all of it after a rewrite)."""
        return self.advance(snapshot)[0]

    def advance(self, snapshot: str) -> tuple[str, bool]:
        """``(delta, rewritten)``: ``rewritten`` is True when ``delta`` replaces the text."""
        previous, self.text = self.text, snapshot
        if snapshot.startswith(previous):
            return snapshot[len(previous) :], False
        return snapshot, True

    def reset(self) -> None:
        """Start over for the next answer."""
        self.text = ""
