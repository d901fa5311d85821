"""Problems as values, and the few exceptions that stop an operation.

Data problems (a schema violation, an inconsistent certification) are collected
as :class:`Problem` values and reported together, ``path:line: [code] message``,
like beancount's ``bean-check``.  Exceptions are only for operations that cannot
go on; the CLI alone turns them into a message and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field


@dataclass(frozen=True, order=True)
class Source:
    """Where a problem sits: a casebook-relative path and a 1-based line (0 = unknown)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, order=True)
class Problem:
    """One data problem.  ``code`` is a stable kebab-case rule code; ``message`` is Japanese."""

    source: Source
    code: str
    message: str
    severity: str = "error"  # "error" or "warning"
    #: the document field the problem is about; a rule (which does no I/O) sets this
    #: and leaves the line 0 for ``loader.locate_problems`` to fill in
    field: tuple = dc_field(default=(), compare=False)

    def located(self, line: int) -> "Problem":
        return replace(self, source=Source(self.source.path, line))

    def __str__(self) -> str:
        return f"{self.source}: [{self.code}] {self.message}"

    def to_json(self) -> dict:
        return {
            "path": self.source.path,
            "line": self.source.line,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }


class YoboError(Exception):
    """An operation cannot go on.  ``exit_code`` 2 means bad usage or input."""

    exit_code = 2

    def __init__(self, message: str, *, source: Source | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"


class InputError(YoboError):
    """A value given on the command line or in a file is not acceptable."""


class CasebookNotFound(YoboError):
    """No casebook (``yobo.yaml``) was found where one was looked for."""


class CaseNotFound(YoboError):
    """A case id (or prefix) matches no case, or more than one."""


class DocumentError(YoboError):
    """A document cannot be parsed or fails its schema; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        more = f"（ほか {len(problems) - 1} 件）" if len(problems) > 1 else ""
        super().__init__(f"[{first.code}] {first.message}{more}", source=first.source)
        self.problems = problems


class GitError(YoboError):
    """git failed; the step was rolled back."""
