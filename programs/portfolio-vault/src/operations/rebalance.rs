//! Rebalancing decisions, in one place for the program, the keeper's planner and the tests:
//! the gate ([`gate`]), the portfolio a trade is judged on ([`portfolio`]), the limits of one
//! trade ([`limits`], rolling the notional cap, bounty cap and slippage budget), the post-trade
//! checks ([`check_fill`]) and the bounty ([`pay_bounty`]). Every refusal is a [`Refusal`],
//! which is both the program's error and the keeper's reason to wait.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::math::nav::PriceSide;
use crate::math::rebalance::{pair_tracking_cost, Portfolio, TradeError, TradeLimits};
use crate::math::{fx_floor_u64, fx_from_int, mul_div_floor, ratio_floor, value_floor, Fx};
use crate::pricing::PricedVault;
use crate::state::{BountyMasks, RebalanceParams, RebalanceState, RiskState, Vault, Venue};

/// Why no rebalancing trade can happen now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The rebalance gate is closed.
    Paused,
    /// No targets yet, targets computed for another asset list, or older than
    /// `max_targets_age_s`.
    TargetsStale,
    /// The cooldown ends at this unix time.
    Cooldown { ready_ts: i64 },
    /// The trade itself fails a check.
    Trade(TradeError),
}

impl From<TradeError> for Refusal {
    fn from(e: TradeError) -> Self {
        Self::Trade(e)
    }
}

impl From<crate::math::MathError> for Refusal {
    fn from(e: crate::math::MathError) -> Self {
        Self::Trade(TradeError::Math(e))
    }
}

impl From<TradeError> for anchor_lang::error::Error {
    fn from(e: TradeError) -> Self {
        match e {
            TradeError::InvalidPair => error!(VaultError::RebalanceInvalidPair),
            TradeError::InvalidAmount => error!(VaultError::RebalanceInvalidAmount),
            TradeError::NotNeeded => error!(VaultError::RebalanceNotNeeded),
            TradeError::WrongDirection => error!(VaultError::RebalanceWrongDirection),
            TradeError::Overshoot => error!(VaultError::RebalanceOvershoot),
            TradeError::CapExceeded => error!(VaultError::RebalanceNotionalCapExceeded),
            TradeError::TooSmall => error!(VaultError::RebalanceTradeTooSmall),
            TradeError::CostExceedsBenefit => error!(VaultError::RebalanceCostExceedsBenefit),
            TradeError::Math(m) => m.into(),
        }
    }
}

impl From<Refusal> for anchor_lang::error::Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Paused => error!(VaultError::InstructionPaused),
            Refusal::TargetsStale => error!(VaultError::RebalanceTargetsStale),
            Refusal::Cooldown { .. } => error!(VaultError::RebalanceCooldown),
            Refusal::Trade(e) => e.into(),
        }
    }
}

/// The gates before any trade: not paused, targets fresh and for this asset list, cooldown
/// over.
pub fn gate(vault: &Vault, risk: &RiskState, now: i64) -> core::result::Result<(), Refusal> {
    if vault.pause_flags & PAUSE_REBALANCE != 0 {
        return Err(Refusal::Paused);
    }
    let p = &vault.rebalance;
    let fresh = risk.num_assets == vault.num_assets
        && risk.targets_ts > 0
        && now <= risk.targets_ts.saturating_add(p.max_targets_age_s as i64);
    if !fresh {
        return Err(Refusal::TargetsStale);
    }
    let last = vault.rebalance_state.last_rebalance_ts;
    let ready_ts = last.saturating_add(p.cooldown_s as i64);
    if last != 0 && now < ready_ts {
        return Err(Refusal::Cooldown { ready_ts });
    }
    Ok(())
}

/// The portfolio a trade is judged on: holdings at mid prices against the stored targets,
/// the share holders' part of the margin account as cash no swap can move, and the base the
/// withdrawal queue is owed added to the cash target.
pub fn portfolio(
    vault: &Vault,
    risk: &RiskState,
    priced: &PricedVault,
) -> crate::math::MathResult<Portfolio> {
    let n = vault.num_assets as usize;
    let mut amounts = [0u64; MAX_ASSETS];
    let mut targets = [Fx::ZERO; MAX_ASSETS];
    for i in 0..n {
        amounts[i] = vault.assets[i].holdings;
        targets[i] = risk.target_weights[i].get();
    }
    let locked = priced.hedge.on(PriceSide::Mid).max(0).unsigned_abs();
    Portfolio::new(
        n,
        &amounts[..n],
        &priced.mids()[..n],
        &targets[..n],
        vault.idle_base,
        risk.target_cash.get(),
    )
    .with_locked_cash(locked)
    .reserving(vault.queue_owed)
}

/// Notional and slippage budget left after rolling the windows forward to `now`, and whether
/// a new cap interval started (bounty masks start afresh with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub cap_left: u64,
    pub budget_left: u64,
    pub rolled: bool,
}

