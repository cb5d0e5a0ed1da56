"""Benchmark: the backup roles' dump step against the plain dump tools, on a generated database.

Per engine (a private server of tests/mariadb/start.sh resp. tests/postgresql/start.sh), four tools:

    plain        mariadb: `mariadb-dump --single-transaction --all-databases | gzip`
                 postgresql: `pg_dump -Fc` of every database (the runs summed)
    role dump    the role's own dump script, run as the role runs it, with the role's defaults, without Ansible:
                 mariadb: roles/mysql_backup/files/backup_run.sh (copied with mysql_lib.sh into a private 0700
                 directory); postgresql: roles/backup_run_dir/files/new_run.sh, then pg_backup.sh globals, then
                 database for each database
    role dump + check    the same with the restore check on (mysql_backup_verify_restore,
                 postgresql_backup_verify_restore); the restore check alone = this minus the role dump, paired
    role playbook        the whole role through ansible-playbook (local connection, defaults, retention 1); the
                 fixed Ansible overhead per run = this minus the role dump, paired

The database: three databases of three tables each (numbers; text; a blob-ish column of half random, half
repeating bytes), made on the server (INSERT ... SELECT over a row sequence, in chunks: nothing is held in memory).
It is first made at the smallest of --sizes, where every tool runs once (peak RSS at that size), then grown to
--size for the rounds, then to any larger --sizes. Sizes are the generated data (the rows' bytes), the same for both
engines; each server's own size on disk is printed.

Fairness as in object_copy.py: an untimed warm-up per tool, --rounds rounds with the tools rotated, each run started
on a quiet machine (or after --quiet-wait, counted as noisy), ratios paired within a round (median, min-max), peak RSS
and CPU of each tool's child processes from wait4().

    python benchmarks/backup.py [--size 1GiB] [--sizes 256MiB,1GiB] [--rounds 3] [--engines mariadb,postgresql]
    python benchmarks/backup.py --quick          (8 MiB; sizes 4MiB,8MiB; 1 round)

`bash scripts/benchmark.sh backup [options]` installs the servers if needed, sets up the toolchain and the working
tree as opencloud.images, and runs it.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from object_copy import MIB, measured as measured_here, median, parse_size, rotated, show_size, wait_quiet

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ROLES = os.path.join(REPO, "roles")
DATABASES = ("bench_1", "bench_2", "bench_3")
# Bytes per row of each table as generated, and each table's share of the data.
TABLES = {"numbers": (48, 0.2), "texts": (400, 0.3), "blobs": (2048, 0.5)}
CHUNK_ROWS = 20000
# The columns of each table's rows: (MariaDB, over seq of a seq_FIRST_to_LAST table; PostgreSQL, over i of
# generate_series); text of hex digests and repeated words, blobs of 256 random-looking bytes then 1792 repeating.
GENERATED = {
    "numbers": ("seq, seq % 1000003, seq * 7919, seq / 7.0, (seq % 100000) / 100, "
                "'2026-01-01' + INTERVAL (seq % 31536000) SECOND",
                "i, i % 1000003, i * 7919, i / 7.0, (i % 100000) / 100.0, "
                "timestamp '2026-01-01' + (i % 31536000) * interval '1 second'"),
    "texts": ("seq, CONCAT('title ', seq), CONCAT_WS(' ', MD5(seq), MD5(seq + 1), MD5(seq + 2), MD5(seq + 3), "
              "MD5(seq + 4), MD5(seq + 5), REPEAT('lorem ipsum dolor sit amet ', 7))",
              "i, 'title ' || i, concat_ws(' ', md5(i::text), md5((i + 1)::text), md5((i + 2)::text), "
              "md5((i + 3)::text), md5((i + 4)::text), md5((i + 5)::text), repeat('lorem ipsum dolor sit amet ', 7))"),
    "blobs": ("seq, CONCAT(UNHEX(SHA2(seq, 512)), UNHEX(SHA2(seq + 1, 512)), UNHEX(SHA2(seq + 2, 512)), "
              "UNHEX(SHA2(seq + 3, 512)), REPEAT(UNHEX(SHA2(seq + 4, 512)), 28))",
              "i, sha512(int8send(i)) || sha512(int8send(i + 1)) || sha512(int8send(i + 2)) || "
              "sha512(int8send(i + 3)) || decode(repeat(encode(sha512(int8send(i + 4)), 'hex'), 28), 'hex')"),
}
TOOLS = ("plain", "role dump", "role dump + check", "role playbook")


def run(command, **kwargs):
    """A set-up or check command (not measured); its output, or exit with it."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise SystemExit("%s exited %d: %s" % (" ".join(command[:3]), done.returncode, (done.stderr or done.stdout)[-2000:]))
    return done.stdout


