"""What the project's lab scripts share: the Debian packages that
../shared/tools/mptcp-lab.py runs, installed when missing, and the lab
tool itself, loaded as a module (its source edited first, if asked) so
that a script can change a scenario before running it."""
import importlib.util
import os
import shutil
import subprocess

# What mptcp-lab.py runs, and the Debian package that brings it.
NEEDED = {"ip": "iproute2", "nft": "nftables", "iptables": "iptables", "tcpdump": "tcpdump", "ethtool": "ethtool", "mergecap": "wireshark-common"}
LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tools", "mptcp-lab.py")


def ensure_packages():
    missing = sorted({pkg for cmd, pkg in NEEDED.items() if shutil.which(cmd) is None})
    if missing:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)


def load_lab(edit=lambda source: source):
    """mptcp-lab.py as a module, its source passed through `edit` first."""
    ensure_packages()
    spec = importlib.util.spec_from_loader("mptcplab", loader=None)
    lab = importlib.util.module_from_spec(spec)
    lab.__file__ = LAB
    with open(LAB) as f:
        exec(compile(edit(f.read()), LAB, "exec"), lab.__dict__)
    return lab
