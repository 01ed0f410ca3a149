//! Share math (cf. Marinade's `calc.rs`). `total_value` is the vault's NAV in base units and
//! `total_shares` the share supply including dead and accrued-but-unminted fee shares.
//! Every conversion rounds against the caller, in favour of the vault.

use super::{mul_div_floor, MathResult};

/// Shares minted for depositing `value`: rounded down.
pub fn shares_for_deposit_floor(
    value: u64,
    total_value: u64,
    total_shares: u64,
) -> MathResult<u64> {
    mul_div_floor(value, total_shares, total_value)
}

/// Value paid for burning `shares`: rounded down. Also the pro-rata slice of one holding
/// when `total_value` is that holding's amount.
pub fn value_for_shares_floor(shares: u64, total_value: u64, total_shares: u64) -> MathResult<u64> {
    mul_div_floor(shares, total_value, total_shares)
}
