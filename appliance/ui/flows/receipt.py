"""打印回执: after the 登记 of a matter this desk opened, the officer prints the
matter's 回执, fetched from central (which has the matter once the box's 登记 event
has reached it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_glue.printer import PrinterError

from ...central_client import CentralError, PersonNotFound
from ..errors import DeskError

if TYPE_CHECKING:
    from ..desk import Desk


class ReceiptFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def possible(self) -> bool:
        """A printer, and a matter this desk opened whose 登记 is done."""
        d = self.desk
        r, m = d.reception, d.matter
        return bool(d.printer and m and m.new and r and "register" in r.steps)

    def print_receipt(self) -> str:
        """Fetch the matter's 回执 from central and print it; the job id."""
        d = self.desk
        with d.lock:
            if not self.possible() or d.matter is None or d.printer is None:
                raise DeskError("登记本台新事项后才能打印回执（且须配置打印机）")
            matter_id, officer, printer = d.matter.ref, d.officer_id or "", d.printer
        try:
            pdf = d.central.receipt_pdf(matter_id, officer_id=officer)
        except PersonNotFound as e:
            raise DeskError("中心尚未收到本次登记（正在上传），请稍后再按打印") from e
        except CentralError as e:
            raise DeskError(f"无法取得回执：{e}") from e
        try:
            job = printer.print_pdf(pdf, title="接访回执")
        except PrinterError as e:
            raise DeskError(str(e)) from e
        d.flash = f"回执已送打印机（{job}）"
        return job
