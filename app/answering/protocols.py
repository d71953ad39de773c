"""The seam for language models: anything that streams text for a list of chat messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class GeneratorError(Exception):
    """The model could not answer (unreachable, error status, timeout, malformed stream)."""


class Generator(Protocol):
    @property
    def id(self) -> str: ...

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Text deltas of the reply. Raises ``GeneratorError``; never runs past its timeout."""
        ...
