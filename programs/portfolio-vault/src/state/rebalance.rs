//! Rebalancing parameters, the venue whitelist and the rolling limits of one vault. They live
//! inside the vault account (carved from its reserved tail).

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;

/// Limits every `rebalance_swap` must meet, each within hard bounds checked by
/// [`RebalanceParams::validate`].
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct RebalanceParams {
    /// Bounty cap of a trade that moves `band_bps` of NAV, in base units; a trade of another
    /// size has a cap in proportion (`operations::rebalance::trade_bounty_cap`).
    pub bounty_cap_per_call: u64,
    /// Largest bounty all calls of one cap interval earn together, in base units.
    pub bounty_cap_per_interval: u64,
    /// Length of the window the notional and bounty caps apply to.
    pub cap_interval_s: u32,
    /// The slippage budget refills linearly over this period.
    pub budget_period_s: u32,
    /// Shortest time between two rebalances.
    pub cooldown_s: u32,
    /// Oldest targets a rebalance may follow.
    pub max_targets_age_s: u32,
    /// Value of reducing squared weight deviation, as a multiple of NAV (10000 = 1).
    pub tracking_aversion_bps: u32,
    /// Longest a queued withdrawal should wait: after it, cancelling keeps no levy, so the
    /// holder can redeem in kind at no extra cost.
    pub max_withdraw_wait_s: u32,
    /// A weight this far from its target (either side) needs rebalancing.
    pub band_bps: u16,
    /// Output may fall this far below the oracle value, on top of the venue's fee.
    pub max_slippage_bps: u16,
    /// Smallest trade, as a share of NAV (unless the whole correction is smaller).
    pub min_trade_bps: u16,
    /// Largest notional traded per cap interval, as a share of NAV.
    pub notional_cap_bps: u16,
    /// Largest loss against oracle prices per budget period, as a share of NAV.
    pub slippage_budget_bps: u16,
    /// Largest share of the net saving of a trade paid as its bounty.
    pub bounty_share_bps: u16,
    /// Share of NAV every strategy holds in the base token (the buffer `withdraw` pays from).
    pub cash_buffer_bps: u16,
    pub _pad1: [u8; 2],
}

impl RebalanceParams {
    pub fn defaults(base_decimals: u8) -> Self {
        let unit = 10u64.saturating_pow(base_decimals as u32);
        Self {
            bounty_cap_per_call: DEFAULT_BOUNTY_CAP_PER_CALL_TOKENS.saturating_mul(unit),
            bounty_cap_per_interval: DEFAULT_BOUNTY_CAP_PER_INTERVAL_TOKENS.saturating_mul(unit),
            cap_interval_s: DEFAULT_CAP_INTERVAL_S,
            budget_period_s: DEFAULT_BUDGET_PERIOD_S,
            cooldown_s: DEFAULT_COOLDOWN_S,
            max_targets_age_s: DEFAULT_TARGETS_AGE_S,
            tracking_aversion_bps: DEFAULT_TRACKING_AVERSION_BPS,
            max_withdraw_wait_s: DEFAULT_WITHDRAW_WAIT_S,
            band_bps: DEFAULT_BAND_BPS,
            max_slippage_bps: DEFAULT_MAX_SLIPPAGE_BPS,
            min_trade_bps: DEFAULT_MIN_TRADE_BPS,
            notional_cap_bps: DEFAULT_NOTIONAL_CAP_BPS,
            slippage_budget_bps: DEFAULT_SLIPPAGE_BUDGET_BPS,
            bounty_share_bps: DEFAULT_BOUNTY_SHARE_BPS,
            cash_buffer_bps: 0,
            _pad1: [0; 2],
        }
    }

    pub fn validate(&self) -> Result<()> {
        let checks = [
            (
                (MIN_BAND_BPS..=MAX_BAND_BPS).contains(&self.band_bps),
                VaultError::ParamBandOutOfBounds,
            ),
            (
                (MIN_MAX_SLIPPAGE_BPS..=MAX_MAX_SLIPPAGE_BPS).contains(&self.max_slippage_bps),
                VaultError::ParamMaxSlippageOutOfBounds,
            ),
            (
                self.min_trade_bps <= MAX_MIN_TRADE_BPS,
                VaultError::ParamMinTradeOutOfBounds,
            ),
            (
                self.notional_cap_bps >= MIN_NOTIONAL_CAP_BPS
                    && self.notional_cap_bps as u64 <= BPS_DENOMINATOR,
                VaultError::ParamNotionalCapOutOfBounds,
            ),
            (
                (MIN_CAP_INTERVAL_S..=MAX_CAP_INTERVAL_S).contains(&self.cap_interval_s),
                VaultError::ParamCapIntervalOutOfBounds,
            ),
            (
                self.slippage_budget_bps <= MAX_SLIPPAGE_BUDGET_BPS,
                VaultError::ParamSlippageBudgetOutOfBounds,
            ),
            (
                (MIN_BUDGET_PERIOD_S..=MAX_BUDGET_PERIOD_S).contains(&self.budget_period_s),
                VaultError::ParamBudgetPeriodOutOfBounds,
            ),
            (
                self.cooldown_s <= MAX_COOLDOWN_S,
                VaultError::ParamCooldownOutOfBounds,
            ),
            (
                (MIN_TARGETS_AGE_S..=MAX_TARGETS_AGE_S).contains(&self.max_targets_age_s),
                VaultError::ParamTargetsAgeOutOfBounds,
            ),
            (
                (MIN_TRACKING_AVERSION_BPS..=MAX_TRACKING_AVERSION_BPS)
                    .contains(&self.tracking_aversion_bps),
                VaultError::ParamTrackingAversionOutOfBounds,
            ),
            (
                self.bounty_share_bps <= MAX_BOUNTY_SHARE_BPS,
                VaultError::ParamBountyShareOutOfBounds,
            ),
            (
                self.bounty_cap_per_call <= self.bounty_cap_per_interval,
                VaultError::ParamBountyCapsInvalid,
            ),
            (
                self.cash_buffer_bps <= MAX_CASH_BUFFER_BPS,
                VaultError::ParamCashBufferOutOfBounds,
            ),
            (
                (MIN_WITHDRAW_WAIT_S..=MAX_WITHDRAW_WAIT_S).contains(&self.max_withdraw_wait_s),
                VaultError::ParamWithdrawWaitOutOfBounds,
            ),
        ];
        for (ok, err) in checks {
            if !ok {
                return Err(err.into());
            }
        }
        Ok(())
    }

