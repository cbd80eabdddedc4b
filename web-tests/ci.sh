#!/usr/bin/env bash
# CI: the browser tests. Installs Debian's Chromium and a Chinese font when they
# are missing (never a downloaded browser), installs the locked npm packages
# and runs every test. Screenshots: ../artifacts/screenshots (keep as artefact).
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need_apt+=(chromium)
fc-list :lang=zh family 2>/dev/null | grep -q . || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

npm ci --no-audit --no-fund
npm test
