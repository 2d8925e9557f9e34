"""What suites 8 and 11 (generator-bench.py, openapi-comparison.py) share: timing a command and
compiling generated Swift the same way."""
import os, statistics, subprocess, time

def timed(command, repeat, cwd=None):
    """The median wall time of `repeat` runs of `command`; exits with its output if it fails."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return statistics.median(times)

def swift_files(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".swift"))

def compile_command(sources, module, modules, output):
    """`swiftc` of generated code as a debug build compiles it (unoptimised, whole module), against
    the release modules in `modules`."""
    return ["swiftc", "-parse-as-library", "-module-name", module, "-swift-version", "6", "-Onone", "-wmo",
            "-I", modules, "-c", *sources, "-o", output]
