#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs every Debian package that building, running and testing jaego needs, and only
# what is missing. Runs `apt-get update` once, and only when something has to be installed.
# Safe to run again: a machine that has everything is left untouched.
set -eu

PKGS="build-essential cmake ninja-build pkg-config clang \
libsqlite3-dev sqlite3 libjansson-dev libutf8proc-dev libcmocka-dev \
libclang-rt-14-dev valgrind \
libzip-dev libexpat1-dev libxml2-dev libssl-dev libxlsxwriter-dev \
libmicrohttpd-dev libargon2-dev libcurl4-openssl-dev \
libpq-dev postgresql postgresql-client \
python3-xlwt python3-openpyxl python3-msoffcrypto-tool python3-xlrd \
chromium fonts-noto-cjk"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# Node.js (for the test tools installed from the npm registry): any installed node and npm
# will do; Debian's packages otherwise.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The npm test tools (tests/tools/package.json, pinned by its package-lock.json): the real
# encrypting writer officecrypto-tool that makes the password-protected xlsx fixtures.
# Installed once; delete tests/tools/node_modules to install again.
TOOLS="$(cd "$(dirname "$0")/.." && pwd)/tests/tools"
if [ ! -d "$TOOLS/node_modules" ]; then
	echo "setup: installing the npm test tools in $TOOLS"
	npm ci --prefix "$TOOLS" --no-audit --no-fund
fi

# The dashboard's browser test (tests/browser/package.json, pinned by its package-lock.json):
# playwright-core, which drives Debian's Chromium (/usr/bin/chromium, installed above, with
# fonts-noto-cjk so that Korean renders) and never downloads a browser of its own.
# Installed once; delete tests/browser/node_modules to install again.
BROWSER="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -d "$BROWSER/node_modules" ]; then
	echo "setup: installing the browser test's npm packages in $BROWSER"
	npm ci --prefix "$BROWSER" --no-audit --no-fund
fi
