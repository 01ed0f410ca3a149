//! Pure perp math shared by the exchange and by the vault that values a margin account:
//! funding accrual, a position's pending funding, equity and margin requirements. Prices are
//! I80F48 collateral units per asset unit; everything rounds against the account.

use fixed::types::I80F48;

use crate::state::{MarginAccount, Market, Position, MAX_MARKETS};

pub type Fx = I80F48;

const BPS: i64 = 10_000;
const DAY_S: i64 = 86_400;

/// Funding rate in bps per day: the base rate plus the premium scaled by the open-interest
/// imbalance `(long - short) / (long + short)`.
pub fn funding_rate_bps_per_day(m: &Market) -> Option<Fx> {
    let total = (m.long_oi as i128).checked_add(m.short_oi as i128)?;
    let imbalance = if total == 0 {
        Fx::ZERO
    } else {
        // diff / total in fixed point: one 128-bit division of the shifted difference
        // (|diff| < 2^65, so the shift fits), truncated as a fixed-point division is.
        let diff = (m.long_oi as i128).checked_sub(m.short_oi as i128)?;
        cu_meter::count(cu_meter::Op::Div128);
        Fx::from_bits(diff.checked_mul(1i128 << 48)?.checked_div(total)?)
    };
    cu_meter::count(cu_meter::Op::FxMul);
    Fx::from_num(m.funding_rate_bps_per_day)
        .checked_add(Fx::from_num(m.premium_bps_per_day).checked_mul(imbalance)?)
}

/// The market's cumulative funding advanced to `now` at `price`.
pub fn cumulative_funding_at(m: &Market, price: Fx, now: i64) -> Option<Fx> {
    let dt = now.saturating_sub(m.last_funding_ts).max(0);
    // By integers where the factor is one: a 128-bit product and quotient of the raw bits.
    cu_meter::count(cu_meter::Op::FxMul);
    cu_meter::count(cu_meter::Op::Mul128);
    cu_meter::count(cu_meter::Op::Div128);
    let per_unit = price
        .checked_mul(funding_rate_bps_per_day(m)?)?
        .checked_mul_int(dt as i128)?
        .checked_div_int(BPS.checked_mul(DAY_S)? as i128)?;
    Fx::from_bits(m.cumulative_funding).checked_add(per_unit)
}

/// Funding a position owes at cumulative funding `cum` (positive: the account pays).
pub fn funding_owed(p: &Position, cum: Fx) -> Option<Fx> {
    cu_meter::count(cu_meter::Op::FxMul);
    Fx::from_num(p.base).checked_mul(cum.checked_sub(Fx::from_bits(p.last_cumulative_funding))?)
}

/// Equity: collateral plus every position's unrealised PnL less its pending funding, at
/// `prices[i]` and cumulative funding `cums[i]` for market `i`.
pub fn equity(
    acc: &MarginAccount,
    prices: &[Fx; MAX_MARKETS],
    cums: &[Fx; MAX_MARKETS],
) -> Option<Fx> {
    let mut e = Fx::from_num(acc.collateral);
    for (i, p) in acc.positions.iter().enumerate() {
        if p.base == 0 && p.quote == 0 {
            continue;
        }
        cu_meter::count(cu_meter::Op::FxMul);
        let value = Fx::from_num(p.base).checked_mul(prices[i])?;
        e = e
            .checked_add(value)?
            .checked_add(Fx::from_num(p.quote))?
            .checked_sub(funding_owed(p, cums[i])?)?;
    }
    Some(e)
}

/// Gross notional `Σ |base| * price`.
pub fn notional(acc: &MarginAccount, prices: &[Fx; MAX_MARKETS]) -> Option<Fx> {
    acc.positions
        .iter()
        .enumerate()
        .try_fold(Fx::ZERO, |s, (i, p)| {
            cu_meter::count(cu_meter::Op::FxMul);
            s.checked_add(Fx::from_num(p.base.unsigned_abs()).checked_mul(prices[i])?)
        })
}

/// `v * bps / 10_000`.
pub fn bps_of(v: Fx, bps: u64) -> Option<Fx> {
    // Integer factors: one 128-bit product and one quotient of the raw bits (the same result
    // as the fixed-point product and quotient, which would need a 256-bit division).
    cu_meter::count(cu_meter::Op::Mul128);
    cu_meter::count(cu_meter::Op::Div128);
    v.checked_mul_int(bps as i128)?.checked_div_int(BPS as i128)
}

