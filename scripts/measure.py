#!/usr/bin/env python3
"""Measures the release binary against the budgets in design.md, from outside the process:
the program runs in a pseudo-terminal against `atlas-restore sim`, and this script reads what
it writes, its /proc entries, and the simulator's counters.

    python3 scripts/measure.py            # the full run: a minute of idle each way
    python3 scripts/measure.py --quick    # 10 s windows, for a quick look

Needs only Python 3's standard library, curl (the baseline of the 2 GiB download), about
4.5 GB free in the temporary folder (or MEASURE_TMP), and the project's `cargo build
--release` (run first).
Prints one table: figure, budget, measured.
"""

import argparse, json, os, pty, select, signal, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "atlas-restore")
TICKS = os.sysconf("SC_CLK_TCK")


def build():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


class Sim:
    """`atlas-restore sim` on a free loopback port; its first line says where."""

    def __init__(self, speed, fault=None, extra=()):
        extra = (["--fault", fault] if fault else []) + list(extra)
        self.proc = subprocess.Popen([BIN, "sim", "--listen", "127.0.0.1:0", "--speed", str(speed)] + extra,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = json.loads(self.proc.stdout.readline())
        self.base = self.info["base_url"]
        pw = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        pw.add_password(None, self.base, self.info["public_key"], self.info["private_key"])
        self.opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(pw))

    def api(self, path, body=None):
        url = f"{self.base}/api/atlas/v1.0/groups/{self.info['group_id']}{path}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        with self.opener.open(req) as r:
            return json.load(r)

    def counters(self):
        with urllib.request.urlopen(f"{self.base}/_sim/counters") as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Dashboard:
    """The release binary in a pseudo-terminal of 80x24; every byte it writes is counted."""

    def __init__(self, config, data_home, cols=80, rows=24):
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update({"TERM": "xterm-256color", "XDG_DATA_HOME": data_home, "COLUMNS": str(cols), "LINES": str(rows)})
            os.execv(BIN, [BIN, "--config", config])
        self.pid, self.fd = pid, fd
        import fcntl, struct, termios
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.out = bytearray()

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    return

    def wait_for(self, text, timeout=30):
        end = time.monotonic() + timeout
        while text.encode() not in self.out:
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {text!r}")
            self.pump(0.005)
        return time.monotonic() - self.started

    def cpu_seconds(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def peak_rss_kib(self):
        for line in open(f"/proc/{self.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def quit(self):
        os.write(self.fd, b"\x11")
        self.pump(0.5)
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)


def write_config(dir_, sim, poll="10s"):
    path = os.path.join(dir_, "config.toml")
    i = sim.info
    with open(path, "w") as f:
        f.write(f'[profiles.m]\nbase_url = "{i["base_url"]}"\npublic_key = "{i["public_key"]}"\n'
                f'private_key = "{i["private_key"]}"\ngroup_id = "{i["group_id"]}"\ncluster_name = "Cluster0"\n'
                f'poll_interval = "{poll}"\n')
    os.chmod(path, 0o600)
    return path


def fresh_import(data_home, journal):
    """Writes `journal` as the profile's 0.1.0 journal in a data folder without a store, so
    that the next start imports it (the store is made anew each time)."""
    d = os.path.join(data_home, "atlas-restore")
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("store.sqlite3") or name.startswith("jobs-m.json"):
            os.remove(os.path.join(d, name))
    path = os.path.join(d, "jobs-m.json")
    with open(path, "w") as f:
        json.dump(journal, f)
    os.chmod(path, 0o600)


def track(sim, data_home, count):
    """Makes `count` restore jobs on Cluster0 and has the profile track them (a 0.1.0
    journal of them, imported by the next start); returns the first job's id."""
    snaps = sim.api("/clusters/Cluster0/snapshots?completed=true")["results"]
    submits = []
    for n in range(count):
        body = {"snapshotId": snaps[0]["id"], "delivery": {"methodName": "HTTP"}}
        jobs = sim.api("/clusters/Cluster0/restoreJobs", body)["results"]
        submits.append({"key": f"m-{n}", "group_id": sim.info["group_id"], "cluster": "Cluster0",
                        "submitted_at_ms": int(time.time() * 1000), "request": body, "state": "CREATED", "jobs": jobs})
    fresh_import(data_home, {"version": 1, "submits": submits})
    return submits[0]["jobs"][0]["id"]


def history_cost(rows):
    """The history's cost: 20 finished jobs in the store against 20,000 (a year of weekly
    restores and drills of a few dozen clusters): the dashboard's start to the form and its
    peak memory, one `submit`, `jobs`. Each store is imported once first (not timed)."""
    figures = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("MEASURE_TMP")) as tmp:
        sim = Sim(speed=1)
        try:
            config = write_config(tmp, sim)
            snap = sim.api("/clusters/Cluster0/snapshots?completed=true")["results"][0]["id"]
            month_ago = int(time.time() * 1000) - 30 * 86_400_000
            for count in (20, 20_000):
                data = os.path.join(tmp, f"data-{count}")
                submits = []
                for n in range(count):
                    made = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(month_ago / 1000 + n))
                    job = {"id": f"{0x6a000000 + n:08x}{n:016x}", "clusterName": "Cluster0", "groupId": sim.info["group_id"],
                           "created": made, "statusName": "FINISHED", "snapshotId": snap,
                           "delivery": {"methodName": "HTTP", "statusName": "EXPIRED", "expirationHours": 1, "maxDownloads": 1,
                                        "expires": made},
                           "hashes": [{"typeName": "SHA1", "fileName": "Cluster0.tar.gz", "hash": "0" * 40}]}
                    submits.append({"key": f"h-{n}", "group_id": sim.info["group_id"], "cluster": "Cluster0",
                                    "submitted_at_ms": month_ago + n * 1000, "state": "CREATED",
                                    "request": {"snapshotId": snap, "delivery": {"methodName": "HTTP"}}, "jobs": [job]})
                fresh_import(data, {"version": 1, "submits": submits})
                env = dict(os.environ, XDG_DATA_HOME=data, XDG_STATE_HOME=os.path.join(tmp, "state"))
                # The import, once: what every later start finds.
                subprocess.run([BIN, "--config", config, "jobs"], env=env, stdout=subprocess.DEVNULL, check=True)
                starts, peaks = [], []
                for _ in range(3):
                    d = Dashboard(config, data)
                    starts.append(d.wait_for("snapshotId") * 1000)
                    d.pump(2)
                    peaks.append(d.peak_rss_kib() / 1024)
                    d.quit()
                body = os.path.join(tmp, "body.json")
                with open(body, "w") as f:
                    json.dump({"snapshotId": snap, "delivery": {"methodName": "HTTP"}}, f)
                t0 = time.monotonic()
                subprocess.run([BIN, "--config", config, "submit", body, "--allow-repeat", "--format", "json"],
                               env=env, stdout=subprocess.DEVNULL, check=True)
                submit_ms = (time.monotonic() - t0) * 1000
                t0 = time.monotonic()
                subprocess.run([BIN, "--config", config, "jobs", "--format", "json"], env=env, stdout=subprocess.DEVNULL)
                jobs_ms = (time.monotonic() - t0) * 1000
                t0 = time.monotonic()
                out = subprocess.run([BIN, "--config", config, "history", "--format", "json"], env=env,
                                     stdout=subprocess.PIPE, check=True).stdout
                history_ms = (time.monotonic() - t0) * 1000
                assert len(json.loads(out)) >= count, "history lists every job"
                figures[count] = (sorted(starts)[1], max(peaks), submit_ms, jobs_ms, history_ms)
        finally:
            sim.stop()
    (s20, m20, sub20, j20, h20), (s2k, m2k, sub2k, j2k, h2k) = figures[20], figures[20_000]
    rows.append(("dashboard start to the form, 20 vs 20,000 finished jobs", "within 2x", f"{s20:.0f} ms vs {s2k:.0f} ms"))
    rows.append(("dashboard peak memory, 20,000 finished jobs (20: {m20:.1f} MB)".format(m20=m20), "< 25 MB", f"{m2k:.1f} MB"))
    rows.append(("one submit, 20 vs 20,000 finished jobs", "within 2x", f"{sub20:.0f} ms vs {sub2k:.0f} ms"))
    rows.append(("`jobs --format json`, 20 vs 20,000 finished jobs", "", f"{j20:.0f} ms vs {j2k:.0f} ms"))
    rows.append(("`history --format json` of 20,000 finished jobs (20: {h20:.0f} ms)".format(h20=h20), "< 1 s", f"{h2k:.0f} ms"))


