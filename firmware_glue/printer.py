"""The desk's printer: hand it a PDF, get a job id back.

``Printer`` is the interface the appliance uses; ``LpPrinter`` queues the file with
CUPS's ``lp`` (the printer set up in CUPS, by name or the default); ``FilePrinter`` is
the shipped fake: it writes each job as a numbered PDF file in a folder, so tests and a
box without a printer can see what would have come out.

Subclasses must implement ``print_pdf``. Errors: ``PrinterError`` (also ``OSError``)
says, in Chinese, what the officer can do.
"""

from __future__ import annotations

import re
import subprocess
from abc import ABC, abstractmethod
from pathlib import Path


class PrinterError(OSError):
    """The job did not reach the printer."""


class Printer(ABC):
    @abstractmethod
    def print_pdf(self, data: bytes, *, title: str) -> str:
        """Queue ``data`` (a PDF) under ``title``; the job's id."""


def _check(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise PrinterError("要打印的不是 PDF 文件")


class LpPrinter(Printer):
    """CUPS: ``lp [-d destination] -t title -`` with the PDF on standard input."""

    def __init__(self, destination: str | None = None, *, lp: str = "lp",
                 timeout_s: float = 20.0) -> None:  # fmt: skip
        self.destination, self.lp, self.timeout_s = destination, lp, timeout_s

    def print_pdf(self, data: bytes, *, title: str) -> str:
        _check(data)
        cmd = [self.lp, *(["-d", self.destination] if self.destination else []),
               "-t", title, "-"]  # fmt: skip
        try:
            done = subprocess.run(cmd, input=data, capture_output=True, timeout=self.timeout_s)
        except FileNotFoundError as e:
            raise PrinterError("本机未安装打印服务（CUPS 的 lp 命令）") from e
        except subprocess.TimeoutExpired as e:
            raise PrinterError("打印服务无响应，请检查打印机") from e
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip()[:200]
            raise PrinterError(f"打印失败：{why or '打印服务拒绝了任务'}")
        out = done.stdout.decode(errors="replace")
        m = re.search(r"request id is (\S+)", out)  # "request id is desk-12 (1 file(s))"
        return m.group(1) if m else out.strip()[:80]


class FilePrinter(Printer):
    """The fake: each job becomes ``<folder>/<n>-<title>.pdf``; ``jobs`` lists them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jobs: list[Path] = []

    def print_pdf(self, data: bytes, *, title: str) -> str:
        _check(data)
        self.folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", title)[:60] or "job"
        path = self.folder / f"{len(self.jobs) + 1:04d}-{safe}.pdf"
        path.write_bytes(data)
        self.jobs.append(path)
        return path.name
