#!/usr/bin/env bash
# Prepares a fresh machine for building and testing the workspace. Idempotent; called by the
# README's commands and by .ci/run. Needs rustup/cargo, the crates.io and npm registries (and
# installs Node.js with apt-get where it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is not installed; install Rust with rustup first" >&2
  exit 1
fi

# rust-toolchain.toml pins the stable channel with rustfmt and clippy; make sure both exist.
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "${component}"
  fi
done

# Download every crate the lock file names (the build itself needs no network afterwards).
cargo fetch --locked

# The simulator's charts draw their text with a TrueType font (DejaVu Sans).
if ! [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null
  else
    echo "setup: install the DejaVu fonts (fonts-dejavu-core) for the simulator's charts" >&2
  fi
fi

# The TypeScript client (app/ts): Node.js with npm, then the locked packages.
if ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "setup: npm is not installed and apt-get is not available; install Node.js 18+" >&2
    exit 1
  fi
fi
(cd app/ts && npm ci --no-audit --no-fund --loglevel=error)
