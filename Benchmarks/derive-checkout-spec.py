#!/usr/bin/env python3
"""Writes Sources/Checkout/checkout.baton.yaml: the example spec specs/checkout.baton.yaml without
its workflow's `admission:` block (500 runs/s per caller class would cap the throughput that suite
2 measures at the admission rate, not the orchestrator's cost) and its `http:` binding (the suites
call the orchestrator directly, so they need not link BatonHTTP). With --check, exits 1 when the
committed copy differs (it is rewritten by Benchmarks/run, so it cannot drift)."""
import os, sys

here = os.path.dirname(os.path.abspath(__file__))
source = os.path.join(here, "..", "specs", "checkout.baton.yaml")
target = os.path.join(here, "Sources", "Checkout", "checkout.baton.yaml")

lines = open(source).read().splitlines(keepends=True)
out, skipping, indent = [], False, 0
for line in lines:
    stripped = line.lstrip(" ")
    depth = len(line) - len(stripped)
    if skipping:
        if stripped.strip() and depth <= indent:
            skipping = False
        else:
            continue
    if stripped.startswith("http:") and depth == 4:
        continue
    if stripped.startswith("admission:"):
        skipping, indent = True, depth
        continue
    out.append(line)
text = ("# Derived from specs/checkout.baton.yaml by Benchmarks/derive-checkout-spec.py (admission and http removed).\n"
        "# Do not edit: Benchmarks/run rewrites it.\n") + "".join(out)
if "--check" in sys.argv:
    current = open(target).read() if os.path.exists(target) and not os.path.islink(target) else None
    sys.exit(0 if current == text else 1)
if os.path.islink(target) or not os.path.exists(target) or open(target).read() != text:
    if os.path.islink(target):
        os.remove(target)
    open(target, "w").write(text)
