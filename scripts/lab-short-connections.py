#!/usr/bin/env python3
"""Captures many short real MPTCP connections, as a busy server sees them.

Runs ../shared/tools/mptcp-lab.py's "many" scenario (two subflows each,
100 Mbit paths) with COUNT connections of BYTES each instead of 20 of
2 MB: the client opens one every 10 ms, each asks for BYTES, reads them,
and closes (DATA_FIN and FIN both ways), so a few are open at once and
hundreds close in a row. It checks how the analysis finishes connections
that are over while it reads (docs/robustness.md) on what Linux really
sends around a close: joins racing the close, the last ACKs, resets.
Needs root; installs what mptcp-lab.py needs (Debian packages) when it is
missing.

  sudo scripts/lab-short-connections.py OUTDIR NAME COUNT BYTES
"""
import sys

from labtool import LAB, load_lab

if len(sys.argv) != 5:
    raise SystemExit(__doc__)
outdir, name, count, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
# The scenario's connection count is a literal in mptcp-lab.py: the one line that sets it, with COUNT.
LINE = 'down, nconn = nbytes or 2_000_000, 20'


def with_count(source):
    if source.count(LINE) != 1:
        raise SystemExit(f"{LAB}: the 'many' scenario no longer reads `{LINE}`: update this script")
    return source.replace(LINE, f'down, nconn = nbytes or 2_000_000, {count}')


lab = load_lab(with_count)
sys.argv = ["mptcp-lab.py", "many", "-o", outdir, "--name", name, "--bytes", str(nbytes)]
lab.main()
