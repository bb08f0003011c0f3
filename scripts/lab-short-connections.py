#!/usr/bin/env python3
"""Captures many short real MPTCP connections, as a busy server sees them.

Runs ../shared/tools/mptcp-lab.py's "many" scenario (two subflows each,
100 Mbit paths) with COUNT connections of BYTES each instead of 20 of
2 MB: the client opens one every 10 ms, each asks for BYTES, reads them,
and closes (DATA_FIN and FIN both ways), so a few are open at once and
hundreds close in a row. It checks how the analysis finishes connections
that are over while it reads (docs/robustness.md) on what Linux really
sends around a close: joins racing the close, the last ACKs, resets.
With LOSS, LOSS % of the packets on path 1 are dropped both ways: a last
ACK lost past a capture point has the peer send its FIN again, after the
connection looked over there. Needs root; installs what mptcp-lab.py needs
(Debian packages) when it is missing.

  sudo scripts/lab-short-connections.py OUTDIR NAME COUNT BYTES [LOSS]
"""
import sys

from labtool import LAB, load_lab

if len(sys.argv) not in (5, 6):
    raise SystemExit(__doc__)
outdir, name, count, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
loss = float(sys.argv[5]) if len(sys.argv) == 6 else 0.0
# The scenario's connection count and rates are literals in mptcp-lab.py: the lines that set them, with COUNT and LOSS.
LINE = 'down, nconn = nbytes or 2_000_000, 20'
RATES = 'lab.rate(1, 100); lab.rate(2, 100)'


def with_count(source):
    for line in (LINE, RATES):
        if source.count(line) != 1:
            raise SystemExit(f"{LAB}: the 'many' scenario no longer reads `{line}`: update this script")
    source = source.replace(LINE, f'down, nconn = nbytes or 2_000_000, {count}')
    return source.replace(RATES, RATES + (f'; lab.loss(1, {loss})' if loss > 0 else ''))


lab = load_lab(with_count)
sys.argv = ["mptcp-lab.py", "many", "-o", outdir, "--name", name, "--bytes", str(nbytes)]
lab.main()
