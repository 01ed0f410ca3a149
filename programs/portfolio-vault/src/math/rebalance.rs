//! Rebalancing math shared by the program, the keeper and the simulator: the checks one trade
//! must pass ([`check_trade`]), the trade a keeper should send next ([`plan_rebalance`]), and
//! the realised saving a bounty is a share of ([`pair_tracking_cost`]).
//!
//! The cost-aware trigger uses a quadratic tracking cost: holding weight `w` against target
//! `t` costs `κ · NAV · (w − t)²`, with κ = `tracking_aversion_bps / 10000`. Moving a fraction
//! `x` of NAV from an asset `d_s` above its target to one `d_b` below it saves
//! `κ · NAV · 2x (d_s + d_b − x)`; the trade is worth it only when that exceeds its cost,
//! `x · NAV · (venue fee + allowed slippage)`.

use super::linalg::N;
use super::{ratio_floor, value_floor, Fx, MathError, MathResult};

/// Positions of a portfolio: the assets, then the base token at index `n`.
pub const SLOTS: usize = N + 1;

const BPS: u64 = 10_000;

/// Why a trade is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeError {
    InvalidPair,
    InvalidAmount,
    NotNeeded,
    WrongDirection,
    Overshoot,
    CapExceeded,
    TooSmall,
    CostExceedsBenefit,
    Math(MathError),
}

impl From<MathError> for TradeError {
    fn from(e: MathError) -> Self {
        Self::Math(e)
    }
}

/// Holdings at mid prices against targets. Slot `n` is the base token (price 1); its value
/// also counts `locked_cash`, base held where trades cannot reach it (the share holders' part of
/// a perp margin account).
#[derive(Clone, Copy, Debug)]
pub struct Portfolio {
    pub n: usize,
    pub amounts: [u64; SLOTS],
    pub prices: [Fx; SLOTS],
    pub targets: [Fx; SLOTS],
    pub locked_cash: u64,
}

// SAFETY: integers and fixed-point numbers only; zero is a valid (empty) portfolio.
unsafe impl bytemuck::Zeroable for Portfolio {}

impl Portfolio {
    /// `n` assets with `amounts[..n]`, `prices[..n]`, `targets[..n]`, then the idle base and
    /// the cash target.
    pub fn new(
        n: usize,
        asset_amounts: &[u64],
        asset_prices: &[Fx],
        asset_targets: &[Fx],
        idle_base: u64,
        cash_target: Fx,
    ) -> Self {
        let mut p = Self {
            n,
            amounts: [0; SLOTS],
            prices: [Fx::ZERO; SLOTS],
            targets: [Fx::ZERO; SLOTS],
            locked_cash: 0,
        };
        p.amounts[..n].copy_from_slice(&asset_amounts[..n]);
        p.prices[..n].copy_from_slice(&asset_prices[..n]);
        p.targets[..n].copy_from_slice(&asset_targets[..n]);
        p.amounts[n] = idle_base;
        p.prices[n] = Fx::ONE;
        p.targets[n] = cash_target;
        p
    }

    /// Counts `value` of base that trades cannot move in the cash slot.
    pub fn with_locked_cash(mut self, value: u64) -> Self {
        self.locked_cash = value;
        self
    }

    /// Raises the cash target so the portfolio holds `owed` of base (queued withdrawals) on
    /// top of the targets' share of the rest: every asset target is scaled by
    /// `1 − owed / NAV`, and cash takes what is left.
    pub fn reserving(mut self, owed: u64) -> MathResult<Self> {
        let nav = self.nav()?;
        if owed == 0 || nav == 0 {
            return Ok(self);
        }
        let keep = Fx::ONE
            .checked_sub(ratio_floor(owed.min(nav), nav)?)
            .ok_or(MathError::Overflow)?;
        let mut total = Fx::ZERO;
        for t in self.targets[..self.n].iter_mut() {
            *t = t.checked_mul(keep).ok_or(MathError::Overflow)?;
            total = total.checked_add(*t).ok_or(MathError::Overflow)?;
        }
        self.targets[self.n] = Fx::ONE
            .checked_sub(total)
            .ok_or(MathError::Overflow)?
            .max(Fx::ZERO);
        Ok(self)
    }

