#!/usr/bin/env python3
"""Merges the results of every suite (results/*.json, the overhead benchmark's export) into one
markdown table of ratios, printed and written as results/results.md and results/results.json.
Part of Benchmarks/run."""
import json, os, re, sys

out = sys.argv[1]
rows = []

def ordo_figures(path):
    """p50 wall time (ns) and mallocs per benchmark of an ordo-one/benchmark markdown export (one
    table per benchmark with p0..p100 columns)."""
    figures = {}
    current = None
    for line in open(path).read().splitlines():
        heading = re.match(r"^###\s+(.*?)\s+metrics\s*$", line) or re.match(r"^###\s+(.*)$", line)
        if heading:
            current = heading.group(1).strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and len(cells) > 4 and re.match(r"^-?[\d.]+$", cells[3] or "x"):
            # | Metric | p0 | p25 | p50 | ... : the p50 column.
            metric = cells[0].lower()
            value = float(cells[3])
            if "wall" in metric:
                scale = 1.0
                unit = re.search(r"\((\w+)\)", cells[0])
                if unit and unit.group(1) in ("μs", "us"):
                    scale = 1000.0
                elif unit and unit.group(1) == "ms":
                    scale = 1e6
                figures.setdefault(current, {})["ns"] = value * scale
            elif "malloc" in metric:
                figures.setdefault(current, {})["mallocs"] = value
    return figures

# Suite 1: ordo-one/benchmark's markdown export.
overhead = os.path.join(out, "overhead.md")
if os.path.exists(overhead):
    figures = ordo_figures(overhead)
    routed = "retry + budget + breaker"
    diamond = "diamond, hand-written task group (reference)"
    order = ["bare call", "hand-rolled timeout (reference)", "single attempt, no timeout", "timeout only", "retry only",
             "breaker only", "full stack without timeout", "full stack",
             "full stack, telemetry bootstrapped to no-op", "1-step workflow, full stack",
             "1-step workflow, full stack, telemetry bootstrapped to no-op",
             routed, routed + ", round-robin router (3 endpoints)",
             routed + ", least-latency router, outlier detection, endpoint breakers",
             routed + ", hedging at p95 before any sample (no race)", routed + ", hedging armed (a race per call)",
             diamond, "5-step diamond workflow, pass-through policy",
             "5-step diamond workflow, SingleAttempt (attempts clipped to the deadline)"]
    # Rows measured against another row than the bare call: what routing, hedging or the executor
    # adds to the same work done without them.
    def baseline_of(name):
        if name.startswith(routed + ","):
            return routed
        if name.startswith("5-step diamond workflow"):
            return diamond
        return "bare call"
    for name in order + sorted(set(figures) - set(order)):
        if name not in figures:
            continue
        f = figures[name]
        row = {"suite": "1 per-call overhead", "name": name, "value": f.get("ns", float("nan")), "unit": "ns/call",
               "detail": f"{f.get('mallocs', float('nan')):g} mallocs/call"}
        against = baseline_of(name)
        base = figures.get(against, {})
        if name != "bare call" and "ns" in base:
            row["ratio"] = f["ns"] / base["ns"]
            row["baseline"] = against
            added = f["ns"] - base["ns"]
            extra_mallocs = f.get("mallocs", 0) - base.get("mallocs", 0)
            row["detail"] += f"; adds {added:.0f} ns, {extra_mallocs:g} mallocs"
            if name == "full stack":
                row["target"] = "adds < 1 µs, ≤ 2 mallocs"
                row["met"] = added < 1000 and extra_mallocs <= 2
        if name.endswith("telemetry bootstrapped to no-op"):
            plain = figures.get(name.replace(", telemetry bootstrapped to no-op", ""), {})
            if "ns" in plain:
                delta = f["ns"] / plain["ns"]
                row["detail"] += f"; {delta:.2f}× the same without telemetry"
                row["target"] = "telemetry adds nothing measurable"
                row["met"] = delta <= 1.05 and f.get("mallocs", 0) <= plain.get("mallocs", 0)
        rows.append(row)

for part in ["scenarios.json", "generator.json"]:
    path = os.path.join(out, part)
    if os.path.exists(path):
        rows += json.load(open(path))

# Suite 10: the generated HTTP client against the bare transport call (and a hand-written client),
# over loopback and through an in-memory transport (the clients' own cost).
httpclient = os.path.join(out, "httpclient.md")
if os.path.exists(httpclient):
    figures = ordo_figures(httpclient)
    for suffix in ["", ", in-memory transport"]:
        bare, hand = "bare transport.send" + suffix, "hand-written client (JSONEncoder/JSONDecoder)" + suffix
        for name in [bare, hand, "generated PricingHTTPClient" + suffix]:
            if name not in figures:
                continue
            f = figures[name]
            row = {"suite": "10 HTTP client", "name": name if suffix else name + ", loopback", "value": f.get("ns", float("nan")) / 1000,
                   "unit": "µs/call", "detail": f"{f.get('mallocs', float('nan')):g} mallocs/call" + ("" if suffix else " (client and server)")}
            if name != bare and "ns" in figures.get(bare, {}) and "ns" in f:
                base = figures[bare]
                row["ratio"] = f["ns"] / base["ns"]
                row["baseline"] = bare
                row["detail"] += f"; adds {(f['ns'] - base['ns']) / 1000:.1f} µs, {f.get('mallocs', 0) - base.get('mallocs', 0):g} mallocs"
                if name != hand and "ns" in figures.get(hand, {}):
                    row["detail"] += f"; {f['ns'] / figures[hand]['ns']:.2f}× the hand-written client"
            rows.append(row)

# Suite 11: against swift-openapi-generator (openapi-comparison.py), when it ran.
comparison = os.path.join(out, "openapi-comparison.json")
if os.path.exists(comparison):
    rows += json.load(open(comparison))

def fmt(value):
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"

lines = ["| suite | measurement | value | ratio | against | target | met | notes |", "|---|---|---:|---:|---|---|---|---|"]
for row in rows:
    met = row.get("met")
    lines.append("| {} | {} | {} {} | {} | {} | {} | {} | {} |".format(
        row["suite"], row["name"], fmt(row["value"]), row["unit"],
        (fmt(row["ratio"]) + "×") if row.get("ratio") is not None else "", row.get("baseline") or "",
        row.get("target") or "", "" if met is None else ("yes" if met else "**no**"), row.get("detail") or ""))
table = "\n".join(lines)
print(table)
open(os.path.join(out, "results.md"), "w").write(table + "\n")
json.dump(rows, open(os.path.join(out, "results.json"), "w"), indent=2, ensure_ascii=False)