/// Margin requirement at the initial (`initial = true`) or maintenance rate of each market.
pub fn requirement(
    acc: &MarginAccount,
    markets: &[Market],
    prices: &[Fx; MAX_MARKETS],
    initial: bool,
) -> Option<Fx> {
    acc.positions
        .iter()
        .enumerate()
        .try_fold(Fx::ZERO, |s, (i, p)| {
            if p.base == 0 {
                return Some(s);
            }
            let m = markets.get(i)?;
            let bps = if initial {
                m.initial_margin_bps
            } else {
                m.maintenance_margin_bps
            };
            cu_meter::count(cu_meter::Op::FxMul);
            let value = Fx::from_num(p.base.unsigned_abs()).checked_mul(prices[i])?;
            s.checked_add(bps_of(value, bps as u64)?)
        })
}

/// Settles a position's pending funding into collateral (rounded against the account).
pub fn settle_funding(acc: &mut MarginAccount, i: usize, cum: Fx) -> Option<()> {
    let owed = funding_owed(&acc.positions[i], cum)?;
    let owed_units: i64 = owed.checked_ceil()?.checked_to_num()?;
    acc.collateral = acc.collateral.checked_sub(owed_units)?;
    acc.positions[i].last_cumulative_funding = cum.to_bits();
    Some(())
}

/// Settles every market's pending funding (`cums[i]` for market `i`).
pub fn settle_all(acc: &mut MarginAccount, cums: &[Fx]) -> Option<()> {
    for (i, cum) in cums.iter().enumerate() {
        settle_funding(acc, i, *cum)?;
    }
    Some(())
}

/// What buying `delta` units at `price` costs in collateral units, rounded against the
/// account (selling earns at most the exact amount).
fn cost_units(delta: i64, price: Fx) -> Option<i64> {
    cu_meter::count(cu_meter::Op::FxMul);
    Fx::from_num(delta)
        .checked_mul(price)?
        .checked_ceil()?
        .checked_to_num()
}

/// Applies a fill of `delta` units at `price` with `fee` collateral units. The part of the fill
/// that reduces the position realises that part's share of the position's quote into
/// collateral (as a production venue settles PnL on a reduction); the rest opens at `price`.
/// Returns the open-interest changes `(long, short)`.
pub fn apply_fill(
    acc: &mut MarginAccount,
    i: usize,
    delta: i64,
    price: Fx,
    fee: i64,
) -> Option<(i128, i128)> {
    let old = acc.positions.get(i)?.base;
    let reduces = old != 0 && delta != 0 && (old > 0) != (delta > 0);
    let closing_abs = if reduces {
        delta.unsigned_abs().min(old.unsigned_abs())
    } else {
        0
    };
    let closing_abs = i64::try_from(closing_abs).ok()?;
    let closing = if delta > 0 {
        closing_abs
    } else {
        closing_abs.checked_neg()?
    };
    let opening = delta.checked_sub(closing)?;
    if closing != 0 {
        let p = &mut acc.positions[i];
        // The closed part's quote, toward zero: the remainder stays with the position.
        cu_meter::count(cu_meter::Op::Mul128);
        cu_meter::count(cu_meter::Op::Div128);
        let basis = (p.quote as i128)
            .checked_mul(closing_abs as i128)?
            .checked_div(old.unsigned_abs() as i128)?;
        let basis = i64::try_from(basis).ok()?;
        let realised = basis.checked_sub(cost_units(closing, price)?)?;
        p.quote = p.quote.checked_sub(basis)?;
        p.base = p.base.checked_add(closing)?;
        let mut to_collateral = realised;
        if p.base == 0 {
            to_collateral = to_collateral.checked_add(p.quote)?;
            p.quote = 0;
        }
        acc.collateral = acc.collateral.checked_add(to_collateral)?;
    }
    if opening != 0 {
        let p = &mut acc.positions[i];
        p.quote = p.quote.checked_sub(cost_units(opening, price)?)?;
        p.base = p.base.checked_add(opening)?;
    }
    acc.collateral = acc.collateral.checked_sub(fee)?;
    let new = acc.positions[i].base;
    let long = |b: i64| b.max(0) as i128;
    let short = |b: i64| b.min(0).unsigned_abs() as i128;
    Some((
        long(new).checked_sub(long(old))?,
        short(new).checked_sub(short(old))?,
    ))
}