def measured(command, log, env=None):
    """(seconds, peak RSS in bytes, CPU seconds) of one command, as object_copy.measured, but with the peak RSS that
    GNU time reads from wait4() for a child it forked: a child forked by this Python process starts with the
    Python's resident pages (Linux carries a process's high-water RSS across execve), a floor of ~30 MiB that
    would hide the dump programs' own few MiB."""
    report = os.path.join(os.path.dirname(log), "time.out")
    seconds, _rss, cpu = measured_here(["/usr/bin/time", "-f", "%M", "-o", report] + command, log, env)
    with open(report) as handle:
        return seconds, int(handle.read().split()[-1]) * 1024, cpu  # KiB


def rows_for(size):
    """{table: rows} of one database for a total of ``size`` bytes over all databases."""
    per_db = size / len(DATABASES)
    return {table: int(per_db * share / row_bytes) for table, (row_bytes, share) in TABLES.items()}


class Engine:
    """A private server, its generated data, and the four tools; subclasses know the engine."""

    name = ""
    start_script = ""

    def __init__(self, work):
        self.work = os.path.join(work, self.name)
        self.run_dir = os.path.join(self.work, "server")
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs)
        self.rows = {table: 0 for table in TABLES}
        self.server = None

    def start(self):
        started = time.perf_counter()
        run(["bash", os.path.join(REPO, "tests", self.name, "start.sh"), self.run_dir])
        with open(os.path.join(self.run_dir, self.name + ".json")) as spec:
            self.server = json.load(spec)
        print("%s %s started in %.1fs" % (self.name, self.server["version"], time.perf_counter() - started))
        self.setup()

    def stop(self):
        if self.server:
            subprocess.run(["bash", os.path.join(REPO, "tests", self.name, "stop.sh"), self.run_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    def grow_to(self, size):
        """Add rows until every database holds its share of ``size``, ``CHUNK_ROWS`` rows per statement."""
        started = time.perf_counter()
        for table, target in rows_for(size).items():
            for first in range(self.rows[table] + 1, target + 1, CHUNK_ROWS):
                last = min(target, first + CHUNK_ROWS - 1)
                for database in DATABASES:
                    self.insert(database, table, first, last)
            self.rows[table] = max(self.rows[table], target)
        print("%s: %s generated in %.1fs (%.0f MiB on the server)" % (
            self.name, show_size(size), time.perf_counter() - started, self.server_bytes() / MIB))

    def tool(self, tool, log):
        """Run one tool once: [(seconds, peak RSS, CPU seconds)] of its processes, and the bytes it wrote."""
        out = os.path.join(self.work, "out")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        runs = {"plain": self.plain, "role dump": lambda o, l: self.role_dump(o, l, verify=False),
                "role dump + check": lambda o, l: self.role_dump(o, l, verify=True),
                "role playbook": self.role_playbook}[tool](out, log)
        written = sum(os.path.getsize(os.path.join(d, f)) for d, _s, files in os.walk(out) for f in files)
        shutil.rmtree(out, ignore_errors=True)
        return runs, written

    def private_dir(self):
        """A fresh 0700 directory, as the roles make theirs."""
        return tempfile.mkdtemp(prefix="private.", dir=self.work)

    def role_playbook(self, out, log):
        playbook = os.path.join(self.work, "playbook.yml")
        with open(playbook, "w") as handle:
            json.dump([{"hosts": "localhost", "gather_facts": False, "roles": [
                {"role": "opencloud.images.%s_backup" % self.role, "vars": self.role_vars(out)}]}], handle)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCAL_TEMP=os.path.join(self.work, "ansible-tmp"),
                   ANSIBLE_REMOTE_TEMP=os.path.join(self.work, "ansible-tmp"))
        return [measured(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
                          "ansible_python_interpreter=" + sys.executable, playbook], log, env)]


