"""Tables for spreadsheets: CSV and XLSX that a spreadsheet program shows but never runs.

A cell whose text starts like a formula (OWASP "CSV injection": `=`, `+`, `-`, `@`, tab, CR, LF)
is prefixed with an apostrophe. In XLSX every text cell is also written as a string cell, never a
formula, so even a spreadsheet that ignores the apostrophe has nothing to run.

Every CSV export goes through `to_csv`, which writes what the person's spreadsheet program opens
in columns: for Swedish `;` between cells and a decimal comma (Swedish Excel reads `,` as the
decimal sign), otherwise `,` and a decimal point; always UTF-8 with a BOM.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO, StringIO
from typing import Any, Sequence

#: a cell starting with one of these is a formula to a spreadsheet
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet's name), a header row and data rows of plain values."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, int, float)):
        return value
    return safe_cell(str(value))


#: the separator Excel expects in each language's regional settings
CSV_SEPARATORS = {"sv": ";"}


def _csv_value(value: Any, language: str) -> Any:
    plain = _plain(value)
    if isinstance(plain, float) and CSV_SEPARATORS.get(language) == ";":
        return repr(plain).replace(".", ",")
    return plain


def to_csv(sheets: Sequence[Sheet], language: str = "en") -> str:
    """Every sheet one after the other (a blank row and the sheet's title between them), with a BOM.

    `language` chooses the separator and decimal sign (see the module's docstring).
    """
    out = StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATORS.get(language, ","))
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([safe_cell(sheet.title)])
        writer.writerow([safe_cell(str(h)) for h in sheet.header])
        for row in sheet.rows:
            writer.writerow([_csv_value(v, language) for v in row])
    return "\ufeff" + out.getvalue()  # the BOM tells spreadsheet programs it is UTF-8


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook with one worksheet per sheet; text is always a string cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, workbook.sheetnames))
        worksheet.append([_string_cell(worksheet, str(h)) for h in sheet.header])
        for row in sheet.rows:
            worksheet.append([_xlsx_value(worksheet, v) for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(worksheet, value: Any) -> Any:  # type: ignore[no-untyped-def]
    plain = _plain(value)
    return _string_cell(worksheet, plain) if isinstance(plain, str) else plain


def _string_cell(worksheet, text: str):  # type: ignore[no-untyped-def]
    """A cell typed as a string: openpyxl would otherwise store text starting with '=' as a formula."""
    from openpyxl.cell.cell import Cell

    cell = Cell(worksheet, value=None)
    cell._value = safe_cell(text)
    cell.data_type = "s"
    return cell


def _sheet_title(title: str, taken: list[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, unique in the workbook."""
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in title).strip("'")[:31] or "Sheet"
    name, number = cleaned, 2
    while name in taken:
        suffix = f" ({number})"
        name, number = cleaned[:31 - len(suffix)] + suffix, number + 1
    return name
