//! Seeds, hard bounds and fixed limits. Every PDA seed is a named constant here.

use anchor_lang::prelude::*;

pub const VAULT_SEED: &[u8] = b"vault";
pub const AUTHORITY_SEED: &[u8] = b"authority";
pub const SHARE_MINT_SEED: &[u8] = b"shares";
pub const VAULT_TOKEN_SEED: &[u8] = b"vault_token";
pub const DEAD_SHARES_SEED: &[u8] = b"dead_shares";
/// Owner of the dead-share token account. No instruction ever signs with these seeds.
pub const DEAD_OWNER_SEED: &[u8] = b"dead_owner";

pub const RISK_SEED: &[u8] = b"risk";
pub const PROPOSAL_SEED: &[u8] = b"proposal";

/// Governance timelock bounds and the window in which a matured proposal can be applied.
pub const MIN_TIMELOCK_S: u32 = 24 * 60 * 60;
pub const MAX_TIMELOCK_S: u32 = 30 * 24 * 60 * 60;
pub const PROPOSAL_GRACE_S: i64 = 7 * 24 * 60 * 60;

/// Layout version of [`crate::state::Vault`]; bumped by any migration.
pub const VAULT_VERSION: u8 = 1;

/// Most assets a vault can hold besides its base token.
pub const MAX_ASSETS: usize = 16;

pub const BPS_DENOMINATOR: u64 = 10_000;
pub const SECONDS_PER_YEAR: u64 = 365 * 24 * 60 * 60;

/// Time constant of the time-weighted NAV per share the performance fee is charged on: a gain
/// counts in full only once it has lasted several times this long.
pub const PERFORMANCE_SMOOTHING_S: u64 = 7 * 24 * 60 * 60;

/// Hard caps on fees; governance can never set more.
pub const MAX_MANAGEMENT_FEE_BPS: u16 = 500;
pub const MAX_PERFORMANCE_FEE_BPS: u16 = 5_000;

/// The creator's first deposit is locked as dead shares; it must be at least this many base
/// units (and at least `min_deposit`) so the first real depositor meets a non-trivial supply.
pub const MIN_INITIAL_DEPOSIT: u64 = 1_000;

/// Oracle limits an asset may be configured with.
pub const MIN_ORACLE_MAX_AGE_S: u32 = 1;
pub const MAX_ORACLE_MAX_AGE_S: u32 = 3_600;
pub const MIN_ORACLE_MAX_CONF_BPS: u16 = 1;
/// At most 10 %: keeps the low side of the band strictly positive.
pub const MAX_ORACLE_MAX_CONF_BPS: u16 = 1_000;
pub const MIN_ORACLE_MAX_EMA_DEV_BPS: u16 = 1;
pub const MAX_ORACLE_MAX_EMA_DEV_BPS: u16 = 5_000;

/// Base-10 exponent range a normalised price may span: Pyth's exponent plus the difference
/// of the two mints' decimals. Outside it a price is refused rather than truncated.
pub const MIN_PRICE_EXPONENT: i32 = -30;
pub const MAX_PRICE_EXPONENT: i32 = 30;

/// Smallest normalised price accepted, as raw I80F48 bits: 2^20 ulps = 2^-28 base units per
/// asset unit. Below it the fixed-point value would carry fewer than 20 significant bits.
pub const MIN_PRICE_BITS: i128 = 1 << 20;

/// Layout version of [`crate::state::RiskState`].
pub const RISK_VERSION: u8 = 1;