/// Starts a new cap interval when the current one is over, drains the slippage budget
/// linearly to `now`, and returns what is left of both at this NAV.
pub fn roll_windows(
    state: &mut RebalanceState,
    params: &RebalanceParams,
    nav: u64,
    now: i64,
) -> Result<Allowance> {
    let rolled = now
        >= state
            .window_start_ts
            .saturating_add(params.cap_interval_s as i64);
    if rolled {
        state.window_start_ts = now;
        state.window_notional = 0;
        state.window_bounty = 0;
        state.bountied = BountyMasks::default();
    }
    let cap = mul_div_floor(nav, params.notional_cap_bps as u64, BPS_DENOMINATOR)?;
    let budget = mul_div_floor(nav, params.slippage_budget_bps as u64, BPS_DENOMINATOR)?;
    let elapsed = now.saturating_sub(state.slippage_ts).max(0).unsigned_abs();
    let drained = mul_div_floor(
        budget,
        elapsed.min(params.budget_period_s as u64),
        params.budget_period_s as u64,
    )?;
    state.slippage_used = state.slippage_used.saturating_sub(drained);
    state.slippage_ts = now;
    Ok(Allowance {
        cap_left: cap.saturating_sub(state.window_notional),
        budget_left: budget.saturating_sub(state.slippage_used),
        rolled,
    })
}

/// The limits of one trade through `venue` at this NAV, rolling `state`'s windows (the program
/// rolls the vault's own; a planner rolls a copy).
pub fn limits(
    state: &mut RebalanceState,
    params: &RebalanceParams,
    venue: &Venue,
    nav: u64,
    now: i64,
) -> Result<(TradeLimits, Allowance)> {
    let allowance = roll_windows(state, params, nav, now)?;
    let limits = TradeLimits::new(
        params.band_bps,
        params.min_trade_bps,
        params.tracking_aversion_bps,
        allowance.cap_left,
        venue.fee_bps,
        params.max_slippage_bps,
    )?;
    Ok((limits, allowance))
}

/// Portfolio slot of an asset index (`BASE_ASSET` is slot `n`).
pub fn slot_of(num_assets: u8, asset: u8) -> Result<usize> {
    if asset == BASE_ASSET {
        Ok(num_assets as usize)
    } else {
        require!(asset < num_assets, VaultError::RebalanceInvalidPair);
        Ok(asset as usize)
    }
}

/// Bit of a slot in the bounty masks (base = bit 16).
pub fn slot_bit(slot: usize, n: usize) -> u32 {
    if slot == n {
        1 << MAX_ASSETS
    } else {
        1u32.checked_shl(slot as u32).unwrap_or(0)
    }
}

/// What the venue actually did, measured from the vault's balances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub taken: u64,
    pub received: u64,
    /// Oracle-mid value lost (input value minus output value, at least zero), base units.
    pub loss: u64,
    /// Tracking-cost saving of the two slots, less the loss (at least zero), base units.
    pub net_saving: u64,
    pub nav_after: u64,
}

/// What the trade was approved for, and the balance changes the venue made.
#[derive(Clone, Copy, Debug)]
pub struct FillCheck {
    pub sell: usize,
    pub buy: usize,
    pub approved_in: u64,
    pub min_out: u64,
    pub taken: u64,
    pub received: u64,
    pub aversion_bps: u32,
    pub budget_left: u64,
}

/// Checks the fill against the approval and the minimum, that both weights moved toward their
/// targets without crossing them, and that the loss fits the slippage budget left.
pub fn check_fill(before: &Portfolio, f: &FillCheck) -> Result<Fill> {
    require!(
        f.taken <= f.approved_in,
        VaultError::RebalanceInputAboveApproved
    );
    require!(
        f.received >= f.min_out,
        VaultError::RebalanceOutputBelowMinimum
    );
    let after = before
        .after(f.sell, f.buy, f.taken, f.received)
        .ok_or(VaultError::MathOverflow)?;
    let d = after.deviations()?;
    require!(
        d[f.sell] >= Fx::ZERO && d[f.buy] <= Fx::ZERO,
        VaultError::RebalanceOvershoot
    );
    let value_in = value_floor(f.taken, before.prices[f.sell])?;
    let value_out = value_floor(f.received, before.prices[f.buy])?;
    let loss = value_in.saturating_sub(value_out);
    require!(
        loss <= f.budget_left,
        VaultError::RebalanceSlippageBudgetExceeded
    );
    let aversion = ratio_floor(f.aversion_bps as u64, BPS_DENOMINATOR)?;
    let saved = pair_tracking_cost(before, f.sell, f.buy, aversion)?
        .checked_sub(pair_tracking_cost(&after, f.sell, f.buy, aversion)?)
        .ok_or(VaultError::MathOverflow)?
        .saturating_sub(fx_from_int(loss)?);
    Ok(Fill {
        taken: f.taken,
        received: f.received,
        loss,
        net_saving: fx_floor_u64(saved)?,
        nav_after: after.nav()?,
    })
}

