#!/usr/bin/python3
"""A throwaway PostgreSQL 15 server for one CTest run: `start DIR` before the `pg` tests (CTest
FIXTURES_SETUP), `stop DIR` after them (FIXTURES_CLEANUP).

No TCP port: the server listens only on a Unix socket in DIR, so parallel runs on one machine
never meet. initdb and postgres refuse to run as root, so as root the directory is given to
Debian's `postgres` user and the programs run through `runuser -u postgres`; as any other user
they run as that user. fsync is off: the tests check behaviour, not durability against power
loss, and a crash of the test server loses nothing that matters.

The tests find the server through DIR/uri (a libpq connection URI to the `postgres` database as
superuser `deadlined`); each test creates and drops its own database on it.

Usage: /usr/bin/python3 pg_server.py start|stop DIR
"""

import os
import shutil
import subprocess
import sys
import tempfile


def of_a_test_of_its_own(name):
    """For a test that stops and starts its server (so not the `pg` fixture's, which the other
    tests share): a directory name for it, not made yet (start() makes it, owned by the server's
    user), and the integration harness told to keep its daemons' data there. Call it before
    importing harness or test_database: they read DEADLINED_TEST_BACKEND and DEADLINED_PG_DIR
    when imported."""
    directory = tempfile.mkdtemp(prefix=f"deadlined-pg-{name}-")
    os.rmdir(directory)
    os.environ["DEADLINED_TEST_BACKEND"] = "postgresql"
    os.environ["DEADLINED_PG_DIR"] = directory
    return directory


def bindir():
    return subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()


def as_server_user(command):
    return ["runuser", "-u", "postgres", "--"] + command if os.geteuid() == 0 else command


def run(command, what):
    done = subprocess.run(as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pg_server: {what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")


def stop(directory):
    data = os.path.join(directory, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(as_server_user([os.path.join(bindir(), "pg_ctl"), "-D", data, "-m", "immediate", "-w",
                                       "stop"]), capture_output=True)
    shutil.rmtree(directory, ignore_errors=True)


def start(directory):
    stop(directory)  # a previous run that died before its cleanup
    os.makedirs(directory, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = os.path.join(directory, "data")
    run([os.path.join(bindir(), "initdb"), "-D", data, "-U", "deadlined", "--auth=trust", "--no-sync",
         "-E", "UTF8", "--locale=C.UTF-8"], "initdb")
    resume(directory)
    with open(os.path.join(directory, "uri"), "w") as f:
        f.write(f"postgresql:///postgres?host={directory}&user=deadlined")
    print(f"PostgreSQL 15 on {directory} (socket only)")


def resume(directory):
    """Starts the server of an initialised DIR (again, after halt)."""
    settings = (f"-k {directory} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200")
    run([os.path.join(bindir(), "pg_ctl"), "-D", os.path.join(directory, "data"), "-l",
         os.path.join(directory, "server.log"), "-w", "-o", settings, "start"], "pg_ctl start")


def halt(directory):
    """Stops the server, keeping its data: every session ends, as in a restart or a failover
    (tests/reliability/pg_outage_test.py). resume() starts it again."""
    run([os.path.join(bindir(), "pg_ctl"), "-D", os.path.join(directory, "data"), "-m", "fast", "-w", "stop"],
        "pg_ctl stop")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: pg_server.py start|stop DIR")
    (start if sys.argv[1] == "start" else stop)(os.path.abspath(sys.argv[2]))
