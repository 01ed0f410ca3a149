//! One event per state change, with the before/after values and prices a reader needs to
//! audit it. Prices are raw I80F48 bits in base units per asset unit, in asset order.

use anchor_lang::prelude::*;

use crate::constants::MAX_ASSETS;
use crate::state::{DeriskAction, ParamChange, RiskParamsArgs};

#[event]
pub struct VaultInitialized {
    pub vault: Pubkey,
    pub admin: Pubkey,
    pub base_mint: Pubkey,
    pub share_mint: Pubkey,
    pub fee_recipient: Pubkey,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    pub initial_deposit: u64,
    pub dead_shares: u64,
}

#[event]
pub struct AssetAdded {
    pub vault: Pubkey,
    pub index: u8,
    pub mint: Pubkey,
    pub token_account: Pubkey,
    pub oracle_kind: u8,
    pub oracle_id: [u8; 32],
    pub max_age_s: u32,
    pub max_conf_bps: u16,
    pub max_ema_dev_bps: u16,
    pub min_weight_bps: u16,
    pub max_weight_bps: u16,
}

#[event]
pub struct Deposited {
    pub vault: Pubkey,
    pub user: Pubkey,
    pub amount: u64,
    /// The anti-dilution levy kept by the vault (shares priced on `amount - levy`).
    pub levy: u64,
    pub shares_minted: u64,
    /// NAV at the high side of every band, before the deposit.
    pub nav_before: u64,
    pub nav_after: u64,
    pub supply_before: u64,
    pub supply_after: u64,
    pub idle_before: u64,
    pub idle_after: u64,
    pub management_fee_shares_accrued: u64,
    pub prices_high: [i128; MAX_ASSETS],
}

#[event]
pub struct Withdrawn {
    pub vault: Pubkey,
    pub user: Pubkey,
    pub shares_burned: u64,
    /// Base units paid (the shares' value less the levy).
    pub amount: u64,
    /// The anti-dilution levy kept by the vault.
    pub levy: u64,
    /// NAV at the low side of every band, before the withdrawal.
    pub nav_before: u64,
    pub nav_after: u64,
    pub supply_before: u64,
    pub supply_after: u64,
    pub idle_before: u64,
    pub idle_after: u64,
    pub management_fee_shares_accrued: u64,
    pub prices_low: [i128; MAX_ASSETS],
}

#[event]
pub struct RedeemedInKind {
    pub vault: Pubkey,
    pub user: Pubkey,
    pub shares_burned: u64,
    pub supply_before: u64,
    pub supply_after: u64,
    pub base_paid: u64,
    /// Units paid per asset, in asset order.
    pub assets_paid: [u64; MAX_ASSETS],
    pub management_fee_shares_accrued: u64,
}

#[event]
pub struct FeesAccrued {
    pub vault: Pubkey,
    pub fee_recipient_shares: Pubkey,
    pub management_fee_shares: u64,
    pub performance_fee_shares: u64,
    pub shares_minted: u64,
    pub nav_low: u64,
    pub supply_before: u64,
    pub supply_after: u64,
    pub hwm_before: i128,
    pub hwm_after: i128,
    /// NAV per share (low side) now and its time-weighted average (the fee's base), I80F48 bits.
    pub pps_now: i128,
    pub pps_smoothed: i128,
    pub elapsed_s: u64,
    pub prices_low: [i128; MAX_ASSETS],
}

#[event]
pub struct PauseFlagsSet {
    pub vault: Pubkey,
    pub by: Pubkey,
    pub flags_before: u8,
    pub flags_after: u8,
}

#[event]
pub struct SurplusSwept {
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub from: Pubkey,
    pub to: Pubkey,
    pub accounted: u64,
    pub balance_before: u64,
    pub amount: u64,
}

#[event]
pub struct RiskInitialized {
    pub vault: Pubkey,
    pub params: RiskParamsArgs,
}

#[event]
pub struct RiskUpdated {
    pub vault: Pubkey,
    /// The first call only records prices; returns start with the second.
    pub first_observation: bool,
    pub sample_count: u32,
    pub regime_before: bool,
    pub regime_after: bool,
    /// Returns since the previous sample, in bps (I80F48 bits), asset order.
    pub returns_bps: [i128; MAX_ASSETS],
    /// Validated mid prices used (I80F48 bits, base units per asset unit).
    pub prices_mid: [i128; MAX_ASSETS],
}

#[event]
pub struct TargetsComputed {
    pub vault: Pubkey,
    /// Strategy used (0 fixed while warming up).
    pub strategy: u8,
    pub warm_up: bool,
    pub high_vol_regime: bool,
    /// Target weights (I80F48 bits), asset order.
    pub weights: [i128; MAX_ASSETS],
    pub cash: i128,
    pub vol_bps_per_period: i128,
    pub iterations: u32,
}

/// `compute_targets` ran out of its budget mid-solve: the solve continues on the next call and
/// the stored targets stay in force.
#[event]
pub struct TargetsSolveContinues {
    pub vault: Pubkey,
    pub strategy: u8,
    /// Iterations so far of this solve.
    pub iterations: u32,
}

#[event]
pub struct ProposalCreated {
    pub vault: Pubkey,
    pub id: u64,
    pub change: ParamChange,
    pub eta_ts: i64,
    pub expiry_ts: i64,
}