/// The bounty cap of one trade of `value` in a vault worth `nav`: `bounty_cap_per_call` for a
/// trade that moves `band` of NAV (a typical correction), in proportion to its size otherwise.
/// Linear in the size, so how a correction is split changes nothing: twenty small trades earn
/// what one trade of their total earns (the per-interval cap bounds both). A vault too small
/// for a band to be worth one base unit gets the plain per-call cap.
pub fn trade_bounty_cap(
    cap_per_call: u64,
    value: u64,
    nav: u64,
    band_bps: u16,
) -> crate::math::MathResult<u64> {
    let band_value = mul_div_floor(nav, band_bps as u64, BPS_DENOMINATOR)?;
    if band_value == 0 {
        return Ok(cap_per_call);
    }
    let cap = crate::math::wide::mul_div_u128_floor(
        cap_per_call as u128,
        value as u128,
        band_value as u128,
    )?;
    Ok(u64::try_from(cap).unwrap_or(u64::MAX))
}

/// One trade's bounty and what it records.
#[derive(Clone, Copy, Debug)]
pub struct BountyTerms {
    pub net_saving: u64,
    /// This trade's bounty cap ([`trade_bounty_cap`]).
    pub cap: u64,
    pub sold_bit: u32,
    pub bought_bit: u32,
    pub idle_base: u64,
}

/// `bounty_share_bps` of the net saving, capped by the trade's cap (scaled to its size), by what
/// is left of the interval's cap and by the idle base; nothing for a trade that reverses one
/// paid in this interval (per `masks`). Records the payment in `state` and `masks`.
pub fn pay_bounty(
    state: &mut RebalanceState,
    masks: &mut BountyMasks,
    params: &RebalanceParams,
    t: &BountyTerms,
) -> Result<u64> {
    if masks.reverses(t.sold_bit, t.bought_bit) {
        return Ok(0);
    }
    let bounty = mul_div_floor(
        t.net_saving,
        params.bounty_share_bps as u64,
        BPS_DENOMINATOR,
    )?
    .min(t.cap)
    .min(
        params
            .bounty_cap_per_interval
            .saturating_sub(state.window_bounty),
    )
    .min(t.idle_base);
    if bounty > 0 {
        masks.record(t.sold_bit, t.bought_bit);
        state.window_bounty = state
            .window_bounty
            .checked_add(bounty)
            .ok_or(VaultError::MathOverflow)?;
        state.total_bounty = state
            .total_bounty
            .checked_add(bounty)
            .ok_or(VaultError::MathOverflow)?;
    }
    Ok(bounty)
}

/// A checked swap as the vault records it.
#[derive(Clone, Copy, Debug)]
pub struct SwapRecord {
    pub sell: usize,
    pub buy: usize,
    /// Oracle-mid value of what was approved for sale, base units.
    pub value_in: u64,
    pub nav_before: u64,
    pub fill: Fill,
}

/// Records a checked swap: holdings, the notional window and slippage budget, the cooldown,
/// the flow it absorbed, and its bounty (taken out of the idle base and returned).
pub fn record_swap(vault: &mut Vault, r: &SwapRecord, now: i64) -> Result<u64> {
    let n = vault.num_assets as usize;
    let of = || error!(VaultError::MathOverflow);
    *vault.held_mut(r.sell) = vault
        .held(r.sell)
        .checked_sub(r.fill.taken)
        .ok_or_else(of)?;
    *vault.held_mut(r.buy) = vault
        .held(r.buy)
        .checked_add(r.fill.received)
        .ok_or_else(of)?;
    let st = &mut vault.rebalance_state;
    st.window_notional = st.window_notional.checked_add(r.value_in).ok_or_else(of)?;
    st.slippage_used = st.slippage_used.checked_add(r.fill.loss).ok_or_else(of)?;
    st.last_rebalance_ts = now;
    let sold_base = if r.sell == n { r.fill.taken } else { 0 };
    let bought_base = if r.buy == n { r.fill.received } else { 0 };
    super::flow::absorb(vault, sold_base, bought_base, now);
    let params = vault.rebalance;
    let terms = BountyTerms {
        net_saving: r.fill.net_saving,
        cap: trade_bounty_cap(
            params.bounty_cap_per_call,
            r.value_in,
            r.nav_before,
            params.band_bps,
        )?,
        sold_bit: slot_bit(r.sell, n),
        bought_bit: slot_bit(r.buy, n),
        idle_base: vault.idle_base,
    };
    let mut masks = vault.rebalance_state.bountied;
    let bounty = pay_bounty(&mut vault.rebalance_state, &mut masks, &params, &terms)?;
    vault.rebalance_state.bountied = masks;
    vault.debit_idle(bounty)?;
    Ok(bounty)
}
