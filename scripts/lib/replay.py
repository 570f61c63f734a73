"""Turns the statements PostgreSQL logged for one request (log_statement = all) into a pgbench
script that replays exactly that SQL: the reference for an HTTP benchmark is then the same
statements, in the same transactions, without the server in between.

Reads the log segment on stdin, writes the script on stdout. Parameters are put in as
literals; an INSERT's first parameter, when it is a UUID (the new row's id), becomes
gen_random_uuid() so that the replay can run many times."""
import re
import sys

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] ")
UUID = re.compile(r"^'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$")

records = []
for line in sys.stdin.read().splitlines():
    if PREFIX.match(line):
        records.append(PREFIX.sub("", line))
    elif records:
        records[-1] += "\n" + line

out = []
pending = None
for r in records:
    if r.startswith("LOG:  statement: "):
        out.append(r[len("LOG:  statement: "):])
    elif r.startswith("LOG:  execute "):
        pending = r.split(": ", 2)[2]
        out.append(pending)
    elif r.startswith("DETAIL:  parameters: ") and pending is not None:
        params = dict(re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", r))
        sql = pending
        for n in sorted(params, key=int, reverse=True):
            value = params[n]
            if n == "1" and sql.lstrip().upper().startswith("INSERT") and UUID.match(value):
                value = "gen_random_uuid()"
            sql = re.sub(r"\$" + n + r"(?!\d)", lambda _: value, sql)
        out[-1] = sql
        pending = None
# The request's own statements: from its first BEGIN, without the psql session that switched
# statement logging on and off.
out = [s for s in out if "ALTER SYSTEM" not in s and "pg_reload_conf" not in s]
first = next((i for i, s in enumerate(out) if s.strip().upper().startswith("BEGIN")), 0)
for sql in out[first:]:
    print(sql.strip().rstrip(";") + ";")
