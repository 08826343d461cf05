"""deadlined under systemd's notification protocol, without systemd: the test binds the datagram
socket itself, passes it as NOTIFY_SOCKET (and WATCHDOG_USEC) as systemd would, and reads what
the daemon says: READY once both listeners accept, WATCHDOG pings at the interval and none while
the event loop is held busy ([test] stall_file), RELOADING/READY around a reload, STOPPING on
SIGTERM. Usage: /usr/bin/python3 notify_test.py BUILD_DIR"""

import os
import signal
import socket
import sys
import time
import unittest

from harness import Daemon, calendar_toml, wait_for
from notify_socket import NotifySocket

BUILD_DIR = None
WATCHDOG_USEC = 400_000  # pings expected every 0.2 s


class Notify(unittest.TestCase):
    def test_ready_watchdog_reload_and_stopping(self):
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]))
        self.addCleanup(d.close)
        # [test] stall_file goes beside clock_offset_file in the harness's [test] table.
        with open(d.config) as f:
            config = f.read()
        with open(d.config, "w") as f:
            f.write(config.replace('clock_offset_file = "clock-offset"\n',
                                   'clock_offset_file = "clock-offset"\nstall_file = "stall"\n'))
        listener = NotifySocket(os.path.join(d.dir, "notify.sock"))
        self.addCleanup(listener.close)
        d.start(env={"NOTIFY_SOCKET": os.path.join(d.dir, "notify.sock"), "WATCHDOG_USEC": str(WATCHDOG_USEC)})

        # READY=1 with a STATUS, and by then both listeners accept.
        ready = wait_for(lambda: [m for _, m in listener.snapshot() if m.get("READY") == "1"], 10, "READY=1")
        self.assertIn("serving", ready[0]["STATUS"])
        for port in (d.port, d.admin_port):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()

        # Pings about every 0.2 s.
        time.sleep(1.2)
        pings = listener.times_of("WATCHDOG")
        self.assertGreaterEqual(len(pings), 4, pings)
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), 0.5, gaps)

        # The loop held busy for 1.5 s: no ping meanwhile; then they resume.
        with open(os.path.join(d.dir, "stall"), "w") as f:
            f.write("1.5")
        wait_for(lambda: not os.path.exists(os.path.join(d.dir, "stall")), 5, "the stall to start")
        started = time.monotonic()
        time.sleep(2.2)
        during = [t for t in listener.times_of("WATCHDOG") if started + 0.2 < t < started + 1.3]
        self.assertEqual(during, [], "pings while the loop was held")
        self.assertTrue([t for t in listener.times_of("WATCHDOG") if t > started + 1.5], "no pings after the stall")

        # A reload: RELOADING=1 with MONOTONIC_USEC, then READY=1 again.
        before = len(listener.snapshot())
        d.signal(signal.SIGHUP)
        wait_for(lambda: [m for _, m in listener.snapshot()[before:] if m.get("READY") == "1"], 10, "READY after reload")
        reloading = [m for _, m in listener.snapshot()[before:] if m.get("RELOADING") == "1"]
        self.assertEqual(len(reloading), 1)
        self.assertGreater(int(reloading[0]["MONOTONIC_USEC"]), 0)
        order = [k for _, m in listener.snapshot()[before:] for k in m if k in ("RELOADING", "READY")]
        self.assertEqual(order, ["RELOADING", "READY"])

        # SIGTERM: STOPPING=1, exit 0.
        self.assertEqual(d.stop(), 0)
        self.assertTrue([m for _, m in listener.snapshot() if m.get("STOPPING") == "1"], "no STOPPING=1")

    def test_without_notify_socket_nothing_changes(self):
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]))
        self.addCleanup(d.close)
        d.start(env={"NOTIFY_SOCKET": "", "WATCHDOG_USEC": ""})
        self.assertEqual(d.get("/healthz")[0], 200)
        self.assertNotIn("watchdog", d.log())
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    BUILD_DIR = sys.argv[1]
    unittest.main(argv=sys.argv[:1], verbosity=2)
