//! Flows pay their own trading cost: an anti-dilution levy on deposits and withdrawals in base,
//! kept by the vault, sized to what investing or divesting the flow can cost the holders who
//! stay.
//!
//! A deposit must be invested and a withdrawal divested by rebalancing trades. Each such trade
//! may lose up to the venue fee plus `max_slippage_bps` of its value (a sandwich can take that
//! much: the program's minimum output allows it), and pays a bounty capped at
//! `bounty_cap_per_call` for a band-sized trade, scaled down for smaller ones. So the levy on
//! the part of a flow that needs trading is
//!
//! `levy = y × (max venue fee + max_slippage) + min(cap_per_call × y / (band × NAV'),
//!          bounty_share × κ × 2 y² / NAV')`
//!
//! where `y` is that part net of the cash buffer, `NAV'` the NAV after the flow, and the second
//! term bounds every bounty the trades that absorb the flow can earn (by the per-call cap scaled
//! to the trade's size, and by the bounty share of the tracking cost the flow adds). A keeper
//! who deposits, rebalances their own deposit for the bounty and withdraws therefore pays at
//! least what they collect, and the holders who stay never pay for someone else's flow.
//!
//! Flows net: `flow_unabsorbed` records deposits and withdrawals no trade has absorbed yet, and
//! the part of a new flow that offsets it needs no trade, so it pays no levy. Rebalancing trades
//! into or out of base absorb it. What is left one cap interval after the last flow lapses
//! ([`waiting`]): the part of a deposit the targets keep as cash is never traded, and must not
//! let a later withdrawal leave without paying for the trades it needs.

use crate::constants::*;
use crate::math::wide::mul_div_u128_ceil;
use crate::math::{mul_div_ceil, mul_div_floor, MathError, MathResult};
use crate::state::Vault;

/// A flow of base into (deposit) or out of (withdraw) the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    In(u64),
    Out(u64),
}

/// The levy on one flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowLevy {
    /// The part of the flow that does not offset earlier opposite flows (base units).
    pub levied_on: u64,
    /// Base units kept by the vault.
    pub levy: u64,
}

/// Flows still waiting to be traded at `now`: none once a cap interval has passed since the
/// last one.
pub fn waiting(vault: &Vault, now: i64) -> i64 {
    let window = i64::from(vault.rebalance.cap_interval_s);
    if now.saturating_sub(vault.flow_ts) < window {
        vault.flow_unabsorbed
    } else {
        0
    }
}

/// The part of `flow` not offset by the opposite flows still waiting to be traded.
pub fn unoffset(unabsorbed: i64, flow: Flow) -> u64 {
    match flow {
        Flow::In(a) => a.saturating_sub(unabsorbed.min(0).unsigned_abs()),
        Flow::Out(w) => w.saturating_sub(unabsorbed.max(0).unsigned_abs()),
    }
}

/// The levy on `flow` at `now` for a vault worth `nav_after` once the flow is done.
pub fn levy(vault: &Vault, flow: Flow, nav_after: u64, now: i64) -> MathResult<FlowLevy> {
    let levied_on = unoffset(waiting(vault, now), flow);
    let amount = match flow {
        Flow::In(a) | Flow::Out(a) => a,
    };
    let venue_fee = vault
        .venues
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| v.fee_bps as u64)
        .max();
    let (Some(venue_fee), true) = (venue_fee, vault.num_assets > 0 && nav_after > 0) else {
        // Nothing can trade: the flow causes no trading cost.
        return Ok(FlowLevy { levied_on, levy: 0 });
    };
    let r = &vault.rebalance;
    let invested = BPS_DENOMINATOR.saturating_sub(r.cash_buffer_bps as u64);
    let y = mul_div_floor(levied_on, invested, BPS_DENOMINATOR)?;
    let cost_bps = venue_fee
        .checked_add(r.max_slippage_bps as u64)
        .ok_or(MathError::Overflow)?;
    let cost = mul_div_ceil(y, cost_bps, BPS_DENOMINATOR)?;
    cu_meter::count_n(cu_meter::Op::Mul64, 4);
    let by_cap = mul_div_u128_ceil(
        (r.bounty_cap_per_call as u128)
            .checked_mul(BPS_DENOMINATOR as u128)
            .ok_or(MathError::Overflow)?,
        y as u128,
        (r.band_bps as u128)
            .checked_mul(nav_after as u128)
            .ok_or(MathError::Overflow)?,
    )?;
    // bounty_share × κ × 2 y² / NAV', with both rates in bps.
    let rate = (r.bounty_share_bps as u128)
        .checked_mul(r.tracking_aversion_bps as u128)
        .and_then(|v| v.checked_mul(2))
        .ok_or(MathError::Overflow)?;
    let by_saving = mul_div_u128_ceil(
        mul_div_u128_ceil(y as u128, y as u128, nav_after as u128)?,
        rate,
        (BPS_DENOMINATOR as u128).pow(2),
    )?;
    let bounty = u64::try_from(by_cap.min(by_saving)).map_err(|_| MathError::Overflow)?;
    let levy = cost
        .checked_add(bounty)
        .ok_or(MathError::Overflow)?
        .min(amount);
    Ok(FlowLevy { levied_on, levy })
}

/// Records `flow` at `now` as waiting to be traded.
pub fn record(vault: &mut Vault, flow: Flow, now: i64) -> MathResult<()> {
    let delta = match flow {
        Flow::In(a) => i64::try_from(a).map_err(|_| MathError::Overflow)?,
        Flow::Out(w) => i64::try_from(w)
            .map_err(|_| MathError::Overflow)?
            .checked_neg()
            .ok_or(MathError::Overflow)?,
    };
    vault.flow_unabsorbed = waiting(vault, now)
        .checked_add(delta)
        .ok_or(MathError::Overflow)?;
    vault.flow_ts = now;
    Ok(())
}

/// A trade that sold `sold_base` of base (investing) or bought `bought_base` (divesting)
/// absorbs that much of the waiting flow of the matching sign.
pub fn absorb(vault: &mut Vault, sold_base: u64, bought_base: u64, now: i64) {
    let f = waiting(vault, now);
    vault.flow_unabsorbed = if f > 0 {
        f.saturating_sub(i64::try_from(sold_base).unwrap_or(i64::MAX))
            .max(0)
    } else {
        f.saturating_add(i64::try_from(bought_base).unwrap_or(i64::MAX))
            .min(0)
    };
}

/// A redemption in kind of `shares` of `supply` takes its slice of everything, the waiting
/// flow's cash included: what remains to be traded shrinks by the same fraction.
pub fn scale_on_redeem(vault: &mut Vault, shares: u64, supply: u64) -> MathResult<()> {
    let keep = supply.saturating_sub(shares);
    let mag = mul_div_floor(vault.flow_unabsorbed.unsigned_abs(), keep, supply.max(1))?;
    let mag = i64::try_from(mag).map_err(|_| MathError::Overflow)?;
    vault.flow_unabsorbed = if vault.flow_unabsorbed < 0 {
        mag.checked_neg().ok_or(MathError::Overflow)?
    } else {
        mag
    };
    Ok(())
}
