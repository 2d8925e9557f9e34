#!/usr/bin/env python3
"""Suite 8: `baton lint` and `baton generate` on synthetic specs of 10, 100 and 1,000 workflows,
and the compile time of the generated code for 10 and 50 workflows. Part of Benchmarks/run."""
import argparse, json, os, shutil, statistics, subprocess, tempfile
from benchtools import compile_command, swift_files, timed

def spec(workflows: int, changed: bool = False) -> str:
    """Four services, and `workflows` workflows of five steps each (a chain, a fan-out and a join),
    each with its own input and output types, retries, timeouts and a fallback. The `changed`
    version (for `baton diff`) shortens every tenth deadline and makes every hundredth request's
    `count` a double."""
    lines = ["baton: 1", "name: Synthetic", "", "types:"]
    lines += ["  Item:", "    id: string", "    value: int"]
    for w in range(workflows):
        count = "double" if changed and w % 100 == 0 else "int"
        lines += [f"  Request{w}:", "    id: string", f"    count: {count}", f"  Result{w}:", "    id: string", "    total: int", "    extra: int?"]
    lines += ["", "policies:", "  retries:", "    standard: { maxAttempts: 3, backoff: { initial: 10ms, max: 100ms } }", "", "services:"]
    for s in ["alpha", "beta", "gamma", "delta"]:
        lines += [f"  {s}:", "    timeout: 100ms", "    retry: standard", "    operations:",
                  "      get:", "        input: { id: string }", "        output: Item",
                  "      put:", "        input: { id: string, value: int }", "        output: Item", "        access: write",
                  "        idempotencyKey: id"]
    lines += ["", "workflows:"]
    for w in range(workflows):
        deadline = "900ms" if changed and w % 10 == 0 else "1s"
        lines += [f"  flow{w}:", f"    input: Request{w}", f"    output: Result{w}", f"    deadline: {deadline}", "    steps:",
                  "      first:", "        call: alpha.get", "        with: { id: $input.id }",
                  "      left:", "        call: beta.get", "        with: { id: $first.id }",
                  "      right:", "        call: gamma.get", "        with: { id: $first.id }", "        optional: true",
                  "      extra:", "        call: delta.get", "        with: { id: $input.id }",
                  "        fallback: { call: alpha.get, with: { id: $input.id } }",
                  "      store:", "        call: delta.put", "        with: { id: $left.id, value: $left.value }",
                  "    result:", "      id: $store.id", "      total: $store.value", "      extra: $extra.value"]
    return "\n".join(lines) + "\n"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baton", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    rows = []
    work = tempfile.mkdtemp(prefix="baton-generator-bench-")
    try:
        per = {}
        for n in [10, 100, 1000]:
            folder = os.path.join(work, f"w{n}")
            os.makedirs(folder)
            path = os.path.join(folder, "synthetic.baton.yaml")
            with open(path, "w") as f:
                f.write(spec(n))
            lint = timed([args.baton, "lint", path], repeat)
            generate = timed([args.baton, "generate", path, "--output", os.path.join(folder, "out"), "--tests-output",
                              os.path.join(folder, "tests"), "--module", "Synthetic"], 1)
            # Timed again into a fresh folder each time, so every run writes every file.
            gens = []
            for i in range(repeat):
                gens.append(timed([args.baton, "generate", path, "--output", os.path.join(folder, f"out{i}"), "--tests-output",
                                   os.path.join(folder, f"tests{i}"), "--module", "Synthetic"], 1))
            generate = statistics.median(gens)
            per[n] = (lint, generate)
        both = per[1000][0] + per[1000][1]
        rows.append({"suite": "8 generator", "name": "baton lint + baton generate, 1,000 workflows", "value": both * 1000, "unit": "ms",
                     "target": "< 1 s", "met": both < 1.0, "detail": "two processes, release build"})
        # `baton diff` of two versions of the 1,000-workflow spec (issue 16: under a second).
        old, new = os.path.join(work, "diff-old"), os.path.join(work, "diff-new")
        for folder, changed in [(old, False), (new, True)]:
            os.makedirs(folder)
            with open(os.path.join(folder, "synthetic.baton.yaml"), "w") as f:
                f.write(spec(1000, changed))
        # Without --fail-on none, the breaking changes (input field types) would exit 1.
        diff = timed([args.baton, "diff", old, new, "--fail-on", "none"], repeat)
        rows.append({"suite": "8 generator", "name": "baton diff, two 1,000-workflow specs", "value": diff * 1000, "unit": "ms",
                     "target": "< 1 s", "met": diff < 1.0, "detail": "100 deadline changes, 10 field type changes; load, check, compare"})
        for kind, index in [("lint", 0), ("generate", 1)]:
            base = per[10][index] / 10
            for n in [10, 100, 1000]:
                total = per[n][index]
                per_workflow = total / n * 1000
                rows.append({"suite": "8 generator", "name": f"baton {kind}, {n} workflows", "value": total * 1000, "unit": "ms",
                             "ratio": (total / n) / (per[100][index] / 100) if n != 100 else 1.0,
                             "baseline": "per workflow at 100",
                             "detail": f"{per_workflow:.2f} ms per workflow"})
            growth = (per[1000][index] / per[100][index])
            rows.append({"suite": "8 generator", "name": f"baton {kind}: time(1000) ÷ time(100)", "value": growth, "unit": "×",
                         "target": "≈ 10 (linear)", "met": growth <= 13})
        # Compile time of the generated code (types, services, orchestrator) against the release
        # BatonRuntime, unoptimised as in a debug build.
        compile = {}
        for n in [10, 50]:
            folder = os.path.join(work, f"c{n}")
            os.makedirs(folder)
            path = os.path.join(folder, "synthetic.baton.yaml")
            with open(path, "w") as f:
                f.write(spec(n))
            subprocess.run([args.baton, "generate", path, "--output", os.path.join(folder, "out"), "--module", "Synthetic"], check=True,
                           capture_output=True)
            sources = swift_files(os.path.join(folder, "out"))
            command = compile_command(sources, "Synthetic", args.modules, os.path.join(folder, "synthetic.o"))
            compile[n] = timed(command, 1 if args.quick else 2)
            rows.append({"suite": "8 generator", "name": f"compile generated code, {n} workflows", "value": compile[n] * 1000, "unit": "ms",
                         "detail": f"{compile[n] / n * 1000:.0f} ms per workflow"})
        marginal = (compile[50] - compile[10]) / 40
        rows.append({"suite": "8 generator", "name": "compile time per extra workflow (10 → 50)", "value": marginal * 1000, "unit": "ms"})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "generator.json"), "w") as f:
        json.dump(rows, f, indent=2)
    for row in rows:
        print(f"[{row['suite']}] {row['name']}: {row['value']:.2f} {row['unit']}", flush=True, file=__import__('sys').stderr)

main()
