#!/usr/bin/env bash
# Installs what the end-to-end tests need (see docs/e2e.md): Debian's chromium, libkrb5-dev (code-server's
# `kerberos` module compiles against it) and ripgrep, then code-server 4.100.3 (VS Code 1.100.3) into .e2e/,
# a git-ignored folder of its own so that it never becomes a dependency of the extension or enters the .vsix.
# Idempotent: a second call with everything present does nothing. Needs only Debian apt and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
CODE_SERVER_VERSION=4.100.3
E2E_DIR="$PWD/.e2e"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium libkrb5-dev ripgrep >/dev/null
fi

installed="$E2E_DIR/node_modules/code-server/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$installed"; then
  echo "e2e-setup: code-server $CODE_SERVER_VERSION already in .e2e/"
  exit 0
fi

mkdir -p "$E2E_DIR/tmp"
# @vscode/ripgrep's install step would download rg from GitHub: seed its cache with Debian's binary instead.
rg_cache="$E2E_DIR/tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rg_cache"
tar -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
# A package.json of its own makes .e2e/ a separate npm project (the extension's .npmrc and lock file stay out).
[ -f "$E2E_DIR/package.json" ] || echo '{ "name": "maporl-e2e-host", "private": true }' > "$E2E_DIR/package.json"
echo "e2e-setup: installing code-server $CODE_SERVER_VERSION into .e2e/ (about a minute)"
(cd "$E2E_DIR" && TMPDIR="$E2E_DIR/tmp" npm_config_yes=true \
  npm install "code-server@$CODE_SERVER_VERSION" --unsafe-perm --foreground-scripts --no-audit --no-fund --loglevel=error >"$E2E_DIR/install.log" 2>&1) \
  || { tail -n 40 "$E2E_DIR/install.log"; echo "e2e-setup: code-server install failed (log above, full log .e2e/install.log)"; exit 1; }
echo "e2e-setup: done"
