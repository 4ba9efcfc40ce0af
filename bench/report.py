"""The table: each figure beside its ceiling from the same run, its ratio and its goal; the
goals missed; bench/results.json."""

import json
import os
import time

from .config import APPROVED, GOALS, ROOT, WAITING, WORKERS

# The number a row reports, by what was measured.
FIGURE = {"rps": "req/s", "rows_per_s": "rows/s", "seconds": "s", "ms": "ms", "p95_ms": "ms p95", "p99_ms": "ms p99"}


def _figure(name: str, result: dict) -> tuple[str, float | None]:
    """The figure a goal is about: p95 for latency goals, p99 during downloads, seconds for
    the CSV, rows/s for the import, req/s otherwise."""
    goal = GOALS.get(name, {})
    if "p95_ms_max" in goal:
        key = "p95_ms"
    elif name in ("page during downloads", "page, idle"):
        key = "p99_ms"
    else:
        key = next((k for k in ("rows_per_s", "seconds", "rps", "ms") if k in result), "rps")
    return key, result.get(key)


def check(results: dict) -> tuple[list[dict], list[str]]:
    rows, misses = [], []
    for name, goal in GOALS.items():
        result = results.get(name)
        if result is None:
            misses.append(f"{name}: not measured")
            continue
        key, value = _figure(name, result)
        row = {"name": name, "figure": value, "unit": FIGURE[key], "ceiling": None, "ratio": None}
        if "ceiling" in goal:
            ceiling = results.get(goal["ceiling"], {})
            _, base = _figure(goal["ceiling"], ceiling)
            row.update(ceiling=base, ceiling_name=goal["ceiling"])
            row["ratio"] = round(value / base, 2) if value is not None and base else None
        verdict, ok = _verdict(goal, row)
        row["goal"], row["ok"] = verdict, ok
        if not ok:
            misses.append(f"{name}: {row['figure']} {row['unit']}, ratio {row['ratio']}, goal {verdict}")
        rows.append(row)
    return rows, misses


def _verdict(goal: dict, row: dict) -> tuple[str, bool]:
    for key, limit in goal.items():
        if key == "ceiling":
            continue
        what, bound = key.rsplit("_", 1)
        value = row["ratio"] if what == "ratio" else row["figure"]
        text = f"{'≥' if bound == 'min' else '≤'} {limit:g}{'×' if what == 'ratio' else ''}"
        if value is None:
            return text, False
        return text, value >= limit if bound == "min" else value <= limit
    return "", True


def _cell(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


def write(results: dict, scaling: dict, notes: dict, other_misses: list[str]) -> list[str]:
    """Print the table, write bench/results.json; returns every goal missed (with `other_misses`,
    those bench/tlog_bench.py found)."""
    rows, misses = check(results)
    misses += other_misses
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "gunicorn_sync_workers": WORKERS},
        "data": {"approved": APPROVED, "waiting": WAITING},
        "table": rows,
        "scaling": scaling,
        "results": results,
        "notes": notes,
        "missed": misses,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'measure':<24}{'figure':>11}  {'unit':<8}{'ceiling':>10}  {'ratio':>6}  {'goal':<8} ok  (ceiling)")
    for row in rows:
        print(
            f"{row['name']:<24}{_cell(row['figure']):>11}  {row['unit']:<8}{_cell(row['ceiling']):>10}  "
            f"{_cell(row['ratio']):>6}  {row['goal']:<8} {'yes' if row['ok'] else 'NO '} ({row.get('ceiling_name', '')})"
        )
    info = {
        k: v for k, v in results.items() if k not in GOALS and not any(k == g.get("ceiling") for g in GOALS.values())
    }
    for name, result in info.items():
        key, value = _figure(name, result)
        print(f"{name:<24}{_cell(value):>11}  {FIGURE[key]:<8}  (no goal)")
    if scaling:
        print("\nweb processes (gunicorn sync workers):  " + "  ".join(f"{n}" for n in scaling))
        for what in ("letter page", "sign (POST)"):
            print(f"  {what + ' req/s':<37}" + "  ".join(f"{scaling[n][what]:,.0f}" for n in scaling))
    print("\nall goals met" if not misses else "\nMISSED:\n  " + "\n  ".join(misses))
    return misses
