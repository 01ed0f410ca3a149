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
pub fn funding_rate_bps_per_day(m: &Market) -> Fx {
    let total = m.long_oi as i128 + m.short_oi as i128;
    let imbalance = if total == 0 {
        Fx::ZERO
    } else {
        Fx::from_num(m.long_oi as i128 - m.short_oi as i128) / Fx::from_num(total)
    };
    Fx::from_num(m.funding_rate_bps_per_day) + Fx::from_num(m.premium_bps_per_day) * imbalance
}

/// The market's cumulative funding advanced to `now` at `price`.
pub fn cumulative_funding_at(m: &Market, price: Fx, now: i64) -> Option<Fx> {
    let dt = now.saturating_sub(m.last_funding_ts).max(0);
    let per_unit = price
        .checked_mul(funding_rate_bps_per_day(m))?
        .checked_mul(Fx::from_num(dt))?
        / Fx::from_num(BPS * DAY_S);
    Fx::from_bits(m.cumulative_funding).checked_add(per_unit)
}

/// Funding a position owes at cumulative funding `cum` (positive: the account pays).
pub fn funding_owed(p: &Position, cum: Fx) -> Option<Fx> {
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
            s.checked_add(Fx::from_num(p.base.unsigned_abs()).checked_mul(prices[i])?)
        })
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
            let req = Fx::from_num(p.base.unsigned_abs())
                .checked_mul(prices[i])?
                .checked_mul(Fx::from_num(bps))?
                / Fx::from_num(BPS);
            s.checked_add(req)
        })
}

/// Settles a position's pending funding into collateral (rounded against the account).
pub fn settle_funding(acc: &mut MarginAccount, i: usize, cum: Fx) -> Option<()> {
    let owed = funding_owed(&acc.positions[i], cum)?;
    let owed_units: i64 = owed.ceil().checked_to_num()?;
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

/// Applies a fill of `delta` units at `price` with `fee` collateral units; realises the quote
/// when the position closes. Returns the open-interest changes `(long, short)`.
pub fn apply_fill(
    acc: &mut MarginAccount,
    i: usize,
    delta: i64,
    price: Fx,
    fee: i64,
) -> Option<(i128, i128)> {
    let p = &mut acc.positions[i];
    let old = p.base;
    let cost = Fx::from_num(delta).checked_mul(price)?;
    // Buying costs at least the exact amount, selling earns at most it.
    let cost_units: i64 = cost.ceil().checked_to_num()?;
    p.quote = p.quote.checked_sub(cost_units)?;
    p.base = p.base.checked_add(delta)?;
    acc.collateral = acc.collateral.checked_sub(fee)?;
    if p.base == 0 {
        acc.collateral = acc.collateral.checked_add(p.quote)?;
        p.quote = 0;
    }
    let long = |b: i64| b.max(0) as i128;
    let short = |b: i64| (-(b.min(0) as i128)).max(0);
    Some((long(p.base) - long(old), short(p.base) - short(old)))
}

#[cfg(test)]
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
