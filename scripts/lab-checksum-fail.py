#!/usr/bin/env python3
"""Captures a real DSS checksum failure (fixtures/lab/checksum-fail.*).

Runs ../shared/tools/mptcp-lab.py's "checksum" scenario (DSS checksums on,
upload) with two more router rules: path-2 SYNs are dropped (one subflow
only, so the connection can fall back), and one byte of one client data
segment is rewritten (nftables @ih payload set), as a content-rewriting
middlebox would. Needs root; installs what mptcp-lab.py needs (Debian
packages) when it is missing.

  sudo scripts/lab-checksum-fail.py OUTDIR NAME BYTES
"""
import sys

from labtool import load_lab

lab = load_lab()
orig_up = lab.Lab.up


def up(self):
    orig_up(self)
    self.ns(self.r, "nft add rule inet lab pass ip saddr 10.2.1.1 tcp flags syn drop")
    self.ns(self.r, "nft add rule inet lab pass ip saddr 10.1.1.1 tcp dport 5201 meta length gt 1000 "
                    "numgen inc mod 1000 == 70 @ih,800,8 set 0x42")
    self.event("router rewrites one payload byte of the 71st large client segment; path-2 SYNs dropped")


lab.Lab.up = up
sys.argv = ["mptcp-lab.py", "checksum", "-o", sys.argv[1], "--name", sys.argv[2], "--bytes", sys.argv[3], "--snaplen", "2000"]
lab.main()
