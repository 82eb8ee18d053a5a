"""Page weight and speed of the operations map, measured in headless Chromium on loopback.

Starts a sarwatch server, opens ``/`` in a fresh browser context (empty cache) several
times and reports, per load, the bytes transferred (encoded bodies plus response
headers, as the network saw them) and the time until the map is interactive (the page
sets ``body[data-interactive]`` once the coastline is drawn and the handlers are
attached; measured from navigation start). The user's own data (cases, drift runs) is
not part of a first load; the base layers (coastline, SAR regions, zones, ports) are.

Targets (issue 5): first load under 1 MB transferred; map interactive under 2 s.

Usage::

    .venv/bin/python benchmarks/bench_page.py [--loads 5] [--out benchmarks/results/page.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"  # the live-server harness
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from _live import CHROMIUM_ARGS, free_port, uvicorn_command, wait_until_healthy  # noqa: E402


def _start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, SARWATCH_HOME_DIR=str(home))
    process = subprocess.Popen(uvicorn_command(port, "--log-level", "warning"), env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(process, url)
    return process, url


def _one_load(browser, url: str) -> dict[str, object]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda req: responses.append(req))
    page.goto(url + "/")
    page.wait_for_selector("body[data-interactive]", timeout=30_000)
    page.wait_for_function(
        "() => { const d = document.getElementById('map').dataset;"
        " return d.srr && d.zones && d.ports; }",
        timeout=30_000,
    )
    page.wait_for_load_state("networkidle")
    interactive_ms = float(page.evaluate("Number(document.body.dataset.interactive)"))
    by_kind: dict[str, int] = {}
    total = 0
    for req in responses:
        sizes = req.sizes()
        n = int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
        total += n
        path = req.url.removeprefix(url).split("?")[0]
        by_kind[path] = by_kind.get(path, 0) + n
    context.close()
    return {
        "bytes_transferred": total,
        "requests": len(responses),
        "interactive_ms": interactive_ms,
        "by_path": by_kind,
    }


def main(argv: list[str] | None = None) -> None:
    """Measure and write ``benchmarks/results/page.json``; ``--full`` makes 20 loads."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="cold loads to measure (default 5)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "page.json")
    parser.add_argument("--full", action="store_true", help="20 loads instead of --loads")
    args, _ = parser.parse_known_args(argv)
    if args.full:
        args.loads = 20

    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("SARWATCH_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as home:
        process, url = _start_server(Path(home))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                _one_load(browser, url)  # warm the server's layer caches (built once per machine)
                loads = [_one_load(browser, url) for _ in range(args.loads)]
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)

    transferred = [int(x["bytes_transferred"]) for x in loads]  # type: ignore[call-overload]
    interactive = [float(x["interactive_ms"]) for x in loads]  # type: ignore[arg-type]
    result = {
        "what": "first load of / in a fresh headless Chromium context, loopback",
        "loads": args.loads,
        "bytes_transferred_median": int(statistics.median(transferred)),
        "bytes_transferred_max": max(transferred),
        "interactive_ms_median": round(statistics.median(interactive), 1),
        "interactive_ms_max": round(max(interactive), 1),
        "requests": loads[-1]["requests"],
        "by_path_bytes": loads[-1]["by_path"],
        "targets": {"bytes_transferred": 1_000_000, "interactive_ms": 2000},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