    pub fn value(&self, slot: usize) -> MathResult<u64> {
        let v = value_floor(self.amounts[slot], self.prices[slot])?;
        if slot == self.n {
            v.checked_add(self.locked_cash).ok_or(MathError::Overflow)
        } else {
            Ok(v)
        }
    }

    pub fn nav(&self) -> MathResult<u64> {
        (0..=self.n).try_fold(0u64, |acc, i| {
            acc.checked_add(self.value(i)?).ok_or(MathError::Overflow)
        })
    }

    /// Weight minus target of every slot (positive = overweight).
    pub fn deviations(&self) -> MathResult<[Fx; SLOTS]> {
        let nav = self.nav()?;
        let mut d = [Fx::ZERO; SLOTS];
        for (i, di) in d.iter_mut().enumerate().take(self.n.saturating_add(1)) {
            *di = ratio_floor(self.value(i)?, nav)?
                .checked_sub(self.targets[i])
                .ok_or(MathError::Overflow)?;
        }
        Ok(d)
    }

    /// This portfolio after `amount_in` of `sell` left and `amount_out` of `buy` arrived.
    #[inline(never)]
    pub fn after(&self, sell: usize, buy: usize, amount_in: u64, amount_out: u64) -> Option<Self> {
        let mut p = *self;
        p.amounts[sell] = p.amounts[sell].checked_sub(amount_in)?;
        p.amounts[buy] = p.amounts[buy].checked_add(amount_out)?;
        Some(p)
    }
}

/// Limits of one trade, all as fractions of NAV except `cap_left` (base units).
#[derive(Clone, Copy, Debug)]
pub struct TradeLimits {
    pub band: Fx,
    pub min_trade: Fx,
    pub aversion: Fx,
    /// Notional left in the current cap interval, base units.
    pub cap_left: u64,
    pub venue_fee_bps: u16,
    pub max_slippage_bps: u16,
}

impl TradeLimits {
    pub fn new(
        band_bps: u16,
        min_trade_bps: u16,
        tracking_aversion_bps: u32,
        cap_left: u64,
        venue_fee_bps: u16,
        max_slippage_bps: u16,
    ) -> MathResult<Self> {
        Ok(Self {
            band: ratio_floor(band_bps as u64, BPS)?,
            min_trade: ratio_floor(min_trade_bps as u64, BPS)?,
            aversion: ratio_floor(tracking_aversion_bps as u64, BPS)?,
            cap_left,
            venue_fee_bps,
            max_slippage_bps,
        })
    }

    /// Venue fee plus allowed slippage, in bps.
    pub fn cost_bps(&self) -> u64 {
        (self.venue_fee_bps as u64).saturating_add(self.max_slippage_bps as u64)
    }
}

/// What an accepted trade is expected to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeCheck {
    pub nav: u64,
    /// Value of the input at the oracle mid price, base units.
    pub value_in: u64,
    /// Output at the oracle mid prices, before fees, in units of the bought asset.
    pub expected_out: u64,
    /// Smallest acceptable output: `expected_out` less the venue fee and the allowed slippage.
    pub min_out: u64,
    /// Expected tracking-cost saving, base units.
    pub benefit: u64,
    /// Venue fee plus allowed slippage on `value_in`, base units.
    pub cost: u64,
}

fn fx(v: u64) -> MathResult<Fx> {
    Fx::checked_from_num(v).ok_or(MathError::Overflow)
}

fn to_u64_floor(v: Fx) -> MathResult<u64> {
    if v <= Fx::ZERO {
        return Ok(0);
    }
    v.floor().checked_to_num::<u64>().ok_or(MathError::Overflow)
}

