"""CSV and Excel files for HR. The CSV files open correctly in Excel (Chinese names included) and cannot run formulas.

Excel reads a CSV file as the system's ANSI code page unless it starts with a UTF-8 byte order mark,
so the file is UTF-8 after a BOM, with Excel's own CRLF line ends. A cell that begins with
= + - @ (or a tab or carriage return, which Excel skips before looking) would be taken as a formula
(CSV injection: a member could name themselves `=HYPERLINK(...)`); such a cell is prefixed with an
apostrophe, which Excel shows as text and does not display.

The .xlsx workbook (XlsxFile) says the same with fills, a frozen header and cells typed as text.

Each file is written as the rows are read from the database and uploaded from a spooled temporary file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.types import InputFile

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    with CsvFile(headers) as sheet:
        sheet.add_rows(rows)
        return sheet.getvalue()


class CsvFile:
    """A CSV file written a batch of rows at a time into a spooled temporary file: in memory while small, on
    disk beyond `in_memory` bytes, so an organization of any size costs a batch of rows, not its whole file.

    Closed (and the temporary file removed) when the `with` block ends.
    """

    def __init__(self, headers: Sequence[str], in_memory: int = 1 << 20) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115 (closed by __exit__)
        self._file.write(codecs.BOM_UTF8)
        self.add_rows([headers])

    def add_rows(self, rows: Iterable[Sequence[object]]) -> None:
        # Each batch is formatted in memory and encoded once: per-row writes through a text layer cost
        # more than the rows themselves at 60,000 of them.
        text = io.StringIO(newline="")
        csv.writer(text, dialect="excel", quoting=csv.QUOTE_MINIMAL).writerows(
            [safe_cell(cell) for cell in row] for row in rows
        )
        self._file.write(text.getvalue().encode("utf-8"))

    def _finished(self) -> tempfile.SpooledTemporaryFile[bytes]:
        self._file.seek(0)
        return self._file

    def getvalue(self) -> bytes:
        return self._finished().read()

    def input_file(self, filename: str) -> InputFile:
        """The file for sendDocument, read from the temporary file in chunks as it is uploaded."""
        return _SpooledInputFile(self._finished(), filename)

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()


class _SpooledInputFile(InputFile):
    def __init__(self, file: tempfile.SpooledTemporaryFile[bytes], filename: str) -> None:
        super().__init__(filename=filename)
        self._file = file

    async def read(self, bot: Bot) -> AsyncGenerator[bytes, None]:
        # Read afresh on every upload attempt (a retried request sends the whole file again).
        self._file.seek(0)
        while chunk := self._file.read(self.chunk_size):
            yield chunk


# --- The same export as an Excel workbook ------------------------------------------------------------

# Excel's own "Good", "Neutral" and "Bad" fills: light enough that the text on them stays readable.
FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
HEADER_FILL = "D9D9D9"
# Widths are in Excel's character units; a very long name must not make one column a screen wide.
MAX_WIDTH = 60


def display_width(text: str) -> int:
    """Columns `text` takes in Excel: a Chinese (wide or full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class XlsxFile:
    """An .xlsx workbook of one sheet written a batch of rows at a time (openpyxl's write-only mode streams the
    sheet to a temporary file): memory stays flat however large the organization.

    Rows are (cells, colour): the cell in `fill_column` is filled green, yellow or red by the colour. The
    header row is frozen. No cell is ever a formula: openpyxl would write a text starting with "=" as one, so
    every text is typed as a string, and one Excel would read as a formula once edited gets a quote prefix.

    A write-only sheet writes its column widths before its first row, so the widths are measured on the
    headers and the first batch (the first names in list order), not on the whole file. Closed (temporary
    files removed) when the `with` block ends.
    """

    def __init__(self, headers: Sequence[str], title: str, fill_column: int, in_memory: int = 1 << 20) -> None:
        # Imported when an export is asked for, not at every start of the bot.
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        self._new_cell: Callable[[Any, Any], Cell] = WriteOnlyCell

        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(_sheet_title(title))
        self._sheet.freeze_panes = "A2"
        self._headers = [_text(header) for header in headers]
        self._fill_column = fill_column
        self._fills = {colour: PatternFill(fill_type="solid", fgColor=rgb) for colour, rgb in FILLS.items()}
        self._header_fill = PatternFill(fill_type="solid", fgColor=HEADER_FILL)
        self._bold = Font(bold=True)
        self._started = False
        self._finished_file: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._file = tempfile.SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115 (closed by __exit__)

    def add_rows(self, rows: Iterable[tuple[Sequence[object], str | None]]) -> None:
        batch = list(rows)
        if not self._started:
            self._start([cells for cells, _colour in batch])
        for cells, colour in batch:
            self._sheet.append([self._cell(value, index, colour) for index, value in enumerate(cells)])

    def _start(self, sample: list[Sequence[object]]) -> None:
        from openpyxl.utils import get_column_letter

        for index, header in enumerate(self._headers):
            widest = max([display_width(header), *(display_width(_text(row[index])) for row in sample)])
            self._sheet.column_dimensions[get_column_letter(index + 1)].width = min(widest + 2, MAX_WIDTH)
        header_row = []
        for header in self._headers:
            cell = self._cell(header, -1, None)
            cell.font, cell.fill = self._bold, self._header_fill
            header_row.append(cell)
        self._sheet.append(header_row)
        self._started = True

    def _cell(self, value: object, index: int, colour: str | None) -> Cell:
        # Numbers and days as Excel's own, so that HR can sort and filter by them.
        if _is_number_or_day(value):
            cell = self._new_cell(self._sheet, value)
        else:
            text = _text(value)
            cell = self._new_cell(self._sheet, text)
            # Set after the value: openpyxl types a text starting with "=" as a formula when it is given.
            cell.data_type = "s"
            if text.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
        if index == self._fill_column and colour in self._fills:
            cell.fill = self._fills[colour]
        return cell

    def finish(self) -> None:
        """Write the workbook out: the sheet's rows are zipped from their temporary file (a fraction of a second at
        60,000 rows; drawing the rows in add_rows is the heavy part)."""
        if not self._started:
            self._start([])
        self._workbook.save(self._file)
        self._finished_file = self._file

    def _finished(self) -> tempfile.SpooledTemporaryFile[bytes]:
        if self._finished_file is None:
            self.finish()
        self._file.seek(0)
        return self._file

    def getvalue(self) -> bytes:
        return self._finished().read()

    def input_file(self, filename: str) -> InputFile:
        return _SpooledInputFile(self._finished(), filename)

    def __enter__(self) -> XlsxFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._finished_file is None:
            # Not saved (refused, or failed half-way): remove the sheet's temporary file now, not at exit.
            with suppress(Exception):
                self._sheet.close()
                writer = getattr(self._sheet, "_writer", None)
                if writer is not None:
                    writer.cleanup()
        self._file.close()


# Control characters are not allowed in the file's XML: openpyxl refuses the whole cell for one (its own
# ILLEGAL_CHARACTERS_RE, here so that the module does not import openpyxl).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _is_number_or_day(value: object) -> bool:
    if isinstance(value, bool):
        return False
    # A datetime would need a time zone Excel has not got; only days are written as days.
    return isinstance(value, (int, float)) or (isinstance(value, date) and not isinstance(value, datetime))


def _text(value: object) -> str:
    return _ILLEGAL_CHARACTERS.sub("", "" if value is None else str(value))


def _sheet_title(title: str) -> str:
    # Excel's rules for a sheet's name: at most 31 characters, none of : \ / ? * [ ].
    cleaned = "".join(" " if char in ":\\/?*[]" else char for char in title).strip()
    return cleaned[:31] or "Sheet"
