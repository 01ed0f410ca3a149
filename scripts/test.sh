#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, integration, property, fuzz, the
# cross-language vectors), the committed IDLs against the code, and the TypeScript client
# (type-check, deploy script included, and its tests against the Rust vectors).
# Run `bash scripts/setup.sh` once first (the README's command does).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked
cargo run --locked -q -p vault-idl -- --check
(cd app/ts && npm run --silent typecheck && npm test --silent)
