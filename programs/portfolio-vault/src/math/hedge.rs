//! Delta-hedging math shared by the program, the keeper, the CLI and the simulator: the risk
//! report of a vault that holds spot assets and a perp account (per-asset and portfolio delta,
//! gross notional, leverage, margin ratio, pending funding), and the hedge trade that brings
//! the asset furthest from its hedge back to it. Deltas are base units at the given prices;
//! positions are asset units (negative = short).

use super::linalg::N;
use super::{Fx, MathError, MathResult};

/// The hedge view of a vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskReport {
    pub n: usize,
    /// Spot holding × price.
    pub spot_delta: [Fx; N],
    /// Perp position × price.
    pub perp_delta: [Fx; N],
    /// Spot plus perp delta.
    pub net_delta: [Fx; N],
    /// Σ net delta.
    pub portfolio_delta: Fx,
    /// Σ |perp delta|.
    pub gross_notional: Fx,
    /// Idle base + spot value + perp equity.
    pub nav: Fx,
    /// Gross notional / NAV.
    pub leverage: Fx,
    /// Perp equity / maintenance requirement; `None` without positions.
    pub margin_ratio: Option<Fx>,
    /// Funding the perp account owes and has not settled (negative: it is owed).
    pub funding_pending: Fx,
}

/// Builds the report from spot holdings and prices, the idle base, perp positions and the
/// perp account's equity, maintenance requirement and pending funding.
#[allow(clippy::too_many_arguments)]
pub fn risk_report(
    spot_amounts: &[u64],
    prices: &[Fx],
    idle_base: u64,
    perp_base: &[i64],
    perp_equity: Fx,
    maintenance: Fx,
    funding_pending: Fx,
) -> MathResult<RiskReport> {
    let n = spot_amounts.len();
    if n > N || prices.len() != n || perp_base.len() != n {
        return Err(MathError::Overflow);
    }
    let mut r = RiskReport {
        n,
        spot_delta: [Fx::ZERO; N],
        perp_delta: [Fx::ZERO; N],
        net_delta: [Fx::ZERO; N],
        portfolio_delta: Fx::ZERO,
        gross_notional: Fx::ZERO,
        nav: Fx::checked_from_num(idle_base).ok_or(MathError::Overflow)?,
        leverage: Fx::ZERO,
        margin_ratio: None,
        funding_pending,
    };
    let of = |x: Option<Fx>| x.ok_or(MathError::Overflow);
    for i in 0..n {
        let spot =
            of(Fx::checked_from_num(spot_amounts[i]).and_then(|a| a.checked_mul(prices[i])))?;
        let perp = of(Fx::checked_from_num(perp_base[i]).and_then(|b| b.checked_mul(prices[i])))?;
        r.spot_delta[i] = spot;
        r.perp_delta[i] = perp;
        r.net_delta[i] = of(spot.checked_add(perp))?;
        r.portfolio_delta = of(r.portfolio_delta.checked_add(r.net_delta[i]))?;
        r.gross_notional = of(r.gross_notional.checked_add(perp.abs()))?;
        r.nav = of(r.nav.checked_add(spot))?;
    }
    r.nav = of(r.nav.checked_add(perp_equity))?;
    if r.nav <= Fx::ZERO {
        return Err(MathError::DivideByZero);
    }
    r.leverage = of(r.gross_notional.checked_div(r.nav))?;
    if maintenance > Fx::ZERO {
        r.margin_ratio = Some(of(perp_equity.checked_div(maintenance))?);
    }
    Ok(r)
}

/// The perp position (asset units, rounded toward zero) that hedges `hedge_ratio` of a spot
/// holding: `-spot × ratio`.
pub fn hedge_target(spot_amount: u64, hedge_ratio: Fx) -> MathResult<i64> {
    let t = Fx::checked_from_num(spot_amount)
        .and_then(|a| a.checked_mul(hedge_ratio))
        .ok_or(MathError::Overflow)?;
    let units: i64 = t.floor().checked_to_num().ok_or(MathError::Overflow)?;
    Ok(-units)
}

/// A hedge trade: `base_delta` asset units (positive buys) in the asset's market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeTrade {
    pub asset: usize,
    pub base_delta: i64,
    /// Value of the mis-hedge it removes, base units (signed like the position error).
    pub residual: Fx,
}

