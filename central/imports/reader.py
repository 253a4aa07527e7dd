"""Read an import file: CSV (UTF-8, or GB18030 as Excel in China saves it) or XLSX
(the first sheet). Which it is comes from its own bytes, never its name. Every cell
comes out as text: a date cell as ``YYYY-MM-DD``, a whole number without ``.0``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from .errors import ImportsError

MAX_BYTES = 64 * 1024 * 1024  # 100,000 rows of CSV are about 25 MB
XLSX_MAGIC = b"PK\x03\x04"


class FileRefused(ImportsError, ValueError):
    """Not a file we can read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (the row's number in the file, its cells)
    kind: str  # "csv" / "xlsx"


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read(data: bytes) -> Table:
    if not data:
        raise FileRefused("上传的文件是空的")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请分成几个文件导入")
    if data.startswith(XLSX_MAGIC):
        return _xlsx(data)
    return _csv(data)


def _csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any bytes
        raise FileRefused("无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV")
    if "\x00" in text:
        raise FileRefused("不是 CSV 或 Excel（.xlsx）文件")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRefused("文件没有表头行") from None
    except csv.Error as e:
        raise FileRefused(f"CSV 格式有误：{e}") from e

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for i, r in enumerate(reader, start=2):
                if any(c.strip() for c in r):
                    yield i, [c.strip() for c in r]
        except csv.Error as e:
            raise FileRefused(f"CSV 第 {reader.line_num} 行格式有误：{e}") from e

    return Table(headers, rows(), "csv")


def _xlsx(data: bytes) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as e:
        raise FileRefused(f"无法读取 Excel 文件（请另存为 .xlsx）：{e}") from e
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        headers = [_cell(v) for v in next(it)]
    except StopIteration:
        raise FileRefused("工作表没有表头行") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for i, r in enumerate(it, start=2):
                cells = [_cell(v) for v in r]
                if any(cells):
                    yield i, cells
        finally:
            wb.close()

    return Table(headers, rows(), "xlsx")