#[event]
pub struct ProposalCancelled {
    pub vault: Pubkey,
    pub id: u64,
    pub by: Pubkey,
}

#[event]
pub struct ProposalApplied {
    pub vault: Pubkey,
    pub id: u64,
    pub change: ParamChange,
}

#[event]
pub struct Derisked {
    pub vault: Pubkey,
    pub by: Pubkey,
    pub action: DeriskAction,
    pub pause_flags_before: u8,
    pub pause_flags_after: u8,
    pub deposit_cap_before: u64,
    pub deposit_cap_after: u64,
}

#[event]
pub struct AdminAccepted {
    pub vault: Pubkey,
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
}

/// One accepted `rebalance_swap`. Values are base units at the oracle mid prices.
#[event]
pub struct RebalanceSwapped {
    pub vault: Pubkey,
    pub keeper: Pubkey,
    pub venue_program: Pubkey,
    /// Asset indices (255 = base).
    pub sell: u8,
    pub buy: u8,
    pub amount_in_approved: u64,
    pub amount_in: u64,
    pub amount_out: u64,
    pub min_amount_out: u64,
    pub value_in: u64,
    pub loss: u64,
    pub expected_saving: u64,
    pub net_saving: u64,
    pub bounty: u64,
    pub nav_before: u64,
    pub nav_after: u64,
    pub window_notional: u64,
    pub slippage_used: u64,
    /// Deposits (positive) or withdrawals (negative) still waiting to be traded after this one.
    pub flow_unabsorbed: i64,
    pub prices_mid: [i128; MAX_ASSETS],
}

#[event]
pub struct HedgeOpened {
    pub vault: Pubkey,
    pub program_id: Pubkey,
    pub exchange: Pubkey,
    pub margin_account: Pubkey,
}

/// Collateral moved between the idle buffer and the margin account.
#[event]
pub struct CollateralMoved {
    pub vault: Pubkey,
    pub keeper: Pubkey,
    pub to_venue: bool,
    pub amount: u64,
    pub units_minted: u64,
    pub units_burned: u64,
    pub units_total: u64,
    /// Equity of the margin account at mid prices before the move, I80F48 bits.
    pub equity_before: i128,
    pub idle_after: u64,
}

/// One accepted `rebalance_hedge`. Values are base units at mid prices (I80F48 bits).
#[event]
pub struct HedgeRebalanced {
    pub vault: Pubkey,
    pub keeper: Pubkey,
    pub asset: u8,
    pub base_delta: i64,
    pub position_after: i64,
    pub residual_before: i128,
    pub residual_after: i128,
    pub cost: i128,
    pub leverage_after: i128,
    pub margin_ratio_after: i128,
    pub bounty: u64,
}

/// A redemption in kind recorded a claim on the margin account.
#[event]
pub struct HedgeClaimRecorded {
    pub vault: Pubkey,
    pub owner: Pubkey,
    pub units: u64,
    pub claim_units_after: u64,
    pub units_claimed_after: u64,
}

#[event]
pub struct HedgeClaimSettled {
    pub vault: Pubkey,
    pub owner: Pubkey,
    pub paid: u64,
    pub units_burned: u64,
    /// Value of the units settled now, base units (zero for a claim already settled).
    pub value: u64,
    /// Still owed to the claimant after this payment.
    pub owed_after: u64,
}

#[event]
pub struct WithdrawRequested {
    pub vault: Pubkey,
    pub owner: Pubkey,
    pub request: Pubkey,
    pub id: u64,
    pub receiver: Pubkey,
    pub shares: u64,
    /// Most the request will be paid: its value now less the levy.
    pub owed: u64,
    /// Its value now (low side), before the levy.
    pub gross: u64,
    pub levy: u64,
    pub nav_before: u64,
    pub supply_before: u64,
    pub queue_owed_after: u64,
    pub management_fee_shares_accrued: u64,
    pub prices_low: [i128; MAX_ASSETS],
}

#[event]
pub struct WithdrawFilled {
    pub vault: Pubkey,
    pub request: Pubkey,
    pub id: u64,
    pub shares_burned: u64,
    /// Base units moved from the idle base to the request's payable.
    pub paid: u64,
    pub owed_released: u64,
    /// What the whole request would have been paid now.
    pub full: u64,
    pub nav_before: u64,
    pub supply_before: u64,
    pub supply_after: u64,
    pub idle_before: u64,
    pub idle_after: u64,
    pub queue_head_after: u64,
    pub management_fee_shares_accrued: u64,
    pub prices_low: [i128; MAX_ASSETS],
}

#[event]
pub struct WithdrawClaimed {
    pub vault: Pubkey,
    pub request: Pubkey,
    pub id: u64,
    pub receiver: Pubkey,
    pub amount: u64,
    /// The request was done and its account closed.
    pub closed: bool,
}

#[event]
pub struct WithdrawCancelled {
    pub vault: Pubkey,
    pub request: Pubkey,
    pub id: u64,
    pub owner: Pubkey,
    pub shares_returned: u64,
    /// The levy kept, as escrowed shares burned.
    pub shares_burned: u64,
    pub owed_released: u64,
    /// The longest wait had passed (nothing kept).
    pub late: bool,
}
