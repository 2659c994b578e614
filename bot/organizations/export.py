"""CSV files for HR: open correctly in Excel (Chinese names included) and cannot run formulas.

Excel reads a CSV file as the system's ANSI code page unless it starts with a UTF-8 byte order mark,
so the file is written as "utf-8-sig" with Excel's own CRLF line ends. A cell that begins with
= + - @ (or a tab or carriage return, which Excel skips before looking) would be taken as a formula
(CSV injection: a member could name themselves `=HYPERLINK(...)`); such a cell is prefixed with an
apostrophe, which Excel shows as text and does not display.

The file is written as the rows are read from the database and uploaded from a spooled temporary file.
"""

from __future__ import annotations

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
        for row in rows:
            sheet.add(row)
        return sheet.getvalue()


class CsvFile:
    """A CSV file written a row at a time into a spooled temporary file: in memory while small, on disk
    beyond `in_memory` bytes, so an organization of any size costs a few rows of memory, not its file.

    Closed (and the temporary file removed) when the `with` block ends.
    """

    def __init__(self, headers: Sequence[str], in_memory: int = 1 << 20) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=in_memory)
        # newline="": the csv module writes Excel's CRLF itself; "utf-8-sig" starts the file with the BOM.
        self._text = io.TextIOWrapper(self._file, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text, dialect="excel", quoting=csv.QUOTE_MINIMAL)
        self.add(headers)

    def add(self, row: Sequence[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def _finished(self) -> tempfile.SpooledTemporaryFile[bytes]:
        self._text.flush()
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
        # Detached first: closing the text layer would close the file under it twice.
        self._text.detach()
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
