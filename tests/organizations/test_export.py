"""The CSV file HR gets: Excel opens it as UTF-8 (Chinese names intact), and no cell can be a formula."""

from __future__ import annotations

import csv
import io

import pytest

from bot.organizations.export import safe_cell, to_csv


def test_the_file_starts_with_a_byte_order_mark_and_keeps_chinese_names() -> None:
    data = to_csv(["Name", "Colour"], [["张伟", "green"], ["Jane Doe", "red"]])
    assert data.startswith(b"\xef\xbb\xbf"), "Excel reads UTF-8 only after a BOM"
    text = data.decode("utf-8-sig")
    assert text == "Name,Colour\r\n张伟,green\r\nJane Doe,red\r\n"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+86 138", "'+86 138"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Jane = Doe", "Jane = Doe"),
        ("2026-03-02", "2026-03-02"),
        ("", ""),
        (None, ""),
        (36.6, "36.6"),
    ],
)
def test_cells_that_excel_would_run_as_formulas_are_made_text(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_commas_quotes_and_line_breaks_in_names_stay_in_their_cell() -> None:
    rows = [['Doe, "Jane"\nJr.', "=1+1"]]
    data = to_csv(["Name", "Colour"], rows)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed == [["Name", "Colour"], ['Doe, "Jane"\nJr.', "'=1+1"]]


def test_headers_are_made_safe_too() -> None:
    assert to_csv(["=Name"], []).decode("utf-8-sig") == "'=Name\r\n"
