//! Delta-hedging math shared by the program, the keeper, the CLI and the simulator: the risk
//! report of a vault that holds spot assets and a margin account (per-asset and portfolio
//! delta, gross notional, leverage, margin ratio, pending funding), the checks one hedge trade
//! must pass ([`check_hedge`], the twin of `check_trade`), the trade a keeper should send next
//! ([`plan_hedge`]), and the unit accounting that splits the margin account between the share
//! holders and the claims of those who redeemed in kind.
//!
//! Deltas are base units at the given prices; positions are asset units (negative = short).
//! The margin account is shared: the share holders own `owners_units` of `units_total`, so
//! their part of every position is that fraction of it. Units are as large as base units, so
//! every product of two large quantities here goes through a 256-bit intermediate.

use super::linalg::N;
use super::wide::{fx_mul_div_ceil, fx_mul_div_floor, mul_div_u128_ceil, mul_div_u128_floor};
use super::{fx_add, fx_from_int, fx_mul, fx_sub, Fx, MathError, MathResult, FX_FRAC_BITS};

const BPS: u64 = 10_000;

/// The hedge view of a vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskReport {
    pub n: usize,
    /// Spot holding × price.
    pub spot_delta: [Fx; N],
    /// The share holders' part of the position × price.
    pub perp_delta: [Fx; N],
    /// Spot plus perp delta.
    pub net_delta: [Fx; N],
    /// Σ net delta.
    pub portfolio_delta: Fx,
    /// Σ |perp delta|.
    pub gross_notional: Fx,
    /// Idle base + spot value + the share holders' part of the margin account's equity.
    pub nav: Fx,
    /// Gross notional / NAV.
    pub leverage: Fx,
    /// Equity (net of settled claims) / maintenance requirement; `None` without positions.
    pub margin_ratio: Option<Fx>,
    /// Funding the margin account owes and has not settled (negative: it is owed).
    pub funding_pending: Fx,
}

/// What the risk report is built from: positions are the share holders' part
/// ([`owners_position`]), equities at mid prices.
#[derive(Clone, Copy, Debug)]
pub struct ReportInputs<'a> {
    pub spot_amounts: &'a [u64],
    pub prices: &'a [Fx],
    pub idle_base: u64,
    pub owners_positions: &'a [i64],
    /// The share holders' part of the margin account.
    pub owners_equity: Fx,
    /// The whole account's equity less what settled claims are owed.
    pub net_equity: Fx,
    pub maintenance: Fx,
    pub funding_pending: Fx,
}

pub fn risk_report(x: &ReportInputs) -> MathResult<RiskReport> {
    let n = x.spot_amounts.len();
    if n > N || x.prices.len() != n || x.owners_positions.len() != n {
        return Err(MathError::Overflow);
    }
    let mut r = RiskReport {
        n,
        spot_delta: [Fx::ZERO; N],
        perp_delta: [Fx::ZERO; N],
        net_delta: [Fx::ZERO; N],
        portfolio_delta: Fx::ZERO,
        gross_notional: Fx::ZERO,
        nav: fx_from_int(x.idle_base)?,
        leverage: Fx::ZERO,
        margin_ratio: None,
        funding_pending: x.funding_pending,
    };
    for i in 0..n {
        let spot = fx_mul(fx_from_int(x.spot_amounts[i])?, x.prices[i])?;
        let perp = fx_mul(fx_from_int(x.owners_positions[i])?, x.prices[i])?;
        r.spot_delta[i] = spot;
        r.perp_delta[i] = perp;
        r.net_delta[i] = fx_add(spot, perp)?;
        r.portfolio_delta = fx_add(r.portfolio_delta, r.net_delta[i])?;
        r.gross_notional = fx_add(r.gross_notional, perp.abs())?;
        r.nav = fx_add(r.nav, spot)?;
    }
    r.nav = fx_add(r.nav, x.owners_equity)?;
    if r.nav <= Fx::ZERO {
        return Err(MathError::DivideByZero);
    }
    r.leverage = super::fx_div(r.gross_notional, r.nav)?;
    if x.maintenance > Fx::ZERO {
        r.margin_ratio = Some(super::fx_div(x.net_equity, x.maintenance)?);
    }
    Ok(r)
}

