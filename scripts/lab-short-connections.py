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
import importlib.util
import os
import shutil
import subprocess
import sys

# What mptcp-lab.py runs, and the Debian package that brings it.
NEEDED = {"ip": "iproute2", "nft": "nftables", "iptables": "iptables", "tcpdump": "tcpdump", "ethtool": "ethtool", "mergecap": "wireshark-common"}
missing = sorted({pkg for cmd, pkg in NEEDED.items() if shutil.which(cmd) is None})
if missing:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)

if len(sys.argv) != 5:
    raise SystemExit(__doc__)
outdir, name, count, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "shared", "tools", "mptcp-lab.py")
source = open(path).read()
# The scenario's connection count is a literal in mptcp-lab.py: the one line that sets it, with COUNT.
line = 'down, nconn = nbytes or 2_000_000, 20'
if source.count(line) != 1:
    raise SystemExit(f"{path}: the 'many' scenario no longer reads `{line}`: update this script")
spec = importlib.util.spec_from_loader("mptcplab", loader=None)
lab = importlib.util.module_from_spec(spec)
lab.__file__ = path
exec(compile(source.replace(line, f'down, nconn = nbytes or 2_000_000, {count}'), path, "exec"), lab.__dict__)
sys.argv = ["mptcp-lab.py", "many", "-o", outdir, "--name", name, "--bytes", str(nbytes)]
lab.main()
