#!/usr/bin/env bash
# Runs the client's unit tests, the engine's (harness), the command's (cli) and the contract suite
# on Node 22 and 24 (the client, the engine and the command support
# 20.19+, 22 and 24). The Node binaries come from the npm registry (package `node@N`), into a cache
# folder outside the repo; nothing is added to package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${NODE_VERSIONS_CACHE:-${TMPDIR:-/tmp}/arize-users-client-node}"
for major in ${NODE_VERSIONS:-22 24}; do
  dir="$cache/$major"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
  fi
  echo "== Node $("$dir/node_modules/.bin/node" --version)"
  PATH="$dir/node_modules/.bin:$PATH" node node_modules/vitest/vitest.mjs run --project unit --project harness --project cli --project contract
done
