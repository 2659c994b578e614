"""CSV files for HR: open correctly in Excel (Chinese names included) and cannot run formulas.

Excel reads a CSV file as the system's ANSI code page unless it starts with a UTF-8 byte order mark,
so the file is UTF-8 after a BOM, with Excel's own CRLF line ends. A cell that begins with
= + - @ (or a tab or carriage return, which Excel skips before looking) would be taken as a formula
(CSV injection: a member could name themselves `=HYPERLINK(...)`); such a cell is prefixed with an
apostrophe, which Excel shows as text and does not display.

The file is written as the rows are read from the database and uploaded from a spooled temporary file.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import AsyncGenerator, Iterable, Sequence

from aiogram import Bot
from aiogram.types import InputFile

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
