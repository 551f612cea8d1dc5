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
    ``cover``: (title, [(label, value)]) written first, on its own sheet.
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    formats = {
        "bold": workbook.add_format({"bold": True}),
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#E9ECEF", "border": 1}
        ),
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        MONEY: workbook.add_format({"num_format": "#,##0.00"}),
        NUMBER: None,
        TEXT: None,
    }
    names = set()
    if cover is not None:
        _write_cover(
            workbook.add_worksheet(_sheet_name(cover[0], names)), cover, formats
        )
    for spec in sheets:
        _write_sheet(
            workbook.add_worksheet(_sheet_name(spec["name"], names)), spec, formats
        )
    workbook.close()
    return output.getvalue()


def _sheet_name(name, used):
    """A valid sheet name (31 characters, no []:*?/\\), unique in ``used``."""
    name = "".join(ch for ch in name if ch not in "[]:*?/\\")[:MAX_SHEET_NAME]
    base, index = name, 2
    while name.lower() in used:
        suffix = f" ({index})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        index += 1
    used.add(name.lower())
    return name


def _write_cover(sheet, cover, formats):
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 80)
    for row, (label, value) in enumerate(cover[1]):
        sheet.write_string(row, 0, label or "", formats["bold"])
        sheet.write_string(row, 1, value or "")


def _write_sheet(sheet, spec, formats):
    columns = spec["columns"]
    for col, (title, _kind) in enumerate(columns):
        sheet.write_string(0, col, title, formats["header"])
        sheet.set_column(col, col, max(12, min(60, len(title) + 4)))
    for row, values in enumerate(spec["rows"], start=1):
        for col, ((_title, kind), value) in enumerate(
            zip(columns, values, strict=True)
        ):
            _write_cell(sheet, row, col, kind, value, formats)
    sheet.freeze_panes(1, 0)
    if spec["rows"]:
        sheet.autofilter(0, 0, len(spec["rows"]), len(columns) - 1)


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
