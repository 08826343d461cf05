#!/usr/bin/python3
"""Every doctest case must become a CTest test that runs it. doctest_discover_tests turns each
case name into a CTest name and a --test-case filter; a ';' in a name is a CMake list separator,
so the name splits into two CTest tests whose filters match no case, and both "pass" having run
nothing (26 cases went unrun that way until 2026-12-05). This fails on any such name.

Usage: /usr/bin/python3 doctest_names_check.py TEST_BINARY...
"""

import subprocess
import sys

bad = []
total = 0
for binary in sys.argv[1:]:
    listed = subprocess.run([binary, "--list-test-cases", "--no-version"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    names = [n for n in listed if n and not n.startswith("[doctest]") and not n.startswith("=====")]
    total += len(names)
    bad += [f"{binary}: {n}" for n in names if ";" in n]
if total == 0:
    sys.exit("no test cases listed: the check would prove nothing")
if bad:
    sys.exit("test case names with ';' (CTest would run nothing for them; use ',' instead):\n  " + "\n  ".join(bad))
print(f"{total} test case names, none with ';'")
