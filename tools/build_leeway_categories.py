"""Write ``src/sarwatch/data/leeway_categories.csv`` from the shared reference table.

The coefficients are the USCG SAROPS object list compiled by A. Allen (2010),
updated 2011-08-25 (Allen & Plourde 1999; Allen 2005; Breivik & Allen 2008;
Breivik et al. 2011). This script only adds a ``source`` column; run it from the
repository root::

    python tools/build_leeway_categories.py /work/shared/data/leeway_categories.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SOURCE = (
    "USCG SAROPS Leeway object list, A. Allen (2010), updated 2011-08-25; "
    "Allen & Plourde (1999) CG-D-08-99; Allen (2005) CG-D-05-05; Breivik & Allen (2008) "
    "J. Mar. Syst. 69; Breivik et al. (2011) Ocean Dyn. 61"
)


def main(src: str) -> None:
    out = Path("src/sarwatch/data/leeway_categories.csv")
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = [*rows[0].keys(), "source"]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "source": SOURCE})
    print(f"wrote {len(rows)} categories to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
