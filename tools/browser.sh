#!/usr/bin/env bash
# The page's browser tests (tests/web) drive Debian's Chromium through Playwright (which never
# downloads a browser of its own). Installs it when missing and this user may (root with
# apt-get); otherwise says why those tests will be skipped. Idempotent and quick once installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "browser: installing Debian's chromium for the page's tests (once)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { echo "browser: apt-get install chromium failed; the page's browser tests will be skipped" >&2; exit 0; }
else
  echo "browser: no chromium and no root apt-get to install it; the page's browser tests will be skipped (install chromium)" >&2
fi