/// Largest fraction of NAV a trade from `sell` to `buy` may move without overshooting either
/// target (zero when the direction is wrong).
fn room(d: &[Fx; SLOTS], sell: usize, buy: usize) -> Fx {
    let over = d[sell];
    let under = d[buy].checked_neg().unwrap_or(Fx::MAX);
    over.min(under).max(Fx::ZERO)
}

/// Checks a trade of `amount_in` units of slot `sell` for slot `buy` against every limit that
/// does not depend on time (the caller checks cooldown, target age and budgets).
pub fn check_trade(
    p: &Portfolio,
    sell: usize,
    buy: usize,
    amount_in: u64,
    lim: &TradeLimits,
) -> Result<TradeCheck, TradeError> {
    if sell == buy || sell > p.n || buy > p.n {
        return Err(TradeError::InvalidPair);
    }
    if amount_in == 0 || amount_in > p.amounts[sell] {
        return Err(TradeError::InvalidAmount);
    }
    let nav = p.nav()?;
    let d = p.deviations()?;
    if d[sell].abs() <= lim.band && d[buy].abs() <= lim.band {
        return Err(TradeError::NotNeeded);
    }
    if d[sell] <= Fx::ZERO || d[buy] >= Fx::ZERO {
        return Err(TradeError::WrongDirection);
    }
    let value_in = value_floor(amount_in, p.prices[sell])?;
    let x = ratio_floor(value_in, nav)?;
    let room = room(&d, sell, buy);
    if x > room {
        return Err(TradeError::Overshoot);
    }
    if value_in > lim.cap_left {
        return Err(TradeError::CapExceeded);
    }
    let nav_fx = fx(nav)?;
    let half_room = Fx::from_bits(super::fx_mul(room, nav_fx)?.to_bits() >> 1);
    let min_value = to_u64_floor(super::fx_mul(lim.min_trade, nav_fx)?)?
        .min(to_u64_floor(half_room)?)
        .min(lim.cap_left);
    if value_in < min_value || value_in == 0 {
        return Err(TradeError::TooSmall);
    }
    // d_s + d_b − x with d_b = −d[buy]
    let gap = super::fx_sub(super::fx_sub(d[sell], d[buy])?, x)?;
    cu_meter::count_n(cu_meter::Op::FxMul, 4);
    cu_meter::count(cu_meter::Op::FxDiv);
    let benefit_fx = lim
        .aversion
        .checked_mul(x)
        .and_then(|v| v.checked_mul(gap))
        .and_then(|v| v.checked_mul(Fx::from_num(2)))
        .and_then(|v| v.checked_mul(nav_fx))
        .ok_or(MathError::Overflow)?;
    let benefit = to_u64_floor(benefit_fx)?;
    let cost = super::mul_div_ceil(value_in, lim.cost_bps(), BPS)?;
    if benefit <= cost {
        return Err(TradeError::CostExceedsBenefit);
    }
    let expected_out = to_u64_floor(
        fx(value_in)?
            .checked_div(p.prices[buy])
            .ok_or(MathError::DivideByZero)?,
    )?;
    let keep = BPS.checked_sub(lim.cost_bps()).ok_or(MathError::Overflow)?;
    let min_out = super::mul_div_floor(expected_out, keep, BPS)?;
    Ok(TradeCheck {
        nav,
        value_in,
        expected_out,
        min_out,
        benefit,
        cost,
    })
}

/// `κ · NAV · (d_sell² + d_buy²)` in base units: the tracking cost of the two slots a trade
/// touches. The realised saving of a trade is this before minus this after.
pub fn pair_tracking_cost(p: &Portfolio, sell: usize, buy: usize, aversion: Fx) -> MathResult<Fx> {
    let d = p.deviations()?;
    cu_meter::count_n(cu_meter::Op::FxMul, 4);
    let sq = d[sell]
        .checked_mul(d[sell])
        .and_then(|a| d[buy].checked_mul(d[buy]).and_then(|b| a.checked_add(b)))
        .ok_or(MathError::Overflow)?;
    sq.checked_mul(aversion)
        .and_then(|v| v.checked_mul(Fx::checked_from_num(p.nav().ok()?)?))
        .ok_or(MathError::Overflow)
}