// ------------------------------------------------------------------ units

/// `x * owners / total` for a position: the share holders' part, rounded toward zero.
pub fn owners_position(position: i64, owners_units: u64, units_total: u64) -> MathResult<i64> {
    if units_total == 0 || owners_units == units_total {
        return Ok(position);
    }
    let mag = mul_div_u128_floor(
        position.unsigned_abs() as u128,
        owners_units as u128,
        units_total as u128,
    )?;
    let mag = i64::try_from(mag).map_err(|_| MathError::Overflow)?;
    if position < 0 {
        mag.checked_neg().ok_or(MathError::Overflow)
    } else {
        Ok(mag)
    }
}

/// The part of every position that `units` of `units_total` hold, rounded toward zero (what
/// settling a claim of `units` closes).
pub fn claim_position(position: i64, units: u64, units_total: u64) -> MathResult<i64> {
    if units_total == 0 {
        return Ok(0);
    }
    owners_position(position, units.min(units_total), units_total)
}

/// Value of `units` of `units_total` in an account worth `net_equity` (its equity less what
/// settled claims are owed), rounded down.
pub fn units_value_floor(net_equity: Fx, units: u64, units_total: u64) -> MathResult<Fx> {
    if units_total == 0 {
        return Ok(Fx::ZERO);
    }
    fx_mul_div_floor(net_equity, units as u128, units_total as u128)
}

/// Value of `units` of `units_total`, rounded up.
pub fn units_value_ceil(net_equity: Fx, units: u64, units_total: u64) -> MathResult<Fx> {
    if units_total == 0 {
        return Ok(Fx::ZERO);
    }
    fx_mul_div_ceil(net_equity, units as u128, units_total as u128)
}

/// `amount * units_total / net_equity` with a 256-bit intermediate, in the given direction.
fn units_for(amount: u64, units_total: u64, net_equity: Fx, ceil: bool) -> MathResult<u64> {
    let bits = u128::try_from(net_equity.to_bits()).map_err(|_| MathError::DivideByZero)?;
    if bits == 0 {
        return Err(MathError::DivideByZero);
    }
    // amount · total < 2^128 exactly; times 2^48 over the equity's bits.
    cu_meter::count(cu_meter::Op::Mul64);
    let num = (amount as u128)
        .checked_mul(units_total as u128)
        .ok_or(MathError::Overflow)?;
    let one = 1u128 << FX_FRAC_BITS;
    let u = if ceil {
        mul_div_u128_ceil(num, one, bits)?
    } else {
        mul_div_u128_floor(num, one, bits)?
    };
    u64::try_from(u).map_err(|_| MathError::Overflow)
}

/// Units minted for `amount` base units of new collateral: `amount × total / net_equity`,
/// rounded down; `per_base` units per base unit for the first deposit (no units yet).
pub fn units_for_deposit_floor(
    amount: u64,
    units_total: u64,
    net_equity: Fx,
    per_base: u64,
) -> MathResult<u64> {
    if units_total == 0 {
        return amount.checked_mul(per_base).ok_or(MathError::Overflow);
    }
    units_for(amount, units_total, net_equity, false)
}

/// Units burned for taking `amount` base units out, rounded up.
pub fn units_for_withdraw_ceil(amount: u64, units_total: u64, net_equity: Fx) -> MathResult<u64> {
    units_for(amount, units_total, net_equity, true)
}

// ------------------------------------------------------------------ one hedge trade

/// Why a hedge trade is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HedgeRefusal {
    /// The position is within the delta band of its target.
    NotNeeded,
    WrongDirection,
    Overshoot,
    /// Every unit of the margin account belongs to claims: trading it would move their value.
    ClaimsOnly,
    Math(MathError),
}

