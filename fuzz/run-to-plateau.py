#!/usr/bin/env python3
"""Runs one fuzz target until its coverage reaches a plateau, and says so with numbers.

    cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -s none
    python3 run-to-plateau.py TARGET [--max MINUTES] [--flat MINUTES] [--min MINUTES]
    python3 run-to-plateau.py --report logs/TARGET.log   # cov gained in the last 5 and 10 min

Runs the built binary (fuzz/target/<triple>/release/TARGET) on fuzz/corpus/TARGET with the
dictionary fuzz/dict/TARGET.dict, under `nice -n 19`, and watches libFuzzer's status lines.
Plateau: `cov` (edges) has not grown for --flat minutes (default 5) after at least --min
minutes (default 5); the run also stops at --max minutes (default 20) or on a crash. Every
status line is written, time-stamped, to fuzz/logs/TARGET.log (not committed), and a summary
line to stdout: executions, exec/s, cov and ft at the start and end, time and executions since
cov last grew, and whether that is a plateau. Exit status 0 plateau, 1 crash, 2 no plateau.
A crash input is saved under fuzz/artifacts/TARGET/; the IaC targets also write the input being
run to /dev/shm/iamdl-fuzz-TARGET (IAMDL_FUZZ_SAVE) since a stack overflow kills the process
before libFuzzer can save it.
"""
import argparse
import glob
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+)(?:.*?exec/s: (\d+))?")


def tail_growth(points, end, minutes):
    """cov and executions gained in the last `minutes` of a run: points are (t, execs, cov)."""
    t0 = end - minutes * 60
    before = [p for p in points if p[0] <= t0]
    if not before:
        return None
    b, e = before[-1], points[-1]
    return e[2] - b[2], (e[2] - b[2]) / max(b[2], 1) * 100, e[1] - b[1]


def report(log_path):
    """The tail-growth figures of a time-stamped log written by a run."""
    points = []
    for line in open(log_path, errors="replace"):
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        try:
            t = float(parts[0])
        except ValueError:
            continue
        m = STATUS.match(parts[1])
        if m:
            points.append((t, int(m[1]), int(m[3])))
    if not points:
        return "no status lines"
    out = []
    for minutes in (5, 10):
        g = tail_growth(points, points[-1][0], minutes)
        if g:
            out.append(f"last {minutes} min: cov +{g[0]} (+{g[1]:.2f} %) in {g[2]:,} executions")
    return "; ".join(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        print(report(sys.argv[2]))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("--max", type=float, default=20.0, help="minutes at most")
    ap.add_argument("--flat", type=float, default=5.0, help="minutes without new cov")
    ap.add_argument("--min", type=float, default=5.0, help="minutes at least")
    ap.add_argument("--timeout", type=int, default=20, help="seconds per input (a hang)")
    args = ap.parse_args()
    t = args.target
    bins = glob.glob(os.path.join(HERE, "target", "*", "release", t))
    if not bins:
        sys.exit(f"{t}: not built (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -s none {t})")
    corpus = os.path.join(HERE, "corpus", t)
    artifacts = os.path.join(HERE, "artifacts", t) + "/"
    os.makedirs(artifacts, exist_ok=True)
    os.makedirs(os.path.join(HERE, "logs"), exist_ok=True)
    cmd = ["nice", "-n", "19", bins[0], corpus, f"-artifact_prefix={artifacts}",
           f"-max_total_time={int(args.max * 60)}", f"-timeout={args.timeout}",
           "-print_final_stats=1"]
    d = os.path.join(HERE, "dict", f"{t}.dict")
    if os.path.exists(d):
        cmd.append(f"-dict={d}")
    env = dict(os.environ)
    if t.startswith("iac_"):
        env["IAMDL_FUZZ_SAVE"] = f"/dev/shm/iamdl-fuzz-{t}"
    log = open(os.path.join(HERE, "logs", f"{t}.log"), "w")
    log.write(" ".join(cmd) + "\n")
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env,
                         text=True, errors="replace", start_new_session=True)
    start = time.time()
    first = None  # (execs, cov, ft) at the end of the initial corpus load
    last = None  # (time, execs, cov, ft, exec/s)
    grew = None  # (time, execs) when cov last grew
    ft_grew = None  # time when ft last grew
    crashed = []
    stopped = ""
    for line in p.stderr:
        now = time.time()
        log.write(f"{now - start:8.1f} {line}")
        log.flush()
        if "==ERROR" in line or "deadly signal" in line or "Test unit written" in line \
                or "panicked at" in line or "ALARM: working on the last Unit" in line:
            crashed.append(line.strip())
        m = STATUS.match(line)
        if not m:
            continue
        execs, kind, cov, ft = int(m[1]), m[2], int(m[3]), int(m[4])
        eps = int(m[5] or 0)
        if kind in ("INITED",):
            first = (execs, cov, ft)
            grew = (now, execs)
        if kind == "INITED":
            ft_grew = now
        if last is not None and cov > last[2] and kind != "INITED":
            grew = (now, execs)
        if last is not None and ft > last[3] and kind != "INITED":
            ft_grew = now
        last = (now, execs, cov, ft, eps)
        if first is not None and grew is not None:
            flat = now - grew[0]
            if now - start >= args.min * 60 and flat >= args.flat * 60:
                stopped = "plateau"
                os.killpg(p.pid, signal.SIGINT)
                break
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    for line in p.stderr or []:
        log.write(f"{time.time() - start:8.1f} {line}")
    end = time.time()
    if last is None or first is None:
        print(f"{t}: no status lines (exit {p.returncode}); see fuzz/logs/{t}.log")
        return 2
    since = end - grew[0]
    verdict = "PLATEAU" if stopped == "plateau" else ("CRASH" if crashed or p.returncode not in (0, -2, 130) else "NO PLATEAU")
    print(f"{t}: {verdict}: {last[1]:,} executions in {end - start:.0f} s ({last[4]}/s); "
          f"cov {first[1]} -> {last[2]}, ft {first[2]} -> {last[3]}; "
          f"cov last grew {since:.0f} s ago ({last[1] - grew[1]:,} executions ago), "
          f"ft {end - ft_grew:.0f} s ago; "
          f"exit {p.returncode}")
    log.close()
    print(f"  {report(os.path.join(HERE, 'logs', f'{t}.log'))}")
    for c in crashed[:5]:
        print(f"  {c}")
    return 0 if verdict == "PLATEAU" else (1 if verdict == "CRASH" else 2)


if __name__ == "__main__":
    sys.exit(main())