/// The trade a keeper should send next: the most overweight slot sold into the most
/// underweight one, far enough to bring the one that left its band back to
/// [`TRADE_BACK_TO_BAND`] of the band (Leland: trading to the edge of a no-trade region costs
/// less than trading to the target), never more than 99 % of the way to the nearer target,
/// capped by the notional left. `None` when every weight is inside its band or the best trade
/// is not worth its cost.
/// Where a rebalancing trade leaves the slot that left its band: this fraction of the band
/// from its target. To the very edge (1) every hour's drift would be a trade of its own, each
/// paying a bounty and a transaction; to the target (0) the last part of the way costs more
/// than the tracking it saves (`vault-sim compare --band-bps 100` measured 0.5, 0.8 and 0.95:
/// 0.8 matches the daily calendar keeper's tracking error at half its cost).
pub const TRADE_BACK_TO_BAND: Fx = Fx::lit("0.8");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedTrade {
    pub sell: usize,
    pub buy: usize,
    pub amount_in: u64,
    pub check: TradeCheck,
}

pub fn plan_rebalance(p: &Portfolio, lim: &TradeLimits) -> Option<PlannedTrade> {
    let d = p.deviations().ok()?;
    let slots = 0..=p.n;
    let sell = slots.clone().max_by_key(|&i| d[i])?;
    let buy = slots.min_by_key(|&i| d[i])?;
    if sell == buy {
        return None;
    }
    let nav = fx(p.nav().ok()?).ok()?;
    // Leland's rule with a margin: bring the slot that left its band back just inside it, not
    // all the way to its target (the rest of the way would cost for little saving), and never
    // past the nearer target (99 % of the room, for fills better than the oracle).
    let edge = super::fx_mul(lim.band, TRADE_BACK_TO_BAND).ok()?;
    let excess = d[sell]
        .checked_sub(edge)?
        .max(d[buy].checked_neg()?.checked_sub(edge)?)
        .max(Fx::ZERO);
    // At least the minimum trade: a smaller correction is sent as the minimum, rounded up to
    // a whole unit so that its value is not below it.
    let at_min = excess < lim.min_trade;
    let x = super::fx_mul(room(&d, sell, buy), Fx::from_num(0.99))
        .ok()?
        .min(excess.max(lim.min_trade));
    let value = super::fx_mul(x, nav).ok()?.min(fx(lim.cap_left).ok()?);
    cu_meter::count(cu_meter::Op::FxDiv);
    let amount_in = to_u64_floor(value.checked_div(p.prices[sell])?)
        .ok()?
        .saturating_add(u64::from(at_min))
        .min(p.amounts[sell]);
    let check = check_trade(p, sell, buy, amount_in, lim).ok()?;
    Some(PlannedTrade {
        sell,
        buy,
        amount_in,
        check,
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn limits() -> TradeLimits {
        TradeLimits::new(200, 10, 10_000, u64::MAX, 30, 50).unwrap()
    }

    /// Two assets at price 2 and 1, 50/50 targets, no cash.
    fn two(a: u64, b: u64) -> Portfolio {
        let half = Fx::from_num(0.5);
        Portfolio::new(
            2,
            &[a, b],
            &[Fx::from_num(2), Fx::ONE],
            &[half, half],
            0,
            Fx::ZERO,
        )
    }

    #[test]
    fn plan_moves_toward_target_and_stops_inside_the_band() {
        let mut p = two(400_000, 200_000); // 80/20
        let mut steps = 0;
        while let Some(t) = plan_rebalance(&p, &limits()) {
            assert_eq!((t.sell, t.buy), (0, 1));
            let out = t.check.expected_out * 9_970 / 10_000;
            assert!(out >= t.check.min_out);
            p = p.after(t.sell, t.buy, t.amount_in, out).unwrap();
            steps += 1;
            assert!(steps < 5);
        }
        let d = p.deviations().unwrap();
        assert!(d[0].abs() <= Fx::from_num(0.02) && d[1].abs() <= Fx::from_num(0.02));
        assert_eq!(
            check_trade(&p, 0, 1, 1_000, &limits()),
            Err(TradeError::NotNeeded)
        );
    }

    #[test]
    fn each_check_names_its_reason() {
        let p = two(400_000, 200_000); // NAV 1e6, asset 0 at 80%
        let l = limits();
        assert_eq!(
            check_trade(&p, 1, 0, 1_000, &l),
            Err(TradeError::WrongDirection)
        );
        assert_eq!(
            check_trade(&p, 0, 0, 1_000, &l),
            Err(TradeError::InvalidPair)
        );
        assert_eq!(check_trade(&p, 0, 1, 0, &l), Err(TradeError::InvalidAmount));
        // Room is 30% of NAV = 300_000 base = 150_000 units of asset 0.
        assert_eq!(
            check_trade(&p, 0, 1, 150_001, &l),
            Err(TradeError::Overshoot)
        );
        assert!(check_trade(&p, 0, 1, 150_000, &l).is_ok());
        let capped = TradeLimits {
            cap_left: 100_000,
            ..l
        };
        assert_eq!(
            check_trade(&p, 0, 1, 60_000, &capped),
            Err(TradeError::CapExceeded)
        );
        // Dust: below 10 bps of NAV (1_000 base = 500 units).
        assert_eq!(check_trade(&p, 0, 1, 499, &l), Err(TradeError::TooSmall));
        let costly = TradeLimits::new(200, 10, 100, u64::MAX, 1_000, 500).unwrap();
        assert_eq!(
            check_trade(&p, 0, 1, 100_000, &costly),
            Err(TradeError::CostExceedsBenefit)
        );
    }

    #[test]
    fn minimum_output_is_the_oracle_value_less_fee_and_slippage() {
        let p = two(400_000, 200_000);
        let c = check_trade(&p, 0, 1, 100_000, &limits()).unwrap();
        assert_eq!(c.value_in, 200_000);
        assert_eq!(c.expected_out, 200_000);
        assert_eq!(c.min_out, 200_000 * 9_920 / 10_000);
        // Saving 2κx(d_s + d_b − x) NAV = 2 · 0.2 · (0.3 + 0.3 − 0.2) · 1e6 = 160_000.
        assert!((159_990..=160_000).contains(&c.benefit), "{}", c.benefit);
        assert_eq!(c.cost, 200_000 * 80 / 10_000);
    }

    #[test]
    fn realised_saving_matches_the_closed_form() {
        let p = two(400_000, 200_000);
        let after = p.after(0, 1, 100_000, 200_000).unwrap();
        let k = Fx::ONE;
        let saved =
            pair_tracking_cost(&p, 0, 1, k).unwrap() - pair_tracking_cost(&after, 0, 1, k).unwrap();
        assert!(
            (saved - Fx::from_num(160_000)).abs() < Fx::from_num(1),
            "{saved}"
        );
    }

    #[test]
    fn base_token_trades_both_ways() {
        // 50% cash against a 10% cash target: buy the most underweight asset with base.
        let p = Portfolio::new(
            2,
            &[100_000, 300_000],
            &[Fx::ONE, Fx::ONE],
            &[Fx::from_num(0.45), Fx::from_num(0.45)],
            400_000,
            Fx::from_num(0.1),
        );
        let t = plan_rebalance(&p, &limits()).unwrap();
        assert_eq!((t.sell, t.buy), (2, 0));
    }
}