class MariaDB(Engine):
    name, role = "mariadb", "mysql"

    def setup(self):
        self.cnf = os.path.join(self.work, "client.cnf")
        with open(self.cnf, "w") as handle:  # what the role's client.cnf.j2 writes for a socket login
            handle.write('[client]\nsocket="%s"\ndefault-character-set=utf8mb4\n' % self.server["socket"])
        self.sql("".join("CREATE DATABASE %s CHARACTER SET utf8mb4;" % d for d in DATABASES) + "".join(
            "CREATE TABLE %s.numbers (id BIGINT PRIMARY KEY, a INT, b BIGINT, c DOUBLE, d DECIMAL(12,2), t DATETIME);"
            "CREATE TABLE %s.texts (id BIGINT PRIMARY KEY, title VARCHAR(64), body TEXT);"
            "CREATE TABLE %s.blobs (id BIGINT PRIMARY KEY, data BLOB);" % (d, d, d) for d in DATABASES))

    def sql(self, text):
        return run(["mariadb", "--defaults-file=" + self.cnf, "-N", "-B"], input=text)

    def insert(self, database, table, first, last):
        select = GENERATED[table][0]
        self.sql("INSERT INTO %s.%s SELECT %s FROM %s.seq_%d_to_%d" % (database, table, select, database, first, last))

    def server_bytes(self):
        return int(self.sql("SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA LIKE 'bench\\_%'"))

    def plain(self, out, log):
        command = "set -o pipefail; mariadb-dump --defaults-file=%s --single-transaction --all-databases | gzip >%s" % (
            self.cnf, os.path.join(out, "all.sql.gz"))
        return [measured(["bash", "-c", command], log)]

    def role_dump(self, out, log, verify):
        private = self.private_dir()
        for script in ("backup_run.sh", "mysql_lib.sh"):
            shutil.copy(os.path.join(ROLES, "mysql_backup", "files", script), private)
        shutil.copy(self.cnf, os.path.join(private, "client.cnf"))
        env = dict(os.environ, MB_DUMP=shutil.which("mariadb-dump"), MB_CLIENT=shutil.which("mariadb"),
                   MB_DEFAULTS=os.path.join(private, "client.cnf"), MB_RUN=out, MB_COMPRESS="gzip", MB_EXT=".sql.gz",
                   MB_DBS="\n".join(base64.b64encode(d.encode()).decode() for d in DATABASES), MB_EXTRA_ARGS="",
                   MB_CHECKSUMS="1", MB_LOCK="0", MB_LOCK_WAIT="60", MB_VERIFY_RESTORE="1" if verify else "0",
                   MB_RESTORE_LOG_BIN="0")
        result = measured(["bash", os.path.join(private, "backup_run.sh")], log, env)
        shutil.rmtree(private)
        with open(log) as handle:
            if verify and "verified restore" not in handle.read()[-200000:]:
                raise SystemExit("backup_run.sh did not say 'verified restore'; see " + log)
        return [result]

    def role_vars(self, out):
        return {"mysql_backup_dir": out, "mysql_backup_login_unix_socket": self.server["socket"],
                "mysql_backup_keep": 1, "mysql_backup_tmp_dir": self.work}


