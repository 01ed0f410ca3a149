#!/usr/bin/env bash
# The programs' stack frames against SBF's 4 KB: builds each program natively in release with
# `-Z emit-stack-sizes` (RUSTC_BOOTSTRAP=1 lets stable rustc take the flag), reads the
# `.stack_sizes` section with `stack-check`, prints the largest frames and fails on a frame
# above STACK_LIMIT bytes (default 4096). Functions of other crates count where they are
# inlined or monomorphised into a program (Anchor's account parsing, borsh, spl-token's
# unpacking); non-generic code of dependencies is not measured.
set -euo pipefail
cd "$(dirname "$0")/.."

limit="${STACK_LIMIT:-4096}"
libs=()
for program in portfolio-vault sim-perp sim-amm; do
  RUSTC_BOOTSTRAP=1 cargo rustc --release --locked -q -p "$program" --lib -- -Z emit-stack-sizes
  libs+=("target/release/lib${program//-/_}.so")
done
cargo run --locked -q -p stack-check -- --limit "$limit" --top "${STACK_TOP:-8}" "${libs[@]}"