impl From<MathError> for HedgeRefusal {
    fn from(e: MathError) -> Self {
        Self::Math(e)
    }
}

/// One asset's hedge as the checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeInputs {
    pub spot_amount: u64,
    /// The margin account's position in the asset's market.
    pub position: i64,
    pub price: Fx,
    pub owners_units: u64,
    pub units_total: u64,
    pub hedge_ratio_bps: u16,
    pub delta_band_bps: u16,
    pub max_fee_bps: u16,
    /// The share holders' NAV (mid prices), base units.
    pub nav: u64,
}

/// What an accepted hedge trade starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeCheck {
    /// The account position whose owners' part hedges the spot holding.
    pub target: i64,
    /// Position − target, account units.
    pub error: i64,
    /// The share holders' mis-hedge in value: their part of the error × price.
    pub residual: Fx,
    /// Worst fill price the venue may give (price ± `max_fee_bps`).
    pub limit_price: Fx,
}

/// The account position (asset units, toward zero) whose owners' part hedges
/// `hedge_ratio_bps` of a spot holding: `−spot × ratio × units_total / owners_units`.
pub fn hedge_target(x: &HedgeInputs) -> Result<i64, HedgeRefusal> {
    let owners_target = super::mul_div_floor(x.spot_amount, x.hedge_ratio_bps as u64, BPS)?;
    let account = if x.units_total == 0 || x.owners_units == x.units_total {
        owners_target as u128
    } else if x.owners_units == 0 {
        return Err(HedgeRefusal::ClaimsOnly);
    } else {
        mul_div_u128_floor(
            owners_target as u128,
            x.units_total as u128,
            x.owners_units as u128,
        )?
    };
    let t = i64::try_from(account).map_err(|_| MathError::Overflow)?;
    Ok(t.checked_neg().ok_or(MathError::Overflow)?)
}

/// The position error and the share holders' residual value.
pub fn hedge_error(x: &HedgeInputs) -> Result<(i64, i64, Fx), HedgeRefusal> {
    let target = hedge_target(x)?;
    let error = x.position.checked_sub(target).ok_or(MathError::Overflow)?;
    let value = fx_mul(fx_from_int(error)?, x.price)?;
    let residual = if x.units_total == 0 {
        value
    } else {
        fx_mul_div_floor(value, x.owners_units as u128, x.units_total as u128)?
    };
    Ok((target, error, residual))
}

/// The band a residual must leave before a trade is needed: `delta_band_bps` of NAV.
fn band_value(x: &HedgeInputs) -> MathResult<Fx> {
    fx_from_int(super::mul_div_floor(x.nav, x.delta_band_bps as u64, BPS)?)
}

/// Checks a trade of `base_delta` units against the hedge target: needed (residual beyond the
/// band), in the right direction, no overshoot; returns the fill limit.
pub fn check_hedge(x: &HedgeInputs, base_delta: i64) -> Result<HedgeCheck, HedgeRefusal> {
    let (target, error, residual) = hedge_error(x)?;
    if residual.abs() <= band_value(x)? {
        return Err(HedgeRefusal::NotNeeded);
    }
    if base_delta == 0 || (base_delta > 0) != (error < 0) {
        return Err(HedgeRefusal::WrongDirection);
    }
    if base_delta.unsigned_abs() > error.unsigned_abs() {
        return Err(HedgeRefusal::Overshoot);
    }
    let slack = super::fx_bps(x.max_fee_bps as u64)?;
    let factor = if base_delta > 0 {
        fx_add(Fx::ONE, slack)?
    } else {
        fx_sub(Fx::ONE, slack)?
    };
    Ok(HedgeCheck {
        target,
        error,
        residual,
        limit_price: fx_mul(x.price, factor)?,
    })
}

/// A hedge trade: `base_delta` asset units (positive buys) in the asset's market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeTrade {
    pub asset: usize,
    pub base_delta: i64,
    /// Value of the share holders' mis-hedge it removes, base units (signed like the error).
    pub residual: Fx,
}