class PostgreSQL(Engine):
    name, role = "postgresql", "postgresql"

    def setup(self):
        self.bin = self.server["bin_dir"]
        self.env = dict(os.environ, PGHOST=self.server["socket_dir"], PGPORT=str(self.server["port"]),
                        PGUSER=self.server["socket_user"], PGDATABASE="postgres")
        for database in DATABASES:
            self.sql("CREATE DATABASE %s" % database)
            self.sql("CREATE TABLE numbers (id bigint PRIMARY KEY, a int, b bigint, c double precision, d numeric(12,2),"
                     " t timestamp); CREATE TABLE texts (id bigint PRIMARY KEY, title varchar(64), body text);"
                     " CREATE TABLE blobs (id bigint PRIMARY KEY, data bytea)", database)

    def sql(self, text, database="postgres"):
        return run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database,
                    "-c", text], env=self.env)

    def insert(self, database, table, first, last):
        select = GENERATED[table][1]
        self.sql("INSERT INTO %s SELECT %s FROM generate_series(%d::bigint, %d::bigint) AS i" % (table, select, first, last), database)

    def server_bytes(self):
        return int(self.sql("SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname LIKE 'bench\\_%'"))

    def plain(self, out, log):
        return [measured([os.path.join(self.bin, "pg_dump"), "-Fc", "-f", os.path.join(out, d + ".dump"), d], log, self.env)
                for d in DATABASES]

    def role_dump(self, out, log, verify):
        """backup_run_dir's new_run.sh, then pg_backup.sh globals, database per database: dump.yml's steps with the
        role's defaults."""
        script = os.path.join(ROLES, "postgresql_backup", "files", "pg_backup.sh")
        private = self.private_dir()
        env = dict(self.env, BR_DIR=out, PB_BIN=self.bin, PB_PRIVATE=private, PB_ROLE_PASSWORDS="1")
        runs = [measured(["bash", os.path.join(ROLES, "backup_run_dir", "files", "new_run.sh")], log, env)]
        with open(log) as handle:
            env["PB_RUN"] = os.path.join(out, ".%s.partial" % handle.read().split()[-1])
        runs.append(measured(["bash", script, "globals"], log, env))
        for database in DATABASES:
            env.update(PB_DB=database, PB_FILE=database + ".dump", PB_FORMAT="custom", PB_JOBS="1",
                       PB_LOCK_WAIT_TIMEOUT="5min", PB_EXTRA_ARGS="", PB_CHECKSUMS="1",
                       PB_VERIFY_RESTORE="1" if verify else "0",
                       PB_CHECKSUM_SQL=os.path.join(ROLES, "postgresql_backup", "files", "table_checksums.sql"))
            runs.append(measured(["bash", script, "database"], log, env))
        shutil.rmtree(private)
        with open(log) as handle:
            if verify and '"restore_verified": true' not in handle.read()[-200000:]:
                raise SystemExit("pg_backup.sh did not say restore_verified true; see " + log)
        return runs

    def role_vars(self, out):
        return {"postgresql_backup_dir": out, "postgresql_backup_login_host": self.server["socket_dir"],
                "postgresql_backup_login_port": self.server["port"], "postgresql_backup_login_user": "postgres",
                "postgresql_backup_bin_dir": self.bin, "postgresql_backup_keep": 1,
                "postgresql_backup_tmp_dir": self.work}


ENGINES = {"mariadb": MariaDB, "postgresql": PostgreSQL}


def once(engine, tool):
    """One run of a tool: (seconds, peak RSS, CPU seconds, bytes written); a tool of several processes counts them all."""
    runs, written = engine.tool(tool, os.path.join(engine.logs, tool.replace(" ", "-").replace("+", "and") + ".log"))
    return sum(r[0] for r in runs), max(r[1] for r in runs), sum(r[2] for r in runs), written


def paired(runs, base):
    ratios = [a / b for a, b in zip(runs, base)]
    return "%.2fx (%.2f-%.2f)" % (median(ratios), min(ratios), max(ratios))


def rounds(engine, args):
    """An untimed warm-up per tool, then --rounds rounds in rotated order; {tool: [(s, rss, cpu, bytes)]}, noisy starts."""
    for tool in TOOLS:
        once(engine, tool)
    results, noisy = {tool: [] for tool in TOOLS}, 0
    for index in range(args.rounds):
        order = rotated(list(TOOLS), index)
        for tool in order:
            noisy += not wait_quiet(args)[1]
            results[tool].append(once(engine, tool))
        print("  round %d (%s): %s" % (index + 1, ", ".join(order),
                                       ", ".join("%s %.1fs" % (tool, results[tool][-1][0]) for tool in TOOLS)))
    return results, noisy


