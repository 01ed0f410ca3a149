#!/usr/bin/env bash
# Prepares a fresh machine for building and testing the workspace. Idempotent; called by the
# README's commands and by .ci/run. Needs only rustup/cargo and the crates.io registry.
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