/// The asset whose residual is largest beyond its band, and the trade that reaches its target
/// exactly (it passes [`check_hedge`]). `None` when every asset is inside its band.
pub fn plan_hedge(assets: &[HedgeInputs]) -> Option<HedgeTrade> {
    let mut best: Option<HedgeTrade> = None;
    for (i, x) in assets.iter().enumerate() {
        let Ok((_, error, _)) = hedge_error(x) else {
            continue;
        };
        let base_delta = error.checked_neg()?;
        let Ok(check) = check_hedge(x, base_delta) else {
            continue;
        };
        if best.is_none_or(|b| check.residual.abs() > b.residual.abs()) {
            best = Some(HedgeTrade {
                asset: i,
                base_delta,
                residual: check.residual,
            });
        }
    }
    best
}

/// Tracking-cost saving of a hedge trade, `κ · (r_before² − r_after²) / NAV`, less its cost,
/// in base units (zero when negative). `κ = aversion_bps / 10000`.
pub fn hedge_saving(
    residual_before: Fx,
    residual_after: Fx,
    nav: u64,
    aversion_bps: u32,
    cost: Fx,
) -> MathResult<u64> {
    if nav == 0 {
        return Ok(0);
    }
    let whole = |v: Fx| -> MathResult<u128> {
        v.checked_abs()
            .and_then(|a| a.floor().checked_to_num::<u128>())
            .ok_or(MathError::Overflow)
    };
    let (before, after) = (whole(residual_before)?, whole(residual_after)?);
    if after >= before {
        return Ok(0);
    }
    // (b − a)(b + a) / NAV with a 256-bit intermediate: residuals can be 1e16 base units.
    let sum = before.checked_add(after).ok_or(MathError::Overflow)?;
    let diff = before.checked_sub(after).ok_or(MathError::Overflow)?;
    let reduced = mul_div_u128_floor(diff, sum, nav as u128)?;
    let saved = mul_div_u128_floor(reduced, aversion_bps as u128, BPS as u128)?;
    let cost = super::fx_floor_u64(cost.max(Fx::ZERO).ceil())? as u128;
    Ok(u64::try_from(saved.saturating_sub(cost)).unwrap_or(u64::MAX))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn fx(v: f64) -> Fx {
        Fx::from_num(v)
    }

    fn inputs(spot: u64, position: i64, price: f64) -> HedgeInputs {
        HedgeInputs {
            spot_amount: spot,
            position,
            price: fx(price),
            owners_units: 1_000,
            units_total: 1_000,
            hedge_ratio_bps: 10_000,
            delta_band_bps: 100,
            max_fee_bps: 50,
            nav: 10_000,
        }
    }

    #[test]
    fn hedged_vault_has_no_net_delta() {
        // 1,000 units at 2.0 and 500 at 4.0, both fully shorted; 1,000 base idle.
        let r = risk_report(&ReportInputs {
            spot_amounts: &[1_000, 500],
            prices: &[fx(2.0), fx(4.0)],
            idle_base: 1_000,
            owners_positions: &[-1_000, -500],
            owners_equity: fx(400.0),
            net_equity: fx(400.0),
            maintenance: fx(200.0),
            funding_pending: fx(-1.5),
        })
        .unwrap();
        assert_eq!(r.net_delta[0], Fx::ZERO);
        assert_eq!(r.portfolio_delta, Fx::ZERO);
        assert_eq!(r.gross_notional, fx(4_000.0));
        assert_eq!(r.nav, fx(1_000.0 + 4_000.0 + 400.0));
        assert_eq!(r.margin_ratio, Some(fx(2.0)));
        let assets = [inputs(1_000, -1_000, 2.0), inputs(500, -500, 4.0)];
        assert_eq!(plan_hedge(&assets), None);
    }

    #[test]
    fn plan_picks_the_largest_mis_hedge_outside_the_band() {
        // Asset 0 unhedged (2,000 of delta), asset 1 over-hedged by 100 units (400).
        let assets = [inputs(1_000, 0, 2.0), inputs(500, -600, 4.0)];
        let t = plan_hedge(&assets).unwrap();
        assert_eq!((t.asset, t.base_delta), (0, -1_000));
        let assets = [inputs(1_000, -1_000, 2.0), inputs(500, -600, 4.0)];
        let t = plan_hedge(&assets).unwrap();
        assert_eq!((t.asset, t.base_delta), (1, 100));
        // A band wider than the residual (400 of 10,000 NAV) leaves it alone.
        let mut wide = assets;
        wide[1].delta_band_bps = 500;
        assert_eq!(plan_hedge(&wide[1..]), None);
    }

    #[test]
    fn each_check_names_its_reason() {
        let x = inputs(1_000, 0, 2.0);
        assert_eq!(check_hedge(&x, 10), Err(HedgeRefusal::WrongDirection));
        assert_eq!(check_hedge(&x, 0), Err(HedgeRefusal::WrongDirection));
        assert_eq!(check_hedge(&x, -1_001), Err(HedgeRefusal::Overshoot));
        let c = check_hedge(&x, -1_000).unwrap();
        assert_eq!((c.target, c.error), (-1_000, 1_000));
        assert_eq!(c.limit_price, fx(2.0) * fx(0.995));
        assert_eq!(
            check_hedge(&inputs(1_000, -1_000, 2.0), -1),
            Err(HedgeRefusal::NotNeeded)
        );
    }

    #[test]
    fn claims_outstanding_scale_the_account_target() {
        // 90 % of the units are claims: the owners' 10 % of the account must hedge their spot.
        let mut x = inputs(100, -1_000, 2.0);
        x.owners_units = 100;
        x.units_total = 1_000;
        let (target, error, residual) = hedge_error(&x).unwrap();
        assert_eq!((target, error, residual), (-1_000, 0, Fx::ZERO));
        x.owners_units = 0;
        assert_eq!(hedge_target(&x), Err(HedgeRefusal::ClaimsOnly));
    }

    #[test]
    fn half_hedge_targets_half_the_holding() {
        let mut x = inputs(1_001, 0, 1.0);
        x.hedge_ratio_bps = 5_000;
        assert_eq!(hedge_target(&x).unwrap(), -500);
    }

    #[test]
    fn units_at_real_vault_sizes() {
        // 1e16 base units of equity split into 1e16 units; a claim of 9e15 units.
        let equity = fx_from_int(10_000_000_000_000_000u64).unwrap();
        let total = 10_000_000_000_000_000u64;
        let v = units_value_floor(equity, 9 * total / 10, total).unwrap();
        assert_eq!(v, fx_from_int(9_000_000_000_000_000u64).unwrap());
        let minted = units_for_deposit_floor(1_000_000, total, equity, 1).unwrap();
        assert_eq!(minted, 1_000_000);
        let burned = units_for_withdraw_ceil(1, 3, fx(2.0)).unwrap();
        assert_eq!(burned, 2, "1 of 2 equity is 1.5 units, rounded up");
        assert_eq!(
            units_for_withdraw_ceil(1, 3, Fx::ZERO),
            Err(MathError::DivideByZero)
        );
        assert_eq!(owners_position(-1_001, 1, 2).unwrap(), -500);
        assert_eq!(claim_position(i64::MIN + 1, 1, 1).unwrap(), i64::MIN + 1);
    }

    #[test]
    fn saving_uses_a_wide_intermediate() {
        // Residuals of 1e16 base units: their square is 1e32, far past I80F48.
        let big = fx_from_int(10_000_000_000_000_000u64).unwrap();
        let s = hedge_saving(big, Fx::ZERO, 100_000_000_000_000_000, 10_000, Fx::ZERO).unwrap();
        assert_eq!(s, 1_000_000_000_000_000);
        assert_eq!(hedge_saving(Fx::ZERO, big, 1, 10_000, Fx::ZERO).unwrap(), 0);
    }
}
