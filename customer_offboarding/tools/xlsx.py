"""XLSX files built with xlsxwriter: the customer's own data (their page) and
the managers' export of offboarding columns (partner and case lists)."""

import io

from odoo import fields
from odoo.tools import html2plaintext
from odoo.tools.misc import xlsxwriter

# Column types: how a cell is written and formatted.
TEXT, NUMBER, MONEY, DATE, DATETIME = "text", "number", "money", "date", "datetime"
MAX_SHEET_NAME = 31


def write_workbook(sheets, cover=None):
    """Return the bytes of a workbook with a cover sheet and ``sheets``.

    ``sheets``: list of dicts {"name", "columns": [(header, type)], "rows"}.
    ``cover``: list of (label, value) lines written first, on their own sheet.
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1})
    formats = {
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        MONEY: workbook.add_format({"num_format": "#,##0.00"}),
        NUMBER: None,
        TEXT: None,
    }
    used = set()

    def sheet_name(name):
        name = "".join(ch for ch in name if ch not in "[]:*?/\\")[:MAX_SHEET_NAME]
        base, index = name, 2
        while name.lower() in used:
            suffix = f" ({index})"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
            index += 1
        used.add(name.lower())
        return name

    if cover is not None:
        title, lines = cover
        sheet = workbook.add_worksheet(sheet_name(title))
        sheet.set_column(0, 0, 32)
        sheet.set_column(1, 1, 80)
        for row, (label, value) in enumerate(lines):
            sheet.write_string(row, 0, label or "", bold)
            sheet.write_string(row, 1, value or "")
    for spec in sheets:
        sheet = workbook.add_worksheet(sheet_name(spec["name"]))
        columns = spec["columns"]
        for col, (title, _kind) in enumerate(columns):
            sheet.write_string(0, col, title, header)
            sheet.set_column(col, col, max(12, min(60, len(title) + 4)))
        for row, values in enumerate(spec["rows"], start=1):
            for col, ((_title, kind), value) in enumerate(
                zip(columns, values, strict=True)
            ):
                _write_cell(sheet, row, col, kind, value, formats)
        sheet.freeze_panes(1, 0)
        if spec["rows"]:
            sheet.autofilter(0, 0, len(spec["rows"]), len(columns) - 1)
    workbook.close()
    return output.getvalue()


def _write_cell(sheet, row, col, kind, value, formats):
    if value is None or value is False or value == "":
        sheet.write_blank(row, col, None)
    elif kind in (NUMBER, MONEY):
        sheet.write_number(row, col, float(value), formats[kind])
    elif kind == DATE:
        sheet.write_datetime(
            row, col, fields.Datetime.to_datetime(value), formats[DATE]
        )
    elif kind == DATETIME:
        sheet.write_datetime(
            row, col, fields.Datetime.to_datetime(value), formats[DATETIME]
        )
    else:
        sheet.write_string(row, col, str(value))


def plain(html):
    """Message bodies as plain text for a spreadsheet cell."""
    return html2plaintext(html or "").strip()
