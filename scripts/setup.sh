#!/usr/bin/env bash
# Sets up a fresh clone on a fresh machine (Debian bookworm, Node 20): installs the pinned pnpm
# (the version in package.json's packageManager field) and the workspace's dependencies.
# Idempotent; run it before `pnpm start` or `pnpm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm $want (found: ${have:-none})"
  # corepack cannot verify pnpm's signature on this kind of machine; npm can install it.
  npm install --global --no-fund --no-audit "pnpm@$want"
fi

# onnxruntime-node's install script (a CUDA download) never runs: pnpm 10 runs dependency
# scripts only for packages listed in pnpm-workspace.yaml's onlyBuiltDependencies.
export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile
