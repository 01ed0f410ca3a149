//! Management and performance fees, both paid by minting shares to the fee recipient.

use super::{mul_div_ceil, ratio_floor, value_ceil, Fx, MathError, MathResult};
use crate::constants::{BPS_DENOMINATOR, SECONDS_PER_YEAR};

/// Shares that dilute holders by `fee_bps * elapsed / year` of NAV, rounded up.
/// `elapsed_s` is capped at one year, so a vault left untouched for longer charges at most one
/// year's fee when it is next touched.
pub fn management_fee_shares_ceil(
    total_shares: u64,
    fee_bps: u16,
    elapsed_s: u64,
) -> MathResult<u64> {
    let elapsed = elapsed_s.min(SECONDS_PER_YEAR) as u128;
    let fee_part = fee_bps as u128 * elapsed; // fraction of NAV × 10_000 × year
    if fee_part == 0 || total_shares == 0 {
        return Ok(0);
    }
    let whole = BPS_DENOMINATOR as u128 * SECONDS_PER_YEAR as u128;
    // new / (S + new) = f  =>  new = S f / (1 - f); fee_bps <= 10_000 keeps 1 - f > 0
    // except for f == 1, refused by the hard fee cap.
    let den = whole
        .checked_sub(fee_part)
        .filter(|d| *d > 0)
        .ok_or(MathError::Overflow)?;
    let num = (total_shares as u128)
        .checked_mul(fee_part)
        .ok_or(MathError::Overflow)?;
    u64::try_from(num.div_ceil(den)).map_err(|_| MathError::Overflow)
}

/// Result of crystallising the performance fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerformanceFee {
    /// Gain above the high-water mark, in base units.
    pub gain: u64,
    /// Fee value in base units (rounded up).
    pub fee_value: u64,
    /// Shares minted for it (rounded up).
    pub fee_shares: u64,
    /// High-water mark after the fee: NAV per share once the fee shares exist.
    pub new_hwm: Fx,
}

/// Performance fee of `fee_bps` on the gain of NAV per share above `hwm`.
pub fn performance_fee(
    nav: u64,
    total_shares: u64,
    hwm: Fx,
    fee_bps: u16,
) -> MathResult<PerformanceFee> {
    let pps = ratio_floor(nav, total_shares)?;
    if pps <= hwm || fee_bps == 0 {
        return Ok(PerformanceFee {
            gain: 0,
            fee_value: 0,
            fee_shares: 0,
            new_hwm: hwm.max(pps),
        });
    }
    // Gain = NAV above what the shares were worth at the mark; rounded down.
    let gain = nav.saturating_sub(value_ceil(total_shares, hwm)?);
    let fee_value = mul_div_ceil(gain, fee_bps as u64, BPS_DENOMINATOR)?;
    if fee_value == 0 {
        return Ok(PerformanceFee {
            gain,
            fee_value: 0,
            fee_shares: 0,
            new_hwm: hwm,
        });
    }
    // fee_value <= gain / 2 < nav, so the denominator is positive.
    let fee_shares = mul_div_ceil(fee_value, total_shares, nav - fee_value)?;
    let supply_after = total_shares
        .checked_add(fee_shares)
        .ok_or(MathError::Overflow)?;
    let pps_after = ratio_floor(nav, supply_after)?;
    Ok(PerformanceFee {
        gain,
        fee_value,
        fee_shares,
        new_hwm: pps_after.max(hwm),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn management_fee_one_year_at_2_percent() {
        let s = management_fee_shares_ceil(1_000_000, 200, SECONDS_PER_YEAR).unwrap();
        // 2% of NAV: s / (1e6 + s) = 0.02  =>  s = 20408.16..
        assert_eq!(s, 20_409);
        assert_eq!(management_fee_shares_ceil(1_000_000, 200, 0).unwrap(), 0);
        assert_eq!(
            management_fee_shares_ceil(1_000_000, 200, 10 * SECONDS_PER_YEAR).unwrap(),
            s,
            "capped at one year"
        );
    }

    #[test]
    fn performance_fee_only_above_hwm() {
        let none = performance_fee(1_000, 1_000, Fx::ONE, 2_000).unwrap();
        assert_eq!(none.fee_shares, 0);
        let f = performance_fee(1_100, 1_000, Fx::ONE, 2_000).unwrap();
        assert_eq!(f.gain, 100);
        assert_eq!(f.fee_value, 20);
        // 20 / 1100 of the vault: 1000 * 20 / 1080 = 18.5 -> 19
        assert_eq!(f.fee_shares, 19);
        assert!(f.new_hwm > Fx::ONE);
    }
}
