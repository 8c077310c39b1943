#!/usr/bin/env python3
"""Turns one librdkafka test-runner log into result lines for run.sh.

usage: summarize.py NUMBER SETTING EXIT_STATUS LOG   (SETTING: node count and scenario, e.g. "3 noautocreate")
prints: number<TAB>name<TAB>result<TAB>seconds<TAB>reason<TAB>setting, one line per entry of the runner's summary
(PASSED, FAILED, N/A for a test the runner skipped, TIMEOUT when `timeout` ended it, CRASHED without a summary).
"""
import re
import sys

number, setting, status, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = open(path, encoding="utf-8", errors="replace").read().splitlines()

# "| 0103_transactions                        |     PASSED |  12.345s | reason"
summary = re.compile(r"^\|\s*(\d{4}\S*)\s*\|\s*([A-Z]+)\s*\|\s*([\d.]+)s\s*\|\s*(.*)$")
# "### Test "0103_transactions (do_test_basic)" failed at 0103-transactions.c:123:main_0103() at ...: ###"
failure = re.compile(r'^### Test "(.*)" failed at (\S+) at .*?: ###$')


def first_failure():
    """The first failing assertion: its location and the message line that follows it."""
    for i, line in enumerate(lines):
        match = failure.match(line)
        if match:
            message = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return f"{match.group(2)}: {message}"
    return ""


def clean(text):
    return " ".join(text.replace("\t", " ").split())[:300]


entries = [m.groups() for m in map(summary.match, lines) if m]
# `-L` filters the local (mock cluster) tests that share a number with a broker test; the runner also filters the
# tests librdkafka marks as known issues, which then are the number's only entry.
filtered = [e for e in entries if "negative test flags" in e[3]]
if len(filtered) < len(entries):
    entries = [e for e in entries if e not in filtered]
else:
    entries = [(name, state, seconds, "librdkafka marks it a known issue: its runner skips it")
               for name, state, seconds, _ in filtered]

for name, state, seconds, reason in entries:
    if state == "SKIPPED" and not reason:  # another scenario's test (the runner skips those silently)
        continue
    result = {"PASSED": "PASSED", "FAILED": "FAILED", "SKIPPED": "N/A"}.get(state, "TIMEOUT" if state == "RUNNING" else state)
    if result in ("FAILED", "TIMEOUT"):
        reason = first_failure() or reason
        if "KAFKA_PATH" in reason:  # it runs Kafka's own scripts (kafka-topics.sh, kafka-acls.sh), not here
            result, reason = "N/A", f"needs Kafka's command-line tools: {reason}"
    print("\t".join([number, name, result, seconds, clean(reason), setting]))

if not entries:
    result = "TIMEOUT" if status in (124, 137) else "CRASHED"
    tail = first_failure() or (lines[-1] if lines else "no output")
    print("\t".join([number, number, result, "-", clean(f"exit {status}: {tail}"), setting]))
