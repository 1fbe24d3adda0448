#!/usr/bin/env bash
# Debian packages the portal needs. Installs the missing ones when run as root; otherwise says
# which are missing and goes on (the portal still starts; PDFs or browser tests may not work).
#   scripts/system-packages.sh run    # serving the portal
#   scripts/system-packages.sh test   # plus the browser and PDF tools the tests use, and axe-core
#                                     # (package.json, pinned in package-lock.json) with `npm ci`
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}
packages=(python3-venv gettext fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0)
if [ "$purpose" = test ]; then
  packages+=(chromium poppler-utils)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { echo "Not a Debian system: install ${packages[*]} yourself."; return 0; }
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages (ask an administrator): sudo apt-get install ${missing[*]}"
    return 0
  fi
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The accessibility tests inject node_modules/axe-core into the pages (tests/browser/test_accessibility.py).
node_modules() {
  [ -f node_modules/axe-core/axe.min.js ] && return 0
  command -v npm >/dev/null 2>&1 || { echo "npm is missing: the accessibility tests will not run."; return 0; }
  npm ci --no-audit --no-fund --ignore-scripts
}

debian_packages
if [ "$purpose" = test ]; then
  node_modules
fi
