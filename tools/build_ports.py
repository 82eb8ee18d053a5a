"""Build ``src/sarwatch/data/ports_central_med.csv`` from the shared research file.

Input: ``../shared/data/ports_central_med.csv`` (58 ports; NGA World Port Index,
Pub 150, US public domain; Zuwara from UN/LOCODE), or a path given as the first
argument. The packaged file keeps the identification, position, size, role and
source of each port and adds a stable ``port_id`` (the UN/LOCODE, or ``WPI<number>``).
It deliberately drops the research file's place-of-safety column: whether a port is
a place of safety is policy, kept in ``data/pos_policy.json`` (dated, sourced,
user-overridable), never baked into the port list. The departure points at sea
(``depart_lon``, ``depart_lat``, ``depart_note``: see ``sarwatch.geo.ports``) are kept
from the packaged file, by port id, as they were chosen there.
Run: ``.venv/bin/python tools/build_ports.py [path/to/ports_central_med.csv]``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IN = ROOT.parent / "shared" / "data" / "ports_central_med.csv"
OUT = ROOT / "src/sarwatch/data/ports_central_med.csv"
FIELDS = [
    "port_id",
    "name",
    "country_iso2",
    "unlocode",
    "wpi_number",
    "lat",
    "lon",
    "harbor_size_wpi",
    "role",
    "source",
]
DEPART = ["depart_lon", "depart_lat", "depart_note"]


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_IN
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with OUT.open(newline="", encoding="utf-8") as fh:
        kept = {r["port_id"]: r for r in csv.DictReader(fh)}
    out = []
    for row in rows:
        port_id = row["unlocode"] or f"WPI{row['wpi_number']}"
        depart = {k: kept.get(port_id, {}).get(k) or "" for k in DEPART}
        out.append({"port_id": port_id, **{k: row[k] for k in FIELDS[1:]}, **depart})
    ids = [r["port_id"] for r in out]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate port ids")
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS + DEPART, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {OUT} with {len(out)} ports")


if __name__ == "__main__":
    main()
