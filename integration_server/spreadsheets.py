"""Spreadsheet formats for admin exports (django-import-export) that never hand a formula to Excel or
LibreOffice: a text cell starting with =, +, -, @, tab or CR gets a leading "'" (it stays visible as text).
Numbers, and text that is just a number, are left alone. Use ``EXPORT_FORMATS`` in ``formats``."""

from __future__ import annotations

import re

import tablib
from import_export.formats.base_formats import CSV, XLSX

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    copy = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        copy.append([escape_formula(cell) for cell in row])
    return copy


class SafeCSV(CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(escaped(dataset), **kwargs)


class SafeXLSX(XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(escaped(dataset), **kwargs)


EXPORT_FORMATS = [SafeCSV, SafeXLSX]
