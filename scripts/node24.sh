#!/usr/bin/env bash
# Runs a command under Node 24 with the project's dependencies installed.
# Where the machine's Node is older than 24, Node 24 is installed from the npm registry
# into .tools/node (git-ignored) and put first on PATH for the command and its children.
set -euo pipefail

NODE_VERSION="${CPA_NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

say() { printf '\033[36m[bootstrap]\033[0m %s\n' "$*" >&2; }

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed. Install Node.js and npm first (Debian/Ubuntu: apt-get install -y nodejs npm)." >&2
  exit 1
fi

local_node_dir="$root/.tools/node"
local_node="$local_node_dir/node_modules/.bin/node"
system_node="$(command -v node || true)"

if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 24 ]; then
  :
elif [ -x "$local_node" ] && [ "$(node_major "$local_node")" = "24" ]; then
  export PATH="$local_node_dir/node_modules/.bin:$PATH"
else
  say "Node $(node -v 2>/dev/null || echo 'not found') is older than 24: installing Node $NODE_VERSION from the npm registry into .tools/node (about a minute, once)"
  mkdir -p "$local_node_dir"
  [ -f "$local_node_dir/package.json" ] || echo '{"name":"cpa-node-runtime","private":true}' >"$local_node_dir/package.json"
  npm install --prefix "$local_node_dir" --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >&2
  if [ "$(node_major "$local_node")" != "24" ]; then
    echo "Could not install Node 24. Install it yourself (for example: npm install --prefix .tools/node node@$NODE_VERSION) and retry." >&2
    exit 1
  fi
  export PATH="$local_node_dir/node_modules/.bin:$PATH"
fi

# Install dependencies when node_modules is missing or older than the lockfile
# (CPA_SKIP_INSTALL=1 skips this, for a caller that runs npm ci itself).
stamp="node_modules/.package-lock.json"
if [ "${CPA_SKIP_INSTALL:-}" != 1 ] && { [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; }; then
  say "installing dependencies (npm ci, a few minutes the first time)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