/// Hard bounds of the risk parameters (bps unless named otherwise).
pub const MIN_EWMA_DECAY_BPS: u16 = 5_000;
pub const MAX_EWMA_DECAY_BPS: u16 = 9_999;
pub const MIN_EWMA_SHORT_DECAY_BPS: u16 = 1_000;
pub const MAX_SHRINKAGE_BPS: u16 = 10_000;
pub const MIN_REGIME_RATIO_BPS: u16 = 10_000;
pub const MAX_REGIME_RATIO_BPS: u16 = 50_000;
pub const MIN_REGIME_VOL_SCALE_BPS: u16 = 1_000;
pub const MAX_REGIME_VOL_SCALE_BPS: u16 = 10_000;
/// Annualised volatility target; 0 switches the overlay off.
pub const MAX_VOL_TARGET_BPS: u32 = 20_000;
pub const MIN_RISK_INTERVAL_S: u32 = 60;
/// A month: monthly price histories sample once a step.
pub const MAX_RISK_INTERVAL_S: u32 = 31 * 86_400;
pub const MIN_RISK_SAMPLES: u32 = 2;
pub const MAX_RISK_SAMPLES: u32 = 10_000;

/// Pause flags (bit set = paused): instruction gates the admin or the guardian can close and
/// only the admin can open. No flag exists for `withdraw` or `redeem_in_kind`: exits never pause.
pub const PAUSE_DEPOSITS: u8 = 1 << 0;
pub const PAUSE_UPDATE_RISK: u8 = 1 << 1;
pub const PAUSE_COMPUTE_TARGETS: u8 = 1 << 2;
pub const PAUSE_REBALANCE: u8 = 1 << 3;
/// Closes `rebalance_hedge` and moving collateral to the venue (never its way back).
pub const PAUSE_HEDGE: u8 = 1 << 4;
pub const PAUSE_ALL_FLAGS: u8 =
    PAUSE_DEPOSITS | PAUSE_UPDATE_RISK | PAUSE_COMPUTE_TARGETS | PAUSE_REBALANCE | PAUSE_HEDGE;

// Hedging: hard bounds and defaults.
pub const HEDGE_CLAIM_SEED: &[u8] = b"hedge_claim";
pub const HEDGE_MODE_OFF: u8 = 0;
pub const HEDGE_MODE_DELTA_NEUTRAL: u8 = 1;
pub const MAX_HEDGE_LEVERAGE_BPS: u16 = 30_000;
pub const MIN_HEDGE_MARGIN_RATIO_BPS: u16 = 12_000;
pub const MAX_HEDGE_MARGIN_RATIO_BPS: u16 = 60_000;
pub const MAX_HEDGE_COLLATERAL_BPS: u16 = 5_000;
pub const MIN_DELTA_BAND_BPS: u16 = 10;
pub const MAX_DELTA_BAND_BPS: u16 = 2_000;
pub const MAX_HEDGE_FEE_BPS: u16 = 200;
pub const DEFAULT_HEDGE_LEVERAGE_BPS: u16 = 10_000;
pub const DEFAULT_HEDGE_MARGIN_RATIO_BPS: u16 = 30_000;
pub const DEFAULT_HEDGE_COLLATERAL_BPS: u16 = 3_000;
pub const DEFAULT_DELTA_BAND_BPS: u16 = 200;
pub const DEFAULT_HEDGE_FEE_BPS: u16 = 50;
/// Perp-account units minted per base unit of the first collateral deposit.
pub const HEDGE_UNITS_PER_BASE: u64 = 1;

