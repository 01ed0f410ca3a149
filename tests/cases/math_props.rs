//! Property tests of the share and price math with the ERC-4626 round-trip properties (a16z
//! erc4626-tests). Cases: `PROPTEST_CASES` (default 1,000).

use portfolio_vault::math::fees::{management_fee_shares, performance_fee};
use portfolio_vault::math::nav::{nav, PriceSide, PricedHolding};
use portfolio_vault::math::price::fx_from_decimal;
use portfolio_vault::math::shares::{shares_for_deposit_floor, value_for_shares_floor};
use portfolio_vault::math::{mul_div_ceil, mul_div_floor, value_ceil, value_floor, Fx, MathError};
use proptest::prelude::*;

/// A vault state where NAV and supply are both positive, with NAV per share within a sane
/// range (1e-6 .. 1e6 base units per share).
fn vault_state() -> impl Strategy<Value = (u64, u64)> {
    (1_000u64..=u64::MAX / 4, -6i32..=6).prop_map(|(supply, e)| {
        let nav = if e >= 0 {
            supply.saturating_mul(10u64.pow(e as u32))
        } else {
            supply / 10u64.pow((-e) as u32)
        };
        (nav.clamp(1, u64::MAX / 4), supply)
    })
}

proptest! {
    #![proptest_config(vault_tests::proptest_config())]

    /// Previews never over-promise: shares * NAV <= amount * supply, exactly.
    #[test]
    fn deposit_never_over_mints((nav_v, supply) in vault_state(), amount in 1u64..=u64::MAX / 4) {
        if let Ok(shares) = shares_for_deposit_floor(amount, nav_v, supply) {
            prop_assert!(shares as u128 * nav_v as u128 <= amount as u128 * supply as u128);
        }
    }

    /// redeem(deposit(a)) <= a, with the deposit priced at the high side and the exit at the low.
    #[test]
    fn redeem_of_deposit_never_exceeds_amount((nav_v, supply) in vault_state(), amount in 1u64..=u64::MAX / 8, band_bps in 0u64..=1_000) {
        let nav_high = nav_v;
        let nav_low = nav_v - nav_v / 10_000 * band_bps;
        let Ok(shares) = shares_for_deposit_floor(amount, nav_high, supply) else { return Ok(()) };
        let nav_after = nav_low as u128 + amount as u128;
        let supply_after = supply as u128 + shares as u128;
        prop_assume!(nav_after <= u64::MAX as u128 && supply_after <= u64::MAX as u128);
        let back = value_for_shares_floor(shares, nav_after as u64, supply_after as u64).unwrap();
        prop_assert!(back <= amount, "deposited {}, got back {}", amount, back);
    }

    /// deposit(redeem(s)) <= s.
    #[test]
    fn deposit_of_redeem_never_exceeds_shares((nav_v, supply) in vault_state(), frac in 1u64..=1_000_000) {
        let s = ((supply as u128 * frac as u128) / 1_000_000).max(1) as u64;
        let assets = value_for_shares_floor(s, nav_v, supply).unwrap();
        prop_assume!(assets > 0 && s < supply);
        let shares_back = shares_for_deposit_floor(assets, nav_v - assets, supply - s).unwrap();
        prop_assert!(shares_back <= s);
    }

    /// No free profit from any sequence: two users deposit and withdraw in random order; the
    /// first never ends with more than it put in and the vault never pays out more than it holds.
    #[test]
    fn no_sequence_yields_free_profit(ops in prop::collection::vec((any::<bool>(), any::<bool>(), 1u64..=1_000_000_000), 1..40)) {
        let (mut idle, mut supply) = (1_000_000u64, 1_000_000u64);
        let mut shares = [0u64; 2];
        let (mut paid_in, mut paid_out) = ([0u128; 2], [0u128; 2]);
        for (who, is_deposit, x) in ops {
            let w = who as usize;
            if is_deposit {
                let Ok(s) = shares_for_deposit_floor(x, idle, supply) else { continue };
                if s == 0 { continue; }
                idle += x; supply += s; shares[w] += s; paid_in[w] += x as u128;
            } else {
                let s = x.min(shares[w]);
                if s == 0 { continue; }
                let a = value_for_shares_floor(s, idle, supply).unwrap();
                prop_assert!(a <= idle);
                idle -= a; supply -= s; shares[w] -= s; paid_out[w] += a as u128;
            }
        }
        for w in 0..2 {
            let final_value = value_for_shares_floor(shares[w], idle, supply).unwrap() as u128;
            prop_assert!(paid_out[w] + final_value <= paid_in[w], "user {} profits", w);
        }
    }

    /// value_floor <= amount * price <= value_ceil, within one unit, or a clear overflow.
    #[test]
    fn value_brackets_the_exact_product(amount in any::<u64>(), bits in 1i128..(1i128 << 100)) {
        let price = Fx::from_bits(bits);
        let exact = amount as u128 as f64 * price.to_num::<f64>();
        match (value_floor(amount, price), value_ceil(amount, price)) {
            (Ok(lo), Ok(hi)) => {
                prop_assert!(lo <= hi && hi - lo <= 1);
                // exact via integer math: amount * bits / 2^48
                let wide = (amount as u128).checked_mul(bits as u128);
                if let Some(p) = wide {
                    prop_assert_eq!(lo as u128, p >> 48);
                    prop_assert_eq!(hi as u128, (p + (1u128 << 48) - 1) >> 48);
                } else {
                    prop_assert!((lo as f64 - exact).abs() / exact.max(1.0) < 1e-9);
                }
            }
            (Err(e), _) | (_, Err(e)) => prop_assert_eq!(e, MathError::Overflow),
        }
    }

    /// mul_div rounding directions and their gap.
    #[test]
    fn mul_div_directions(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
        let exact = a as u128 * b as u128;
        match (mul_div_floor(a, b, c), mul_div_ceil(a, b, c)) {
            (Ok(f), Ok(cl)) => {
                prop_assert!(f as u128 * c as u128 <= exact);
                prop_assert!(cl as u128 * c as u128 >= exact);
                prop_assert!(cl - f <= 1);
            }
            (Err(e), _) => prop_assert_eq!(e, MathError::Overflow),
            (Ok(_), Err(e)) => prop_assert_eq!(e, MathError::Overflow),
        }
    }

    /// Normalising a decimal price brackets the exact value.
    #[test]
    fn price_normalisation_brackets(m in 1u64..=i64::MAX as u64, e in -30i32..=30) {
        let lo = fx_from_decimal(m, e, false);
        let hi = fx_from_decimal(m, e, true);
        match (lo, hi) {
            (Ok(lo), Ok(hi)) => {
                prop_assert!(lo <= hi);
                prop_assert!(hi.to_bits() - lo.to_bits() <= 1);
                if e <= 0 {
                    // lo * 10^-e <= m * 2^48 / 2^48 <= hi * 10^-e, in integers
                    let scale = 10u128.pow((-e) as u32);
                    let target = (m as u128) << 48;
                    prop_assert!((lo.to_bits() as u128).checked_mul(scale).is_none_or(|x| x <= target));
                    prop_assert!((hi.to_bits() as u128).checked_mul(scale).is_none_or(|x| x >= target));
                }
            }
            (Err(e1), Err(e2)) => { prop_assert_eq!(e1, MathError::Overflow); prop_assert_eq!(e2, MathError::Overflow); }
            _ => prop_assert!(false, "rounding direction changed overflow"),
        }
    }

    /// NAV at the low side never exceeds NAV at the high side.
    #[test]
    fn nav_low_never_above_high(idle in 0u64..1u64 << 40, amounts in prop::collection::vec((0u64..1u64 << 40, 1i128 << 20..1i128 << 60, 0i128..1i128 << 40), 0..16)) {
        let hs: Vec<PricedHolding> = amounts.iter().map(|(a, p, c)| PricedHolding {
            amount: *a,
            low: Fx::from_bits(*p),
            mid: Fx::from_bits(*p),
            high: Fx::from_bits(*p + *c),
        }).collect();
        if let (Ok(l), Ok(hh)) = (nav(idle, &hs, PriceSide::Low), nav(idle, &hs, PriceSide::High)) {
            prop_assert!(l <= hh);
        }
    }

    /// The management fee never takes more than its rate, and the performance fee never more
    /// than its share of the gain.
    #[test]
    fn fees_never_exceed_their_rate(supply in 1_000u64..1u64 << 50, nav_v in 1_000u64..1u64 << 50, fee_bps in 0u16..=500, elapsed in 0u64..=40_000_000, perf_bps in 0u16..=5_000) {
        // The fee recipient's fraction of the vault afterwards, s / (S + s), is at most the rate
        // times the elapsed share of a year, and within 2^-40 of it.
        let s = management_fee_shares(supply, fee_bps, elapsed).unwrap().to_num::<f64>();
        let year = 365.0 * 86_400.0;
        let rate = fee_bps as f64 / 10_000.0 * (elapsed as f64).min(year) / year;
        let taken = s / (supply as f64 + s);
        prop_assert!(taken <= rate * (1.0 + 1e-12) + 1e-15, "{} > {}", taken, rate);
        prop_assert!(rate - taken <= 1e-9 * rate.max(1e-6), "{} << {}", taken, rate);
        let pf = performance_fee(nav_v, supply, Fx::ONE, perf_bps, Fx::MAX).unwrap();
        prop_assert!(pf.fee_value as u128 * 10_000 <= pf.gain as u128 * perf_bps as u128 + 10_000);
        prop_assert!(pf.new_hwm >= Fx::ONE);
    }
}
