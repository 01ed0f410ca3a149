//! Management and performance fees, both paid by minting shares to the fee recipient.

use super::{
    mul_div_ceil, ratio_floor, value_ceil, value_floor, Fx, MathError, MathResult, FX_FRAC_BITS,
};
use crate::constants::{BPS_DENOMINATOR, SECONDS_PER_YEAR};

/// Shares that dilute holders by exactly `fee_bps * elapsed / year` of NAV, as a fixed-point
/// number (rounded down at 2^-48 of a share). Callers carry the fraction over to the next
/// accrual, so the fee charged over any sequence of accruals equals the stated rate: rounding
/// each accrual up instead would let anyone inflate the fee by accruing every second.
/// `elapsed_s` is capped at one year, so a vault left untouched for longer charges at most one
/// year's fee when it is next touched.
pub fn management_fee_shares(total_shares: u64, fee_bps: u16, elapsed_s: u64) -> MathResult<Fx> {
    let elapsed = elapsed_s.min(SECONDS_PER_YEAR) as u128;
    // Fraction of NAV x 10_000 x year: < 2^16 · 2^25.
    let fee_part = (fee_bps as u128).saturating_mul(elapsed);
    if fee_part == 0 || total_shares == 0 {
        return Ok(Fx::ZERO);
    }
    let whole = (BPS_DENOMINATOR as u128).saturating_mul(SECONDS_PER_YEAR as u128);
    // new / (S + new) = f  =>  new = S f / (1 - f); the 5 % fee cap keeps 1 - f > 0.
    let den = whole
        .checked_sub(fee_part)
        .filter(|d| *d > 0)
        .ok_or(MathError::Overflow)?;
    // One product, two quotients and a remainder in 128 bits.
    cu_meter::count(cu_meter::Op::Mul128);
    cu_meter::count_n(cu_meter::Op::Div128, 3);
    let num = (total_shares as u128)
        .checked_mul(fee_part)
        .ok_or(MathError::Overflow)?;
    let div = |n: u128| n.checked_div(den).ok_or(MathError::DivideByZero);
    let (int_part, rem) = (
        div(num)?,
        num.checked_rem(den).ok_or(MathError::DivideByZero)?,
    );
    // rem < den < 2^39, so the shifted remainder fits; int_part < 2^64 * 5 %.
    let frac_bits = div(rem << FX_FRAC_BITS)?;
    let bits = int_part
        .checked_mul(1u128 << FX_FRAC_BITS)
        .and_then(|b| b.checked_add(frac_bits))
        .and_then(|b| i128::try_from(b).ok())
        .ok_or(MathError::Overflow)?;
    Ok(Fx::from_bits(bits))
}

/// NAV per share smoothed over time for the performance fee: the time since the last update
/// is credited to the lower of the two observations around it (so a price that spiked and
/// reverted between two updates counts at the reverted level), with weight
/// `dt / (dt + smoothing_s)`. Frequent updates approach an exponential average with time
/// constant `smoothing_s`; infrequent ones move it more slowly, which favours the holders.
pub fn smooth_pps(ema: Fx, last: Fx, now_pps: Fx, dt_s: u64, smoothing_s: u64) -> MathResult<Fx> {
    if dt_s == 0 {
        return Ok(ema);
    }
    let observed = last.min(now_pps);
    let weight = ratio_floor(
        dt_s,
        dt_s.checked_add(smoothing_s).ok_or(MathError::Overflow)?,
    )?;
    let step = super::fx_mul(super::fx_sub(observed, ema)?, weight)?;
    super::fx_add(ema, step)
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
    /// High-water mark after the fee: the charged NAV per share less the fee.
    pub new_hwm: Fx,
    /// What the fee shares take off NAV per share (spot before less spot after): every
    /// per-share figure the fee is measured on (the smoothed one included) moves down by it,
    /// so a gain not yet charged stays pending in full.
    pub pps_drop: Fx,
}

/// Performance fee of `fee_bps` on the gain of NAV per share above `hwm`, measured on the
/// lower of the smoothed NAV per share (`smoothed_pps`, see [`smooth_pps`]) and the current
/// one: a transient spike is not a gain that lasts.
pub fn performance_fee(
    nav: u64,
    total_shares: u64,
    hwm: Fx,
    fee_bps: u16,
    smoothed_pps: Fx,
) -> MathResult<PerformanceFee> {
    let spot = ratio_floor(nav, total_shares)?;
    let pps = spot.min(smoothed_pps);
    let none = |new_hwm| PerformanceFee {
        gain: 0,
        fee_value: 0,
        fee_shares: 0,
        new_hwm,
        pps_drop: Fx::ZERO,
    };
    if pps <= hwm || fee_bps == 0 {
        return Ok(none(hwm.max(pps)));
    }
    // Gain = what the shares are worth at the charged price above their worth at the mark.
    let charged = if smoothed_pps >= spot {
        nav
    } else {
        value_floor(total_shares, pps)?
    };
    let gain = charged.saturating_sub(value_ceil(total_shares, hwm)?);
    let fee_value = mul_div_ceil(gain, fee_bps as u64, BPS_DENOMINATOR)?;
    if fee_value == 0 {
        return Ok(PerformanceFee { gain, ..none(hwm) });
    }
    // fee_value <= gain / 2 < nav, so the denominator is positive.
    let rest = nav.checked_sub(fee_value).ok_or(MathError::Overflow)?;
    let fee_shares = mul_div_ceil(fee_value, total_shares, rest)?;
    let supply_after = total_shares
        .checked_add(fee_shares)
        .ok_or(MathError::Overflow)?;
    let pps_drop = super::fx_sub(spot, ratio_floor(nav, supply_after)?)?.max(Fx::ZERO);
    Ok(PerformanceFee {
        gain,
        fee_value,
        fee_shares,
        new_hwm: super::fx_sub(pps, pps_drop)?.max(hwm),
        pps_drop,
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
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
        let none = performance_fee(1_000, 1_000, Fx::ONE, 2_000, Fx::from_num(2)).unwrap();
        assert_eq!(none.fee_shares, 0);
        let f = performance_fee(1_100, 1_000, Fx::ONE, 2_000, Fx::from_num(2)).unwrap();
        assert_eq!(f.gain, 100);
        assert_eq!(f.fee_value, 20);
        // 20 / 1100 of the vault: 1000 * 20 / 1080 = 18.5 -> 19
        assert_eq!(f.fee_shares, 19);
        assert!(f.new_hwm > Fx::ONE);
        // Charged on the smoothed NAV per share when it is lower: 1.05 → a gain of 50.
        let f = performance_fee(1_100, 1_000, Fx::ONE, 2_000, Fx::from_num(1.05)).unwrap();
        assert!((49..=50).contains(&f.gain), "{}", f.gain);
    }

    #[test]
    fn a_spike_between_updates_counts_at_the_reverted_level() {
        let day = 86_400;
        let week = 7 * day;
        let one = Fx::ONE;
        let spike = Fx::from_num(1.2);
        // Updated at the spike: the day before it is credited at 1.0.
        let ema = smooth_pps(one, one, spike, day, week).unwrap();
        assert_eq!(ema, one);
        // Updated after the revert: the day between is credited at the lower end, 1.0.
        let ema = smooth_pps(ema, spike, one, day, week).unwrap();
        assert_eq!(ema, one);
        // A gain that lasts a week moves it halfway (dt / (dt + week) = 1/2).
        let ema = smooth_pps(one, spike, spike, week, week).unwrap();
        assert!((ema - Fx::from_num(1.1)).abs() < Fx::from_num(1e-12));
    }
}