def print_table(engine, results, size, noisy, args):
    seconds = {tool: [run[0] for run in runs] for tool, runs in results.items()}
    check = [c - d for c, d in zip(seconds["role dump + check"], seconds["role dump"])]
    overhead = [p - d for p, d in zip(seconds["role playbook"], seconds["role dump"])]
    print("\n%s, %s generated; %d rounds after a warm-up, tools rotated; %d of %d runs started on a busy machine"
          " (load %s)" % (engine.name, show_size(size), args.rounds, noisy, args.rounds * len(TOOLS), load()))
    print("%-20s %8s %8s %24s %13s %8s %10s" % ("tool", "seconds", "MiB/s", "time / plain, paired", "peak RSS MiB",
                                                "CPU s", "out MiB"))
    for tool, runs in results.items():
        print("%-20s %8.1f %8.1f %24s %13.1f %8.1f %10.1f" % (
            tool, median(seconds[tool]), size / MIB / median(seconds[tool]),
            paired(seconds[tool], seconds["plain"]) if tool != "plain" else "-", max(r[1] for r in runs) / MIB,
            median(r[2] for r in runs), median(r[3] for r in runs) / MIB))
    print("%-20s %8.1f %8s %24s   (= role dump + check - role dump; / role dump: %s)" % (
        "restore check", median(check), "", paired(check, seconds["plain"]), paired(check, seconds["role dump"])))
    print("%-20s %8.1f %8s %24s   (= role playbook - role dump: Ansible, manifest, sha256 files, retention)" % (
        "role overhead", median(overhead), "", "-"))


def print_sizes(engine, by_size):
    print("\n%s: peak RSS MiB (seconds) by size, one run each" % engine.name)
    print("%-10s " % "size" + " ".join("%22s" % tool for tool in TOOLS))
    for size, runs in by_size:
        print("%-10s " % show_size(size) + " ".join("%22s" % ("%.1f (%.1fs)" % (runs[t][1] / MIB, runs[t][0])) for t in TOOLS))


def load():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def benchmark(engine, args):
    engine.start()
    by_size, results = [], None
    for size in sorted(set(args.sizes + [args.size])):
        engine.grow_to(size)
        if size == args.size:
            results, noisy = rounds(engine, args)
            by_size.append((size, {tool: max(runs, key=lambda r: r[1]) for tool, runs in results.items()}))
        elif size in args.sizes:
            runs = {tool: once(engine, tool) for tool in TOOLS}
            by_size.append((size, runs))
            print("  %s: %s" % (show_size(size), ", ".join(
                "%s %.1fs %.1f MiB" % (tool, run[0], run[1] / MIB) for tool, run in runs.items())))
    print_table(engine, results, args.size, noisy, args)
    print_sizes(engine, by_size)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("1GiB"), help="the data of the rounds (1GiB)")
    ap.add_argument("--sizes", type=lambda text: [parse_size(s) for s in text.split(",")], default=None,
                    help="the sizes of the peak RSS table (256MiB,1GiB)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds, each tool once per round, order rotated (3)")
    ap.add_argument("--engines", type=lambda text: text.split(","), default=list(ENGINES), help="mariadb,postgresql")
    ap.add_argument("--quiet-cpus", type=float, default=0.25, help="a run starts once fewer CPUs are busy for 2 s (0.25)")
    ap.add_argument("--quiet-wait", type=float, default=60, help="the longest wait for a quiet machine, seconds (60)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 8MiB, sizes 4MiB,8MiB, 1 round")
    args = ap.parse_args()
    unknown = sorted(set(args.engines) - set(ENGINES))
    if unknown:
        ap.error("unknown engines: %s (known: %s)" % (", ".join(unknown), ", ".join(ENGINES)))
    if args.quick:
        args.size, args.rounds, args.sizes = parse_size("8MiB"), 1, args.sizes or [parse_size("4MiB"), parse_size("8MiB")]
    args.sizes = args.sizes or [parse_size("256MiB"), parse_size("1GiB")]
    print("machine: %d CPUs, %.1f GiB memory, load %s" % (
        os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3, load()))
    work = tempfile.mkdtemp(prefix="backup-bench.")
    try:
        for name in args.engines:
            engine = ENGINES[name](work)
            try:
                benchmark(engine, args)
            finally:
                engine.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
