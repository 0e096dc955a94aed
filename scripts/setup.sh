#!/usr/bin/env bash
# Sets up a fresh clone on a fresh machine (Debian bookworm, Node 20): installs the pinned pnpm
# (the version in package.json's packageManager field) and the workspace's dependencies.
# Idempotent; run it before `pnpm start` or `pnpm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages (Debian): Xvfb and libxi-dev for headless-gl (gpu.js headlessgl mode), EGL/Mesa
# for Dawn's OpenGL ES backend (gpu.js webgpu mode), Chromium for the report's browser test
# (driven by playwright-core; never `playwright install`, which downloads its own browser).
APT_PACKAGES=(libxi-dev xvfb xauth libegl1 libegl-mesa0 libegl-dev libgl1-mesa-dri chromium)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

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
