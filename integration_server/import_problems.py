"""The problems of a django-import-export dry run, in words: each bad row's line in the file (the header is
line 1), the column and what is wrong. Every bad row at once, row errors and validation errors
alike, in one numbering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS

_COLUMN_PREFIX = re.compile(r"^\[([\w ]+)\] (.*)$", re.S)


@dataclass(frozen=True)
class RowProblem:
    line: int  # line of the file (spreadsheet row): the header is line 1, the first data row line 2
    column: str
    problem: str

    def __str__(self):
        where = f"Line {self.line}" + (f", column “{self.column}”" if self.column else "")
        return f"{where}: {self.problem}"


def _in_words(exc) -> str:
    if isinstance(exc, InvalidOperation):
        return "not a number"
    return str(exc) or type(exc).__name__


def _named_column(column: str, message: str) -> tuple[str, str]:
    """A widget of a lookup column (an import id, cleaned outside the field loop) names it: "[account] ..."."""
    named = _COLUMN_PREFIX.match(message)
    if named and not column:
        return named.group(1), named.group(2)
    return column, message


def import_problems(result) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for number, errors in result.row_errors():  # data row numbers, from 1
        for error in errors:
            column, message = _named_column("", _in_words(error.error))
            problems.append(RowProblem(number + 1, column, message))
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            for message in messages:
                name, text = _named_column("" if column == NON_FIELD_ERRORS else column, message)
                problems.append(RowProblem(row.number + 1, name, text))
    return sorted(problems, key=lambda p: (p.line, p.column))
