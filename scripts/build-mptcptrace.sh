#!/bin/sh
# scripts/build-mptcptrace.sh SRC.tar.gz DEST: builds mptcptrace (UCLouvain's upstream snapshot,
# GPL-2; for side-by-side speed comparisons in `npm run bench` only, never part of mptrace) and
# copies the binary to DEST. Installs the Debian packages it needs when they are missing (root).
set -e
SRC=$1
DEST=$2
need=""
for p in libpcap-dev autoconf automake libtool check pkg-config make gcc; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
  echo "build-mptcptrace: installing$need"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
WORK="$DEST.build"
rm -rf "$WORK" && mkdir -p "$WORK" && tar xzf "$SRC" -C "$WORK"
cd "$WORK/mptcptrace"
./autogen.sh >build.log 2>&1 && ./configure >>build.log 2>&1 && make -j"$(nproc)" >>build.log 2>&1 || { tail -20 build.log; exit 1; }
cp src/mptcptrace "$DEST"
echo "build-mptcptrace: built $DEST"
