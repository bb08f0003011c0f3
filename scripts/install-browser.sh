#!/usr/bin/env bash
# Installs Debian's chromium for the report.html browser test when it is
# missing and this machine allows it (root with apt-get); otherwise says so
# and that test skips.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (Debian) for the report.html browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed: the browser test will skip"
else
  echo "no chromium and no root apt-get: the report.html browser test will skip"
fi
exit 0