// Rebalancing: hard bounds of every parameter, and the defaults a new vault starts with.
/// Asset index that names the base token (the idle buffer) in a trade.
pub const BASE_ASSET: u8 = u8::MAX;
/// Venues a vault can whitelist.
pub const MAX_VENUES: usize = 4;
/// Venue kind: the sim-amm ABI (`swap(amount_in, min_amount_out)`), data built by the vault.
pub const VENUE_KIND_AMM: u8 = 0;
/// Venue kind: an aggregator route; the keeper supplies the instruction data and accounts.
pub const VENUE_KIND_ROUTE: u8 = 1;
pub const MAX_VENUE_FEE_BPS: u16 = 1_000;
pub const MIN_BAND_BPS: u16 = 10;
pub const MAX_BAND_BPS: u16 = 2_000;
pub const MIN_MAX_SLIPPAGE_BPS: u16 = 1;
pub const MAX_MAX_SLIPPAGE_BPS: u16 = 500;
pub const MAX_MIN_TRADE_BPS: u16 = 1_000;
pub const MIN_NOTIONAL_CAP_BPS: u16 = 1;
pub const MAX_SLIPPAGE_BUDGET_BPS: u16 = 500;
pub const MAX_BOUNTY_SHARE_BPS: u16 = 5_000;
/// Largest cash buffer governance can set (share of NAV every strategy holds in base).
pub const MAX_CASH_BUFFER_BPS: u16 = 5_000;
pub const MIN_CAP_INTERVAL_S: u32 = 60;
pub const MAX_CAP_INTERVAL_S: u32 = 7 * 24 * 60 * 60;
pub const MIN_BUDGET_PERIOD_S: u32 = 60 * 60;
pub const MAX_BUDGET_PERIOD_S: u32 = 30 * 24 * 60 * 60;
pub const MAX_COOLDOWN_S: u32 = 24 * 60 * 60;
pub const MIN_TARGETS_AGE_S: u32 = 60;
pub const MAX_TARGETS_AGE_S: u32 = 7 * 24 * 60 * 60;
pub const MIN_TRACKING_AVERSION_BPS: u32 = 1;
pub const MAX_TRACKING_AVERSION_BPS: u32 = 1_000_000;
pub const DEFAULT_BAND_BPS: u16 = 200;
pub const DEFAULT_MAX_SLIPPAGE_BPS: u16 = 50;
pub const DEFAULT_MIN_TRADE_BPS: u16 = 10;
pub const DEFAULT_NOTIONAL_CAP_BPS: u16 = 2_500;
pub const DEFAULT_SLIPPAGE_BUDGET_BPS: u16 = 25;
pub const DEFAULT_BOUNTY_SHARE_BPS: u16 = 1_000;
pub const DEFAULT_CAP_INTERVAL_S: u32 = 24 * 60 * 60;
pub const DEFAULT_BUDGET_PERIOD_S: u32 = 24 * 60 * 60;
pub const DEFAULT_COOLDOWN_S: u32 = 60;
pub const DEFAULT_TARGETS_AGE_S: u32 = 60 * 60;
pub const DEFAULT_TRACKING_AVERSION_BPS: u32 = 10_000;
/// Default bounty caps in whole base tokens (scaled by the base mint's decimals).
pub const DEFAULT_BOUNTY_CAP_PER_CALL_TOKENS: u64 = 1;
pub const DEFAULT_BOUNTY_CAP_PER_INTERVAL_TOKENS: u64 = 20;

/// Pyth programs whose accounts the vault accepts.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pyth_solana_receiver_sdk::ID;
pub const PYTH_LEGACY_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

/// Compute units (high estimate of the counted operations, `cu_meter::CU_HIGH`) one
/// `compute_targets` may spend in its solver; the rest of the instruction (accounts, the
/// covariance, the event) stays well inside a transaction's 1.4 M with it. A solve that
/// needs more continues on the next call.
pub const COMPUTE_TARGETS_SOLVER_CU: u64 = 750_000;

// Withdrawal queue.
/// Seeds of a request: `[WITHDRAW_REQUEST_SEED, vault, id as little-endian u64]`.
pub const WITHDRAW_REQUEST_SEED: &[u8] = b"withdraw_request";
/// Seeds of the vault's share escrow token account: `[SHARE_ESCROW_SEED, vault]`.
pub const SHARE_ESCROW_SEED: &[u8] = b"share_escrow";
pub const MIN_WITHDRAW_WAIT_S: u32 = 60 * 60;
pub const MAX_WITHDRAW_WAIT_S: u32 = 30 * 24 * 60 * 60;
pub const DEFAULT_WITHDRAW_WAIT_S: u32 = 3 * 24 * 60 * 60;
