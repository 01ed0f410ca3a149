//! Net asset value from internal accounting and validated prices.

use super::{value_ceil, value_floor, Fx, MathError, MathResult};

/// Which price values the holdings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSide {
    /// Lower edge of each confidence band, rounded down: the vault pays out (withdraw, fees).
    Low,
    /// The oracle price, rounded down: weights, trades, reports.
    Mid,
    /// Upper edge, rounded up: the vault mints shares (deposit).
    High,
}

/// Holding and its prices: `low <= mid <= high`, all in base units per asset unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PricedHolding {
    pub amount: u64,
    pub low: Fx,
    pub mid: Fx,
    pub high: Fx,
}

/// Value of one holding on the given side.
pub fn holding_value(h: &PricedHolding, side: PriceSide) -> MathResult<u64> {
    match side {
        PriceSide::Low => value_floor(h.amount, h.low),
        PriceSide::Mid => value_floor(h.amount, h.mid),
        PriceSide::High => value_ceil(h.amount, h.high),
    }
}

/// `idle_base + Σ value(holding)`; fails rather than wraps.
pub fn nav(idle_base: u64, holdings: &[PricedHolding], side: PriceSide) -> MathResult<u64> {
    holdings.iter().try_fold(idle_base, |acc, h| {
        acc.checked_add(holding_value(h, side)?)
            .ok_or(MathError::Overflow)
    })
}

/// `nav` plus a signed amount (the share holders' part of a margin account); fails below zero.
pub fn nav_with_hedge(nav: u64, hedge_value: i64) -> MathResult<u64> {
    let total = (nav as i128)
        .checked_add(hedge_value as i128)
        .ok_or(MathError::Overflow)?;
    u64::try_from(total).map_err(|_| MathError::Overflow)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn sides_are_ordered() {
        let h = [PricedHolding {
            amount: 7,
            low: Fx::from_num(0.9),
            mid: Fx::from_num(1.0),
            high: Fx::from_num(1.1),
        }];
        assert_eq!(nav(5, &h, PriceSide::Low).unwrap(), 5 + 6);
        assert_eq!(nav(5, &h, PriceSide::Mid).unwrap(), 5 + 7);
        assert_eq!(nav(5, &h, PriceSide::High).unwrap(), 5 + 8);
        assert_eq!(nav_with_hedge(10, -11), Err(MathError::Overflow));
        assert_eq!(nav_with_hedge(10, -3).unwrap(), 7);
    }
}
