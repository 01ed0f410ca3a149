//! Net asset value from internal accounting and validated prices.

use super::{value_ceil, value_floor, Fx, MathError, MathResult};

/// Which edge of each oracle's confidence band values the holdings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSide {
    /// Lower edge, rounded down: used when the vault pays out (withdraw, fees).
    Low,
    /// Upper edge, rounded up: used when the vault mints shares (deposit).
    High,
}

/// Holding and its price band: `low <= high`, both in base units per asset unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PricedHolding {
    pub amount: u64,
    pub low: Fx,
    pub high: Fx,
}

/// Value of one holding on the given side of its band.
pub fn holding_value(h: &PricedHolding, side: PriceSide) -> MathResult<u64> {
    match side {
        PriceSide::Low => value_floor(h.amount, h.low),
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

/// `nav` plus a signed amount (the share holders' part of a perp account); fails below zero.
pub fn nav_with_perp(nav: u64, perp_value: i64) -> MathResult<u64> {
    let total = nav as i128 + perp_value as i128;
    u64::try_from(total).map_err(|_| MathError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_side_never_below_low_side() {
        let h = [PricedHolding {
            amount: 7,
            low: Fx::from_num(0.9),
            high: Fx::from_num(1.1),
        }];
        let low = nav(5, &h, PriceSide::Low).unwrap();
        let high = nav(5, &h, PriceSide::High).unwrap();
        assert_eq!(low, 5 + 6);
        assert_eq!(high, 5 + 8);
    }
}
