"""CSV files for HR: open correctly in Excel (Chinese names included) and cannot run formulas.

Excel reads a CSV file as the system's ANSI code page unless it starts with a UTF-8 byte order mark,
so the file is written as "utf-8-sig" with Excel's own CRLF line ends. A cell that begins with
= + - @ (or a tab or carriage return, which Excel skips before looking) would be taken as a formula
(CSV injection: a member could name themselves `=HYPERLINK(...)`); such a cell is prefixed with an
apostrophe, which Excel shows as text and does not display.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(header) for header in headers])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
