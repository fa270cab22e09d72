#!/usr/bin/env python3
"""Counts individual test cases in meson's junit logs and prints one line:
'N passed, N failed' (', N skipped' when any were skipped). Meson's own
summary counts test programs; this counts what the programs ran.
Exits 1 when a case failed."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        suite_failed = 0
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                suite_failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
        # A program that crashed, timed out or bailed out may have no
        # failing case of its own: the suite's counts still say so.
        reported = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        failed += max(suite_failed, reported)

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