/// `mantissa * 10^exp10` exactly (one power-of-ten multiply or division of the raw bits,
/// rounded down), or `None` when it does not fit.
pub fn fx_from_decimal(mantissa: u64, exp10: i32) -> Option<Fx> {
    // The power of ten (a 128-bit multiply per squaring), then one product or quotient.
    cu_meter::count_n(cu_meter::Op::Mul128, 5);
    cu_meter::count(if exp10 >= 0 {
        cu_meter::Op::Mul128
    } else {
        cu_meter::Op::Div128
    });
    let scale = 10u128.checked_pow(exp10.unsigned_abs())?;
    let m = (mantissa as u128) << 48; // < 2^112
    let bits = if exp10 >= 0 {
        m.checked_mul(scale)?
    } else {
        m.checked_div(scale)?
    };
    Some(Fx::from_bits(i128::try_from(bits).ok()?))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn account() -> MarginAccount {
        MarginAccount {
            exchange: Default::default(),
            owner: Default::default(),
            bump: 0,
            collateral: 1_000_000,
            positions: [Position::default(); MAX_MARKETS],
        }
    }

    #[test]
    fn round_trip_at_one_price_costs_only_rounding() {
        let mut a = account();
        let price = Fx::from_num(2.5);
        apply_fill(&mut a, 0, -400_000, price, 0).unwrap();
        assert_eq!(a.positions[0].quote, 1_000_000);
        apply_fill(&mut a, 0, 400_000, price, 0).unwrap();
        assert_eq!(a.positions[0].base, 0);
        assert_eq!(a.collateral, 1_000_000);
    }

    #[test]
    fn reducing_a_position_realises_its_share_of_the_pnl() {
        let mut a = account();
        // Short 1,000 at 10, then buy back 900 at 8: 900 × 2 = 1,800 realised.
        apply_fill(&mut a, 0, -1_000, Fx::from_num(10), 0).unwrap();
        apply_fill(&mut a, 0, 900, Fx::from_num(8), 0).unwrap();
        assert_eq!(a.collateral, 1_000_000 + 1_800);
        assert_eq!((a.positions[0].base, a.positions[0].quote), (-100, 1_000));
        // Flipping through zero closes the rest and opens the remainder at the new price.
        apply_fill(&mut a, 0, 300, Fx::from_num(8), 0).unwrap();
        assert_eq!(a.collateral, 1_000_000 + 1_800 + 200);
        assert_eq!((a.positions[0].base, a.positions[0].quote), (200, -1_600));
    }

    #[test]
    fn decimal_prices_scale_once() {
        assert_eq!(
            fx_from_decimal(12_345, -2).unwrap(),
            Fx::from_bits((12_345i128 << 48) / 100)
        );
        assert_eq!(fx_from_decimal(5, 3).unwrap(), Fx::from_num(5_000));
        assert_eq!(fx_from_decimal(u64::MAX, 30), None);
    }

    #[test]
    fn short_gains_when_price_falls() {
        let mut a = account();
        apply_fill(&mut a, 0, -100, Fx::from_num(100), 10).unwrap();
        let mut prices = [Fx::ZERO; MAX_MARKETS];
        let cums = [Fx::ZERO; MAX_MARKETS];
        prices[0] = Fx::from_num(60);
        let e = equity(&a, &prices, &cums).unwrap();
        assert_eq!(e, Fx::from_num(1_000_000 - 10 + 4_000));
    }

    #[test]
    fn longs_pay_shorts_with_a_positive_rate() {
        let m = Market {
            funding_rate_bps_per_day: 10,
            last_funding_ts: 0,
            ..Market::default()
        };
        let cum = cumulative_funding_at(&m, Fx::from_num(100), 86_400).unwrap();
        // 10 bps of 100 per day, truncated to the fixed-point grid.
        assert!((cum - Fx::from_num(0.1)).abs() < Fx::from_num(1e-12));
        let mut a = account();
        a.positions[0].base = -1_000;
        settle_funding(&mut a, 0, cum).unwrap();
        // The short receives 99.99..., rounded against it.
        assert_eq!(a.collateral, 1_000_000 + 99);
    }
}
