"""Reading back-office exports: CSV with or without BOM, JSON Lines, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer.issue.rows import InputError, read_rows


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_rows_keep_spreadsheet_row_numbers(tmp_path: Path, bom: bytes) -> None:
    path = write(tmp_path, "rows.csv", bom + "family_name,given_name\n欧阳,明华\n\nSmith,Anna\n"
                 .encode())
    rows = list(read_rows(path))
    assert [(r.number, r.values) for r in rows] == [
        (2, {"family_name": "欧阳", "given_name": "明华"}),
        (4, {"family_name": "Smith", "given_name": "Anna"}),
    ]


def test_csv_row_with_wrong_cell_count_is_reported_not_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.csv", b"a,b\n1,2,3\n")
    (row,) = read_rows(path)
    assert row.number == 2
    assert row.values == {"__shape__": "3 cells for 2 columns"}


def test_jsonl_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.jsonl", b'{"a": 1}\nnot json\n[1]\n')
    rows = list(read_rows(path))
    assert rows[0].values == {"a": 1}
    assert rows[1].values == {"__shape__": "the line is not valid JSON"}
    assert rows[2].values == {"__shape__": "the line is not a JSON object"}


def test_unreadable_inputs_give_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not UTF-8"):
        list(read_rows(write(tmp_path, "rows.csv", b"a,b\n\xff\xfe,1\n")))
    with pytest.raises(InputError, match=r"neither \.csv nor \.jsonl"):
        list(read_rows(write(tmp_path, "rows.xlsx", b"PK")))
    with pytest.raises(InputError, match="empty"):
        list(read_rows(write(tmp_path, "rows.csv", b"")))
    with pytest.raises(InputError, match="name each column once"):
        list(read_rows(write(tmp_path, "rows.csv", b"a,a\n1,2\n")))


def test_broken_csv_names_the_line(tmp_path: Path) -> None:
    huge = b'"' + b"x" * 200_000 + b'"'
    with pytest.raises(InputError, match="near line 3"):
        list(read_rows(write(tmp_path, "rows.csv", b"a,b\n1,2\n3," + huge + b"\n")))