def download_2gib(rows, runs):
    """`atlas-restore download` of a 2 GiB archive from the simulator: the client's peak
    memory, and its time against curl's plain fetch of the same file (no hashing) followed by
    an fsync, since the download syncs its file before it is renamed (curl alone, unsynced,
    is shown too). Best of `runs` each, taken in turns."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("MEASURE_TMP")) as tmp:
        # A minute a second: READY at once, and the link lasts 48 minutes.
        sim = Sim(speed=60, extra=["--archive-size", "2GiB"])
        try:
            config, data = write_config(tmp, sim), os.path.join(tmp, "data")
            job_id = track(sim, data, 1)
            deadline = time.monotonic() + 30
            while True:
                job = sim.api(f"/clusters/Cluster0/restoreJobs/{job_id}")
                if job["delivery"]["statusName"] == "READY":
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("the 2 GiB job did not become READY")
                time.sleep(0.2)
            url = job["delivery"]["url"]
            # The simulator works out the archive's CRC and SHA1 once, at the first request
            # (a HEAD is no download): not the client's time.
            urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=600).close()
            env = dict(os.environ, XDG_DATA_HOME=data, XDG_STATE_HOME=os.path.join(tmp, "state"))
            ours, curl, curl_synced, peaks, size = [], [], [], [], 0
            for _ in range(runs):
                out = os.path.join(tmp, "curl.tar.gz")
                t0 = time.monotonic()
                subprocess.run(["curl", "-s", "-f", "-o", out, url], check=True)
                curl.append(time.monotonic() - t0)
                fd = os.open(out, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
                curl_synced.append(time.monotonic() - t0)
                os.remove(out)

                dl = os.path.join(tmp, "dl")
                proc = subprocess.Popen([BIN, "--config", config, "download", job_id, "--dir", dl, "--format", "json"],
                                        stdout=subprocess.PIPE, env=env)
                doc = json.loads(proc.stdout.read())
                _, status, usage = os.wait4(proc.pid, 0)
                part = doc["jobs"][0]
                if os.waitstatus_to_exitcode(status) != 0 or part["state"] != "verified":
                    raise SystemExit(f"the 2 GiB download was not verified: {doc}")
                ours.append(part["seconds"])
                peaks.append(usage.ru_maxrss / 1024)
                size = part["bytes"]
                for name in os.listdir(dl):
                    os.remove(os.path.join(dl, name))
        finally:
            sim.stop()
    best, plain, synced = min(ours), min(curl), min(curl_synced)
    rows.append((f"download of a {size / 2**30:.1f} GiB archive: peak resident memory", "< 40 MB", f"{max(peaks):.1f} MB"))
    rows.append(("the same: time, hashing as it goes, vs curl + fsync (no hash)", "< 10 % slower",
                 f"{best:.2f} s vs {synced:.2f} s ({(best / synced - 1) * 100:+.0f} %; curl unsynced {plain:.2f} s), best of {runs}"))


def idle(dash, window):
    """Bytes written and CPU used over `window` seconds with no input, after the screen settles."""
    dash.pump(1.5)
    before_bytes, before_cpu = len(dash.out), dash.cpu_seconds()
    dash.pump(window)
    return len(dash.out) - before_bytes, (dash.cpu_seconds() - before_cpu) / window * 100


def tracked_memory(rows, window):
    """The dashboard's peak memory with 1,000 tracked jobs, over several polls (every 10 s):
    the first poll is not the peak, as what each one frees stays in the allocator for the next."""
    with tempfile.TemporaryDirectory() as tmp:
        # A slow clock keeps the tracked jobs IN_PROGRESS, so that every cycle polls them.
        sim = Sim(speed=0.1)
        try:
            config = write_config(tmp, sim)
            data = os.path.join(tmp, "data")
            track(sim, data, 1000)
            d = Dashboard(config, data)
            d.wait_for("Restore jobs", timeout=60)
            d.pump(3)
            first = d.peak_rss_kib() / 1024
            held = max(window, 40)
            d.pump(held)
            rows.append((f"peak resident memory, 1,000 tracked jobs, {held + 3} s of polls", "< 20 MB",
                         f"{d.peak_rss_kib() / 1024:.1f} MB ({first:.1f} MB after the first poll)"))
            d.quit()
        finally:
            sim.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 s windows instead of 60 s")
    ap.add_argument("--only", choices=["history", "memory"],
                    help="only the history's cost (20 vs 20,000 finished jobs), or only the 1,000 tracked jobs' memory")
    args = ap.parse_args()
    window = 10 if args.quick else 60
    build()
    rows = [("release binary", "< 12 MB", f"{os.path.getsize(BIN) / 1e6:.1f} MB")]
    if args.only:
        (history_cost(rows) if args.only == "history" else tracked_memory(rows, window))
        print_table(rows)
        return

    with tempfile.TemporaryDirectory() as tmp:
        # A slow clock keeps the tracked jobs IN_PROGRESS, so that every cycle polls them.
        sim = Sim(speed=0.1)
        try:
            config = write_config(tmp, sim)
            data = os.path.join(tmp, "data")

            # Start to first frame, and a minute of idle without tracked jobs.
            starts = []
            for _ in range(5):
                d = Dashboard(config, data)
                starts.append(d.wait_for("snapshotId") * 1000)
                d.quit()
            rows.append(("start to first drawn form (median of 5)", "< 50 ms", f"{sorted(starts)[2]:.0f} ms"))
            d = Dashboard(config, data)
            d.wait_for("snapshotId")
            b, cpu = idle(d, window)
            rows.append((f"bytes to the terminal, {window} s idle, no tracked jobs", "0", f"{b}"))
            rows.append((f"CPU, {window} s idle, no tracked jobs", "< 0.5 %", f"{cpu:.2f} %"))
            d.quit()

            # 20 tracked jobs, polling every 10 s: bytes, CPU, requests per cycle.
            track(sim, data, 20)
            d = Dashboard(config, data)
            d.wait_for("IN_PROGRESS", timeout=60)
            d.pump(1.5)
            c0 = sim.counters()
            b, cpu = idle(d, window)
            c1 = sim.counters()
            cycles = max(1, round(window / 10))
            lists = (c1["restore_job_lists"] - c0["restore_job_lists"]) / cycles
            gets = (c1["restore_job_gets"] - c0["restore_job_gets"]) / cycles
            challenges = c1["challenges"] - c0["challenges"]
            rows.append((f"bytes to the terminal, {window} s, 20 tracked jobs polled every 10 s", "0 while idle", f"{b}"))
            rows.append((f"CPU, {window} s, 20 tracked jobs polled every 10 s", "< 0.5 %", f"{cpu:.2f} %"))
            rows.append(("requests per poll cycle, 20 tracked (1 cluster)", "list pages covering them", f"{lists:.1f} list + {gets:.1f} single GET"))
            rows.append(("Digest challenges while polling", "0 after the first", f"{challenges}"))
            d.quit()
        finally:
            sim.stop()

    tracked_memory(rows, window)
    history_cost(rows)
    download_2gib(rows, runs=2 if args.quick else 3)

    # Keys while every request hangs (the simulator answers after 5 s): a typed character's echo.
    with tempfile.TemporaryDirectory() as tmp:
        slow = Sim(speed=1, fault="slow=5s")
        try:
            d = Dashboard(write_config(tmp, slow), os.path.join(tmp, "data"))
            d.wait_for("snapshotId")
            d.pump(0.5)
            delays = []
            for ch in "abcdefghij":
                t0 = time.monotonic()
                os.write(d.fd, ch.encode())
                mark = len(d.out)
                while ch.encode() not in d.out[mark:]:
                    d.pump(0.001)
                    if time.monotonic() - t0 > 5:
                        break
                delays.append((time.monotonic() - t0) * 1000)
            d.quit()
            rows.append(("key to echo while requests hang (slow fault), worst of 10", "< 100 ms", f"{max(delays):.1f} ms"))
        finally:
            slow.stop()

    print_table(rows)


def print_table(rows):
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'budget':<26}  measured")
    for name, budget, got in rows:
        print(f"{name:<{width}}  {budget:<26}  {got}")


if __name__ == "__main__":
    main()
