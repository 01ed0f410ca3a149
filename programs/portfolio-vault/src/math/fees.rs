//! Management and performance fees, both paid by minting shares to the fee recipient.

use super::{mul_div_ceil, ratio_floor, value_ceil, Fx, MathError, MathResult, FX_FRAC_BITS};
use crate::constants::{BPS_DENOMINATOR, SECONDS_PER_YEAR};

/// Shares that dilute holders by exactly `fee_bps * elapsed / year` of NAV, as a fixed-point
/// number (rounded down at 2^-48 of a share). Callers carry the fraction over to the next
/// accrual, so the fee charged over any sequence of accruals equals the stated rate: rounding
/// each accrual up instead would let anyone inflate the fee by accruing every second.
/// `elapsed_s` is capped at one year, so a vault left untouched for longer charges at most one
/// year's fee when it is next touched.
pub fn management_fee_shares(total_shares: u64, fee_bps: u16, elapsed_s: u64) -> MathResult<Fx> {
    let elapsed = elapsed_s.min(SECONDS_PER_YEAR) as u128;
    let fee_part = fee_bps as u128 * elapsed; // fraction of NAV x 10_000 x year
    if fee_part == 0 || total_shares == 0 {
        return Ok(Fx::ZERO);
    }
    let whole = BPS_DENOMINATOR as u128 * SECONDS_PER_YEAR as u128;
    // new / (S + new) = f  =>  new = S f / (1 - f); the 5 % fee cap keeps 1 - f > 0.
    let den = whole
        .checked_sub(fee_part)
        .filter(|d| *d > 0)
        .ok_or(MathError::Overflow)?;
    let num = (total_shares as u128)
        .checked_mul(fee_part)
        .ok_or(MathError::Overflow)?;
    let (int_part, rem) = (num / den, num % den);
    // rem < den < 2^39, so the shifted remainder fits; int_part < 2^64 * 5 %.
    let frac_bits = (rem << FX_FRAC_BITS) / den;
    let bits = int_part
        .checked_mul(1u128 << FX_FRAC_BITS)
        .and_then(|b| b.checked_add(frac_bits))
        .and_then(|b| i128::try_from(b).ok())
        .ok_or(MathError::Overflow)?;
    Ok(Fx::from_bits(bits))
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
        let s = management_fee_shares(1_000_000, 200, SECONDS_PER_YEAR).unwrap();
        // 2% of NAV: s / (1e6 + s) = 0.02  =>  s = 1e6 * 200 / 9800 = 20408.163..
        assert!((s.to_num::<f64>() - 1e6 * 200.0 / 9800.0).abs() < 1e-9);
        assert_eq!(management_fee_shares(1_000_000, 200, 0).unwrap(), Fx::ZERO);
        assert_eq!(
            management_fee_shares(1_000_000, 200, 10 * SECONDS_PER_YEAR).unwrap(),
            s,
            "capped at one year"
        );
    }

    #[test]
    fn frequent_accruals_with_carried_fractions_charge_the_stated_rate() {
        // One accrual per second for an hour, carrying the fraction, against one for the hour.
        let supply = 100_000_000u64;
        let mut fraction = Fx::ZERO;
        let mut minted = 0u64;
        for _ in 0..3_600 {
            let total = fraction + management_fee_shares(supply + minted, 200, 1).unwrap();
            let whole: u64 = total.int().to_num();
            minted += whole;
            fraction = total.frac();
        }
        let once = management_fee_shares(supply, 200, 3_600)
            .unwrap()
            .to_num::<f64>();
        assert!(
            (minted as f64 + fraction.to_num::<f64>() - once).abs() < 0.01,
            "{minted} vs {once}"
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
