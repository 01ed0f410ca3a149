// The program's share math (`programs/portfolio-vault/src/math/shares.rs`), in exact integers.
// Every conversion rounds down, against the caller and in favour of the vault.

const U64_MAX = (1n << 64n) - 1n;

function mulDivFloor(a: bigint, b: bigint, c: bigint): bigint {
  if (c === 0n) throw new Error("division by zero");
  const q = (a * b) / c;
  if (q > U64_MAX) throw new Error("overflow: result does not fit u64");
  return q;
}

/** Shares minted for depositing `value` base units into a vault worth `totalValue` with `totalShares`. */
export function sharesForDepositFloor(value: bigint, totalValue: bigint, totalShares: bigint): bigint {
  return mulDivFloor(value, totalShares, totalValue);
}

/** Base units (or units of one holding, with that holding as `totalValue`) paid for burning `shares`. */
export function valueForSharesFloor(shares: bigint, totalValue: bigint, totalShares: bigint): bigint {
  return mulDivFloor(shares, totalValue, totalShares);
}
