//! Rebalancing transitions: the rolling windows (notional cap, bounty cap, slippage budget),
//! the mapping of trade refusals onto errors, the post-trade checks and the bounty.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::math::rebalance::{pair_tracking_cost, Portfolio, TradeError};
use crate::math::{mul_div_floor, ratio_floor, value_floor, Fx};
use crate::state::{RebalanceParams, RebalanceState};

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
fn slot_bit(slot: usize, n: usize) -> u32 {
    if slot == n {
        1 << MAX_ASSETS
    } else {
        1 << slot
    }
}

/// Notional and slippage budget left after rolling the windows forward to `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub cap_left: u64,
    pub budget_left: u64,
}

/// Starts a new cap interval when the current one is over, drains the slippage budget
/// linearly to `now`, and returns what is left of both at this NAV.
pub fn roll_windows(
    state: &mut RebalanceState,
    params: &RebalanceParams,
    nav: u64,
    now: i64,
) -> Result<Allowance> {
    if now
        >= state
            .window_start_ts
            .saturating_add(params.cap_interval_s as i64)
    {
        state.window_start_ts = now;
        state.window_notional = 0;
        state.window_bounty = 0;
        state.bountied_sold = 0;
        state.bountied_bought = 0;
    }
    let cap = mul_div_floor(nav, params.notional_cap_bps as u64, BPS_DENOMINATOR)?;
    let budget = mul_div_floor(nav, params.slippage_budget_bps as u64, BPS_DENOMINATOR)?;
    let elapsed = now.saturating_sub(state.slippage_ts).max(0) as u64;
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
    })
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

/// Checks the fill against the approval and the minimum, that both weights moved toward their
/// targets without crossing them, and that the loss fits the slippage budget left.
#[allow(clippy::too_many_arguments)]
pub fn check_fill(
    before: &Portfolio,
    sell: usize,
    buy: usize,
    approved_in: u64,
    min_out: u64,
    taken: u64,
    received: u64,
    aversion_bps: u32,
    budget_left: u64,
) -> Result<(Portfolio, Fill)> {
    require!(
        taken <= approved_in,
        VaultError::RebalanceInputAboveApproved
    );
    require!(received >= min_out, VaultError::RebalanceOutputBelowMinimum);
    let after = before
        .after(sell, buy, taken, received)
        .ok_or(VaultError::MathOverflow)?;
    let d = after.deviations()?;
    require!(
        d[sell] >= Fx::ZERO && d[buy] <= Fx::ZERO,
        VaultError::RebalanceOvershoot
    );
    let value_in = value_floor(taken, before.prices[sell])?;
    let value_out = value_floor(received, before.prices[buy])?;
    let loss = value_in.saturating_sub(value_out);
    require!(
        loss <= budget_left,
        VaultError::RebalanceSlippageBudgetExceeded
    );
    let aversion = ratio_floor(aversion_bps as u64, BPS_DENOMINATOR)?;
    let saved = pair_tracking_cost(before, sell, buy, aversion)?
        .checked_sub(pair_tracking_cost(&after, sell, buy, aversion)?)
        .ok_or(VaultError::MathOverflow)?
        .saturating_sub(Fx::checked_from_num(loss).ok_or(VaultError::MathOverflow)?);
    let net_saving = if saved > Fx::ZERO {
        saved
            .floor()
            .checked_to_num::<u64>()
            .ok_or(VaultError::MathOverflow)?
    } else {
        0
    };
    Ok((
        after,
        Fill {
            taken,
            received,
            loss,
            net_saving,
            nav_after: after.nav()?,
        },
    ))
}

/// The bounty of one accepted trade: `bounty_share_bps` of its net saving, capped per call, by
/// what is left of the interval's cap and by the idle base; nothing for a trade that reverses
/// one already paid in this interval. Records the payment in `state`.
pub fn take_bounty(
    state: &mut RebalanceState,
    params: &RebalanceParams,
    n: usize,
    sell: usize,
    buy: usize,
    net_saving: u64,
    idle_base: u64,
) -> Result<u64> {
    let (sell_bit, buy_bit) = (slot_bit(sell, n), slot_bit(buy, n));
    let reverses_paid_trade =
        state.bountied_bought & sell_bit != 0 || state.bountied_sold & buy_bit != 0;
    let bounty = pay_bounty(state, params, net_saving, idle_base, reverses_paid_trade)?;
    if bounty > 0 {
        state.bountied_sold |= sell_bit;
        state.bountied_bought |= buy_bit;
    }
    Ok(bounty)
}

/// `bounty_share_bps` of `net_saving`, capped per call, by what is left of the interval's cap
/// and by the idle base; nothing when `reverses_paid_trade`. Records the payment in `state`.
pub fn pay_bounty(
    state: &mut RebalanceState,
    params: &RebalanceParams,
    net_saving: u64,
    idle_base: u64,
    reverses_paid_trade: bool,
) -> Result<u64> {
    if reverses_paid_trade {
        return Ok(0);
    }
    let bounty = mul_div_floor(net_saving, params.bounty_share_bps as u64, BPS_DENOMINATOR)?
        .min(params.bounty_cap_per_call)
        .min(
            params
                .bounty_cap_per_interval
                .saturating_sub(state.window_bounty),
        )
        .min(idle_base);
    if bounty > 0 {
        state.window_bounty += bounty;
        state.total_bounty = state
            .total_bounty
            .checked_add(bounty)
            .ok_or(VaultError::MathOverflow)?;
    }
    Ok(bounty)
}
