"""Write the historical-import sample (deterministic): ``docs/samples/import-sample.csv``
(60 rows, one of each deliberate mistake; committed) or any size and format.

    .venv/bin/python scripts/make-import-sample.py                       # the shipped sample
    .venv/bin/python scripts/make-import-sample.py --rows 100000 --out /tmp/big.xlsx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central.imports import sample


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=60)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--clean", action="store_true", help="no deliberate mistakes")
    p.add_argument("--out", type=Path, default=Path("docs/samples/import-sample.csv"))
    a = p.parse_args()
    data = list(sample.rows(a.rows, seed=a.seed))
    if not a.clean:
        data = sample.with_mistakes(data)
    body = sample.to_xlsx(data) if a.out.suffix == ".xlsx" else sample.to_csv(data)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_bytes(body)
    print(f"{a.out}: {len(data)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