    /// True when `self` allows something `current` forbids in a limit a de-risking can
    /// tighten: a larger cap, budget, slippage or bounty, a shorter cooldown, interval or
    /// period, a smaller minimum trade or cash buffer.
    pub fn loosens(&self, current: &Self) -> bool {
        self.bounty_cap_per_call > current.bounty_cap_per_call
            || self.bounty_cap_per_interval > current.bounty_cap_per_interval
            || self.bounty_share_bps > current.bounty_share_bps
            || self.max_slippage_bps > current.max_slippage_bps
            || self.slippage_budget_bps > current.slippage_budget_bps
            || self.budget_period_s < current.budget_period_s
            || self.notional_cap_bps > current.notional_cap_bps
            || self.cap_interval_s < current.cap_interval_s
            || self.cooldown_s < current.cooldown_s
            || self.min_trade_bps < current.min_trade_bps
            || self.cash_buffer_bps < current.cash_buffer_bps
    }

    /// True when `self` allows nothing `current` forbids and keeps the band, target age and
    /// tracking aversion and the longest withdrawal wait (those trade risk against cost both
    /// ways, so they need the timelock).
    pub fn is_no_looser_than(&self, current: &Self) -> bool {
        !self.loosens(current)
            && self.band_bps == current.band_bps
            && self.max_targets_age_s == current.max_targets_age_s
            && self.tracking_aversion_bps == current.tracking_aversion_bps
            && self.max_withdraw_wait_s == current.max_withdraw_wait_s
    }
}

/// A whitelisted swap venue. An all-zero entry is an empty slot.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct Venue {
    pub program_id: Pubkey,
    /// Fee the venue charges, in bps; part of the minimum output and of the cost estimate.
    pub fee_bps: u16,
    /// `VENUE_KIND_AMM` or `VENUE_KIND_ROUTE`.
    pub kind: u8,
    pub _pad: [u8; 5],
}

impl Venue {
    pub fn is_empty(&self) -> bool {
        self.program_id == Pubkey::default()
    }

    pub fn validate(&self) -> Result<()> {
        require!(
            self.kind == VENUE_KIND_AMM || self.kind == VENUE_KIND_ROUTE,
            VaultError::ParamVenueKindUnknown
        );
        require!(
            self.fee_bps <= MAX_VENUE_FEE_BPS,
            VaultError::ParamVenueFeeTooHigh
        );
        let forbidden = [
            Pubkey::default(),
            crate::ID,
            anchor_spl::token::ID,
            anchor_spl::token_2022::ID,
            anchor_lang::system_program::ID,
        ];
        require!(
            !forbidden.contains(&self.program_id),
            VaultError::ParamVenueProgramInvalid
        );
        Ok(())
    }
}

/// Rolling windows of the rebalancing limits.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct RebalanceState {
    pub last_rebalance_ts: i64,
    /// Start of the current cap interval.
    pub window_start_ts: i64,
    /// Notional traded in the current cap interval, base units at oracle mid prices.
    pub window_notional: u64,
    /// Bounty paid in the current cap interval.
    pub window_bounty: u64,
    /// Slippage budget used, as of `slippage_ts`; it drains linearly over `budget_period_s`.
    pub slippage_used: u64,
    pub slippage_ts: i64,
    /// Bounty paid since the vault was created.
    pub total_bounty: u64,
    /// What swaps that earned a bounty in the current cap interval sold and bought.
    pub bountied: BountyMasks,
}

/// Bit `i` (asset `i`, bit 16 = base): sold, resp. bought, by a trade that earned a bounty in
/// the current cap interval. Selling what was bought for a bounty (or the reverse) earns none:
/// round trips pay once at most. Swaps and hedges each keep one.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BountyMasks {
    pub sold: u32,
    pub bought: u32,
}

impl BountyMasks {
    /// The trade selling `sold_bit` for `bought_bit` undoes one that earned a bounty.
    pub fn reverses(&self, sold_bit: u32, bought_bit: u32) -> bool {
        self.bought & sold_bit != 0 || self.sold & bought_bit != 0
    }

    pub fn record(&mut self, sold_bit: u32, bought_bit: u32) {
        self.sold |= sold_bit;
        self.bought |= bought_bit;
    }
}
