"""What the operator drills (scripts/drill-*) share: building and running `sheba`, a throwaway
PostgreSQL, accounts, a write load that remembers each write it sent and each one the API
acknowledged, and the check of which of them survived, by asking the database itself.

Every drill works in a directory of its own under /tmp, talks only to 127.0.0.1, bounds its
load in time, and prints what was acknowledged and what survived; it exits non-zero when an
acknowledged write is missing (or a write that should be gone is there)."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
SHEBA = os.environ.get("SHEBA_BIN") or os.path.join(TARGET, "debug", "sheba")
PASSWORD = "a long drill passphrase"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def build():
    """Makes sure PostgreSQL's binaries are here and builds the sheba binary."""
    subprocess.run([os.path.join(ROOT, "scripts", "ensure-postgres")], check=True)
    if not os.environ.get("SHEBA_BIN"):
        subprocess.run(["cargo", "build", "-q", "--locked", "-p", "api", "--bin", "sheba"], cwd=ROOT, check=True)


def workdir(name):
    d = tempfile.mkdtemp(prefix=f"sheba-{name}-", dir="/tmp")
    os.chmod(d, 0o755)
    return d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def now():
    return datetime.now(timezone.utc)


def iso(t):
    return t.isoformat(timespec="microseconds")


def env_for(data_dir, extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SHEBA_JWT_SECRET")}
    env.update({"SHEBA_DATA_DIR": data_dir, "RUST_LOG": env.get("DRILL_LOG", "warn")})
    env.update(extra or {})
    return env


def sheba(args, env, stdin=None, check=True):
    r = subprocess.run([SHEBA, *args], env=env, input=stdin, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"sheba {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return r


def make_user(env, username, role, scope):
    sheba(["user", "create", "--username", username, "--password-stdin", "--role", role, "--scope", scope], env, PASSWORD)


class Server:
    """A `sheba serve` process; `env` as for `sheba`."""

    def __init__(self, env, log_path, extra=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        e = dict(env)
        e.update({"SHEBA_BIND": f"127.0.0.1:{self.port}"})
        e.update(extra or {})
        self.log_path = log_path
        self.proc = subprocess.Popen([SHEBA, "serve"], env=e, stdout=subprocess.DEVNULL, stderr=open(log_path, "a"))
        self.wait_ready()

    def wait_ready(self, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"sheba serve exited ({self.proc.returncode}):\n{open(self.log_path).read()}")
            if ready(self.base):
                return
            time.sleep(0.2)
        raise SystemExit(f"sheba serve was not ready in {timeout} s:\n{open(self.log_path).read()}")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def terminate(self):
        self.proc.terminate()
        return self.proc.wait(timeout=120)

    def panicked(self):
        return "panicked" in open(self.log_path).read()


def call(base, method, path, body=None, token=None, key=None, timeout=60, conn=None):
    """One request; returns (status, headers, JSON body). A connection failure is status 0."""
    host, port = base.removeprefix("http://").split(":")
    own = conn is None
    c = conn or http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if key:
        headers["Idempotency-Key"] = key
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed
    except (OSError, http.client.HTTPException) as e:
        if conn is not None:
            conn.close()
        return 0, {}, str(e)
    finally:
        if own:
            c.close()


def ready(base):
    return call(base, "GET", "/health/ready", timeout=5)[0] == 200


def token(base, username):
    st, _, body = call(base, "POST", "/api/v1/auth/token", {"grant_type": "password", "username": username, "password": PASSWORD})
    if st != 200:
        raise SystemExit(f"sign-in failed: {st} {body}")
    return body["access_token"]


class Load:
    """Writers recording people, each under its own Idempotency-Key, until stopped. For each
    write: when it was sent, when it was answered, its status, and the id when acknowledged
    (201). Any status but 201 and 503 (which must carry Retry-After) is a fault."""

    def __init__(self, bases, tok, writers=4, label="drill", pause=0.0):
        self.bases = bases if isinstance(bases, list) else [bases]
        self.token, self.label, self.pause = tok, label, pause
        self.lock = threading.Lock()
        self.writes = []  # (sent, answered, status, id)
        self.faults = []
        self.stopping = threading.Event()
        self.n = 0
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(writers)]
        for t in self.threads:
            t.start()

    def next_n(self):
        with self.lock:
            self.n += 1
            return self.n

    def run(self, i):
        base = self.bases[i % len(self.bases)]
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while not self.stopping.is_set():
            n = self.next_n()
            sent = now()
            st, headers, body = call(
                base, "POST", "/api/v1/persons", {"name_en": f"{self.label} {n}", "sex": "female", "age_years": 30},
                self.token, key=f"{self.label}-{n}", conn=conn)
            answered = now()
            pid = body["person"]["id"] if st == 201 else None
            with self.lock:
                self.writes.append((sent, answered, st, pid))
                if st == 503 and "retry-after" not in headers:
                    self.faults.append(f"503 without Retry-After: {body}")
                elif st not in (201, 503, 0):
                    self.faults.append(f"status {st}: {body}")
            if st != 201:
                time.sleep(0.05)
                if st == 0:
                    conn = http.client.HTTPConnection(host, int(port), timeout=60)
            elif self.pause:
                time.sleep(self.pause)

    def acked(self):
        with self.lock:
            return [w for w in self.writes if w[2] == 201]

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=120)

    def statuses(self):
        out = {}
        with self.lock:
            for w in self.writes:
                out[w[2]] = out.get(w[2], 0) + 1
        return dict(sorted(out.items()))


def embedded_url(data_dir, database="sheba"):
    lines = open(os.path.join(data_dir, "pg", "postmaster.pid")).read().splitlines()
    password = open(os.path.join(data_dir, "pg-superuser-password")).read().strip()
    return f"postgres://postgres:{password}@127.0.0.1:{lines[3].strip()}/{database}"


def postmaster_pid(data_dir):
    return int(open(os.path.join(data_dir, "pg", "postmaster.pid")).read().splitlines()[0])


def psql(url, sql):
    r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", url, "-f", "-"], input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"psql failed: {r.stderr}")
    return r.stdout.strip()


def present(url, ids):
    """Which of `ids` are in `persons`."""
    ids = [i for i in ids if i]
    if not ids:
        return set()
    values = ",".join(f"('{i}'::uuid)" for i in ids)
    out = psql(url, f"SELECT p.id FROM persons p JOIN (VALUES {values}) v(id) ON v.id = p.id;\n")
    return set(out.split()) if out else set()


def archive_now(url, timeout=120):
    """Closes the WAL segment being written and waits until the archive has it (what
    archive_timeout does within a minute by itself)."""
    seg = psql(url, "SELECT pg_walfile_name(pg_switch_wal());")
    deadline = time.time() + timeout
    while time.time() < deadline:
        last = psql(url, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;")
        if last >= seg:
            return seg
        time.sleep(0.2)
    raise SystemExit(f"segment {seg} was not archived in {timeout} s")


def wait_gone(pid, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise SystemExit(f"process {pid} did not exit")


def kill_disk(server, data_dir):
    """As when the machine's disk is lost: the server killed, its data directory deleted."""
    pid = postmaster_pid(data_dir)
    server.kill()
    wait_gone(pid)
    shutil.rmtree(data_dir)


def line(label, value):
    print(f"  {label:<50} {value}", flush=True)


def verdict(name, ok, why=""):
    print(f"{name}: {'ok' if ok else 'FAILED'}{(' - ' + why) if why else ''}", flush=True)
    if not ok:
        sys.exit(1)


class Throwaway:
    """A PostgreSQL cluster of its own for the drills that need servers independent of it
    (`pg_ctl`; trust authentication on 127.0.0.1 only)."""

    def __init__(self, d):
        self.dir = d
        self.bindir = sorted(
            (p for p in os.listdir("/usr/lib/postgresql") if p.isdigit()), key=int)[-1]
        self.bindir = f"/usr/lib/postgresql/{self.bindir}/bin"
        self.pg = os.path.join(d, "pg")
        self.run = os.path.join(d, "run")
        os.makedirs(self.pg)
        os.makedirs(self.run)
        if os.getuid() == 0:
            shutil.chown(self.pg, "postgres")
            shutil.chown(self.run, "postgres")
        self.as_pg(f"{self.bindir}/initdb -D {self.pg} -U postgres --auth=trust --no-locale -E UTF8 >/dev/null")
        self.port = free_port()
        self.start()
        psql(self.url("postgres"), "CREATE DATABASE sheba;")

    def as_pg(self, cmd):
        if os.getuid() == 0:
            subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd], check=True)
        else:
            subprocess.run(["sh", "-c", cmd], check=True)

    def start(self):
        self.as_pg(f"{self.bindir}/pg_ctl -D {self.pg} -o '-p {self.port} -k {self.run} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections=200 -c max_prepared_transactions=16' -l {self.run}/pg.log -w start >/dev/null")

    def stop(self):
        try:
            self.as_pg(f"{self.bindir}/pg_ctl -D {self.pg} -m fast -w stop >/dev/null")
        except subprocess.CalledProcessError:
            pass

    def url(self, database="sheba"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def cleanup(d):
    """Removes the drill's directory, unless DRILL_KEEP is set (to read its logs)."""
    if os.environ.get("DRILL_KEEP"):
        log(f"kept {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)
