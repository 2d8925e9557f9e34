#!/usr/bin/env python3
"""Suite 11: Baton against swift-openapi-generator on the same OpenAPI document (issue 18 item 4).

The document is synthetic-openapi.py's (500 operations, 500 schemas by default). Baton imports
every operation into one service (scripts/openapi-all-spec) and `baton generate` writes its
types, service protocol and HTTP client; `swift-openapi-generator generate --mode types --mode
client` writes its types and client. Both are release builds; each command is timed RUNS times
(median). Then each output is compiled in debug (`swiftc -Onone -wmo`, the same flags) against
the release modules of the libraries it imports (BatonRuntime and BatonHTTP; OpenAPIRuntime and
HTTPTypes), and the compile time is divided by the number of operations.

Usage: openapi-comparison.py --baton B --openapi-generator G --modules DIR --out DIR [--operations N] [--quick]"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile
from benchtools import compile_command, swift_files, timed

here = os.path.dirname(os.path.abspath(__file__))

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baton", required=True)
    parser.add_argument("--openapi-generator", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--operations", type=int, default=500)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    n = args.operations
    work = tempfile.mkdtemp(prefix="baton-openapi-comparison-")
    try:
        document = os.path.join(work, "openapi.yaml")
        subprocess.run([sys.executable, os.path.join(here, "synthetic-openapi.py"), "--operations", str(n), document], check=True)
        spec = os.path.join(work, "synthetic.baton.yaml")
        with open(spec, "w") as f:
            subprocess.run([os.path.join(here, "..", "scripts", "openapi-all-spec"), "openapi.yaml", "health"], stdout=f, check=True, cwd=work)

        baton_out, generator_out = os.path.join(work, "baton"), os.path.join(work, "openapi-generator")
        def baton_generate():
            shutil.rmtree(baton_out, ignore_errors=True)
            return timed([args.baton, "generate", spec, "--output", baton_out, "--module", "Synthetic"], 1)
        def generator_generate():
            shutil.rmtree(generator_out, ignore_errors=True)
            os.makedirs(generator_out)
            # Public, like Baton's output.
            return timed([args.openapi_generator, "generate", document, "--mode", "types", "--mode", "client",
                          "--access-modifier", "public", "--output-directory", generator_out], 1)
        # Alternated, so that a drift in the machine's speed hits both alike.
        baton_times, generator_times = [], []
        for _ in range(repeat):
            baton_times.append(baton_generate())
            generator_times.append(generator_generate())
        baton_time, generator_time = statistics.median(baton_times), statistics.median(generator_times)

        def compile_time(sources, module):
            command = compile_command(sources, module, args.modules, os.path.join(work, module + ".o"))
            return timed(command, 1 if args.quick else 2)
        baton_sources = swift_files(baton_out)
        generator_sources = swift_files(generator_out)
        baton_compile = compile_time(baton_sources, "Synthetic")
        generator_compile = compile_time(generator_sources, "SyntheticOpenAPI")
        def lines(files):
            total = 0
            for name in files:
                with open(name) as handle:
                    total += sum(1 for _ in handle)
            return total

        suite = "11 vs swift-openapi-generator"
        detail = f"{n} operations, {n} schemas"
        rows = [
            {"suite": suite, "name": "swift-openapi-generator generate (types, client)", "value": generator_time * 1000, "unit": "ms",
             "detail": f"{detail}; {lines(generator_sources):,} lines"},
            {"suite": suite, "name": "baton generate (types, services, HTTP client)", "value": baton_time * 1000, "unit": "ms",
             "ratio": generator_time / baton_time, "baseline": "swift-openapi-generator (speed-up)",
             "target": "≥ 4× faster", "met": generator_time / baton_time >= 4,
             "detail": f"{detail}; {lines(baton_sources):,} lines"},
            {"suite": suite, "name": "compile swift-openapi-generator's output, per operation", "value": generator_compile / n * 1000, "unit": "ms",
             "detail": f"swiftc -Onone -wmo: {generator_compile:.1f} s"},
            {"suite": suite, "name": "compile baton's output, per operation", "value": baton_compile / n * 1000, "unit": "ms",
             "ratio": generator_compile / baton_compile, "baseline": "swift-openapi-generator (speed-up)",
             "target": "≥ 2× faster", "met": generator_compile / baton_compile >= 2,
             "detail": f"swiftc -Onone -wmo: {baton_compile:.1f} s"},
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "openapi-comparison.json"), "w") as f:
        json.dump(rows, f, indent=2, ensure_ascii=False)
    for row in rows:
        print(f"[{row['suite']}] {row['name']}: {row['value']:.2f} {row['unit']}", file=sys.stderr, flush=True)

main()
