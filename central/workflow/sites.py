"""The sites file: how each site names itself on paper and in its 文号.

A TOML (or JSON) file named by ``ZHIFANG_SITES_FILE``, one table per site code::

    [sites.minhou]
    short = "闽侯"                        # in the 文号: 闽侯检信〔2026〕123号
    name = "闽侯县人民检察院"              # on every printed paper and the progress page
    ref_format = "{short}检信〔{year}〕{seq}号"   # optional; {short} {year} {seq}

A site not listed is named by its code (``minhou检信〔2026〕1号``) until it is.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import sitefile
from .errors import WorkflowError
from .refs import DEFAULT_FORMAT, SiteDirectory, SiteNames


class SitesFileError(WorkflowError, ValueError):
    """The sites file cannot be used; the message says where and why."""


class SiteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    short: str = Field(min_length=1, max_length=20)
    name: str = Field(default="", max_length=100)
    ref_format: str = Field(default=DEFAULT_FORMAT, max_length=100)

    @field_validator("ref_format")
    @classmethod
    def _formats(cls, v: str) -> str:
        if "{seq}" not in v:
            raise ValueError("文号格式须含 {seq}（序号），否则两件事项会同号")
        try:
            v.format(short="闽侯", year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"文号格式只能用 {{short}} {{year}} {{seq}}：{e}") from e
        return v


class SitesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sites: dict[str, SiteEntry] = Field(default_factory=dict)


def load_sites(path: Path) -> SiteDirectory:
    f = sitefile.load(path, model=SitesFile, what="站点", error=SitesFileError)
    return SiteDirectory(
        {
            code: SiteNames(short=e.short, name=e.name, ref_format=e.ref_format)
            for code, e in f.sites.items()
        }
    )