/// The asset whose position is furthest from its hedge target, when that distance (in value)
/// exceeds `band` × NAV, and the trade that reaches the target exactly. `None` when every
/// asset is inside its band.
pub fn plan_hedge(
    report: &RiskReport,
    spot_amounts: &[u64],
    prices: &[Fx],
    perp_base: &[i64],
    hedge_ratio: Fx,
    band: Fx,
) -> MathResult<Option<HedgeTrade>> {
    let limit = report.nav.checked_mul(band).ok_or(MathError::Overflow)?;
    let mut best: Option<HedgeTrade> = None;
    for i in 0..report.n {
        let target = hedge_target(spot_amounts[i], hedge_ratio)?;
        let error = perp_base[i]
            .checked_sub(target)
            .ok_or(MathError::Overflow)?;
        let residual = Fx::checked_from_num(error)
            .and_then(|e| e.checked_mul(prices[i]))
            .ok_or(MathError::Overflow)?;
        let worse = best.is_none_or(|b| residual.abs() > b.residual.abs());
        if residual.abs() > limit && worse {
            best = Some(HedgeTrade {
                asset: i,
                base_delta: -error,
                residual,
            });
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(v: f64) -> Fx {
        Fx::from_num(v)
    }

    #[test]
    fn hedged_vault_has_no_net_delta() {
        // 1,000 units at 2.0 and 500 at 4.0, both fully shorted; 1,000 base idle.
        let spot = [1_000u64, 500];
        let prices = [fx(2.0), fx(4.0)];
        let perp = [-1_000i64, -500];
        let r = risk_report(&spot, &prices, 1_000, &perp, fx(400.0), fx(200.0), fx(-1.5)).unwrap();
        assert_eq!(r.net_delta[0], Fx::ZERO);
        assert_eq!(r.portfolio_delta, Fx::ZERO);
        assert_eq!(r.gross_notional, fx(4_000.0));
        assert_eq!(r.nav, fx(1_000.0 + 4_000.0 + 400.0));
        assert_eq!(r.leverage, fx(4_000.0) / fx(5_400.0));
        assert_eq!(r.margin_ratio, Some(fx(2.0)));
        assert_eq!(r.funding_pending, fx(-1.5));
        let plan = plan_hedge(&r, &spot, &prices, &perp, Fx::ONE, fx(0.01)).unwrap();
        assert_eq!(plan, None);
    }

    #[test]
    fn plan_picks_the_largest_mis_hedge_outside_the_band() {
        let spot = [1_000u64, 500];
        let prices = [fx(2.0), fx(4.0)];
        // Asset 0 unhedged (2,000 of delta), asset 1 over-hedged by 100 units (400).
        let perp = [0i64, -600];
        let r = risk_report(
            &spot,
            &prices,
            1_000,
            &perp,
            fx(1_000.0),
            fx(100.0),
            Fx::ZERO,
        )
        .unwrap();
        let t = plan_hedge(&r, &spot, &prices, &perp, Fx::ONE, fx(0.01))
            .unwrap()
            .unwrap();
        assert_eq!((t.asset, t.base_delta), (0, -1_000));
        let after = [-1_000i64, -600];
        let r = risk_report(
            &spot,
            &prices,
            1_000,
            &after,
            fx(1_000.0),
            fx(100.0),
            Fx::ZERO,
        )
        .unwrap();
        let t = plan_hedge(&r, &spot, &prices, &after, Fx::ONE, fx(0.01))
            .unwrap()
            .unwrap();
        assert_eq!((t.asset, t.base_delta), (1, 100));
        // A band wider than the residual (400 of 6,000 NAV) leaves it alone.
        assert_eq!(
            plan_hedge(&r, &spot, &prices, &after, Fx::ONE, fx(0.1)).unwrap(),
            None
        );
    }

    #[test]
    fn half_hedge_targets_half_the_holding() {
        assert_eq!(hedge_target(1_001, fx(0.5)).unwrap(), -500);
        assert_eq!(hedge_target(0, Fx::ONE).unwrap(), 0);
    }

    #[test]
    fn negative_nav_is_an_error_not_a_ratio() {
        let r = risk_report(&[0], &[Fx::ONE], 0, &[-10], fx(-5.0), fx(1.0), Fx::ZERO);
        assert_eq!(r, Err(MathError::DivideByZero));
    }
}
