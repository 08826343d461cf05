"""Several nodes on one PostgreSQL: the calendar is the database's (issue "Several daemons on one
PostgreSQL" §1; daemon/deadlined/calendar_authority.h). Two real daemons on one database of the
pg tests' server, sharing the link keys and the admin token:
- a node started with files that are not the released calendar records nothing, answers /healthz
  503 "out_of_step", refuses to stage by reload, and follows once its files are the released ones
  (written out of the database by `deadlinectl released-files`);
- a revision reloaded on one node is followed by the other, with no reload there.

Usage: calendar_authority_test.py BUILD_DIR  (DEADLINED_PG_DIR set; Debian's /usr/bin/python3)."""

import os
import shutil
import sys
import unittest
import urllib.error
import urllib.request
import json
from datetime import datetime, timedelta, timezone

from harness import Daemon, calendar_toml, wait_for

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"

NOW = datetime(2029, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
RELEASED = calendar_toml([("first", "2029-11-20T17:00", None)])
STALE = calendar_toml([("first", "2029-11-13T17:00", None)])
NEXT = calendar_toml([("first", "2029-11-27T17:00", None)])


def healthz(daemon):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{daemon.port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


class CalendarIsTheDatabases(unittest.TestCase):
    def setUp(self):
        self.a = Daemon(BUILD, calendars_text=RELEASED, backend="postgresql")
        self.a.set_clock(NOW)
        self.a.start()
        # Node b: its own directory and files, node a's database, link keys and admin token.
        self.b = Daemon(BUILD, calendars_text=STALE, backend="postgresql")
        with open(self.b.config) as f:
            config = f.read().replace(f'database = "{self.b.db}"', f'database = "{self.a.db}"')
        with open(self.b.config, "w") as f:
            f.write(config)
        os.makedirs(self.b.secrets_dir, exist_ok=True)
        shutil.copy(self.a.token_keys_file, self.b.token_keys_file)
        shutil.copy(self.a.admin_token_file, self.b.admin_token_file)
        self.b.set_clock(NOW)

    def tearDown(self):
        for d in (self.b, self.a):
            d.close()

    def revisions(self):
        return self.a.sql("SELECT count(*) FROM calendar_revisions")[0][0]

    def test_stale_files_never_roll_the_calendar_back_and_the_node_follows_once_they_match(self):
        released_revision = healthz(self.a)[1]["calendar_revision"]
        self.assertEqual(self.revisions(), 1)
        self.b.start()
        status, body = healthz(self.b)
        self.assertEqual(status, 503, body)
        self.assertEqual(body["calendar"], "out_of_step")
        self.assertEqual(body["calendar_authority"]["database_revision"], released_revision)
        self.assertIn("this node is out of step", self.b.log())
        self.assertEqual(self.revisions(), 1, "the stale files were recorded")
        self.assertEqual(healthz(self.a)[0], 200)

        # A reload on the node out of step cannot stage its files.
        refused = self.b.ctl("reload", "--wait")
        self.assertNotEqual(refused.returncode, 0, refused.stdout + refused.stderr)
        self.assertIn("does not run the database's calendar", refused.stdout + refused.stderr)
        self.assertEqual(self.revisions(), 1)

        # Its files become the released ones, written out of the database by `deadlinectl
        # released-files` (read only: beside the running nodes) and put in place: it follows, with
        # nothing recorded.
        exported = os.path.join(self.b.dir, "released")
        done = self.a.ctl("released-files", exported)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn(f"wrote 1 file(s) of the released calendar (revision #1, calendar {released_revision})",
                      done.stdout)
        self.assertEqual(os.listdir(exported), ["calendar.toml"])
        with open(os.path.join(exported, "calendar.toml")) as f:
            self.assertEqual(f.read(), RELEASED)
        again = self.a.ctl("released-files", exported)  # never mixed with calendars already there
        self.assertEqual(again.returncode, 1, again.stdout + again.stderr)
        self.assertIn("already holds calendar files (calendar.toml)", again.stderr)
        shutil.copy(os.path.join(exported, "calendar.toml"), os.path.join(self.b.calendars, "calendar.toml"))
        wait_for(lambda: healthz(self.b)[0] == 200, 20, "node b in step")
        self.assertEqual(healthz(self.b)[1]["calendar_revision"], released_revision)
        self.assertIn("following the database's calendar", self.b.log())
        self.assertIn("runs the database's calendar again", self.b.log())
        self.assertEqual(self.revisions(), 1)

    def test_a_revision_released_on_one_node_is_followed_by_the_other(self):
        self.b.write_calendar(RELEASED)
        self.b.start()
        self.assertEqual(healthz(self.b)[0], 200)
        # The new files go to both nodes first; one reload, on node a.
        self.a.write_calendar(NEXT)
        self.b.write_calendar(NEXT)
        done = self.a.ctl("reload", "--wait", "--reason", "延期通知")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        new_revision = healthz(self.a)[1]["calendar_revision"]
        wait_for(lambda: healthz(self.b)[1]["calendar_revision"] == new_revision, 20, "node b to follow")
        wait_for(lambda: healthz(self.b)[0] == 200, 20, "node b in step")
        self.assertEqual(self.revisions(), 2, "one revision, recorded once")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
