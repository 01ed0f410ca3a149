//! Hedging through a perp venue: the venue, the vault's margin account on it, the limits every
//! hedge trade must meet, and the units that split the margin account between the vault's
//! share holders and the claims of those who redeemed in kind.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::state::BountyMasks;

/// Limits of `rebalance_hedge` and `move_collateral`, each within hard bounds checked by
/// [`HedgeParams::validate`].
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct HedgeParams {
    pub cooldown_s: u32,
    /// Gross perp notional at most this share of NAV.
    pub max_leverage_bps: u16,
    /// Perp equity at least this multiple of the maintenance requirement.
    pub min_margin_ratio_bps: u16,
    /// Perp equity at most this share of NAV after moving collateral to the venue.
    pub max_collateral_bps: u16,
    /// A position this far (in value, share of NAV) from its hedge target needs a trade.
    pub delta_band_bps: u16,
    /// Share of each spot holding to hedge (10000 = delta-neutral).
    pub hedge_ratio_bps: u16,
    /// Fee plus price cost of one hedge trade at most this share of its notional.
    pub max_fee_bps: u16,
    /// `HEDGE_MODE_*`.
    pub mode: u8,
    pub _pad: [u8; 7],
}

impl HedgeParams {
    pub fn defaults() -> Self {
        Self {
            cooldown_s: DEFAULT_COOLDOWN_S,
            max_leverage_bps: DEFAULT_HEDGE_LEVERAGE_BPS,
            min_margin_ratio_bps: DEFAULT_HEDGE_MARGIN_RATIO_BPS,
            max_collateral_bps: DEFAULT_HEDGE_COLLATERAL_BPS,
            delta_band_bps: DEFAULT_DELTA_BAND_BPS,
            hedge_ratio_bps: BPS_DENOMINATOR as u16,
            max_fee_bps: DEFAULT_HEDGE_FEE_BPS,
            mode: HEDGE_MODE_OFF,
            _pad: [0; 7],
        }
    }

    pub fn validate(&self) -> Result<()> {
        let checks = [
            (
                (1..=MAX_HEDGE_LEVERAGE_BPS).contains(&self.max_leverage_bps),
                VaultError::ParamHedgeLeverageOutOfBounds,
            ),
            (
                (MIN_HEDGE_MARGIN_RATIO_BPS..=MAX_HEDGE_MARGIN_RATIO_BPS)
                    .contains(&self.min_margin_ratio_bps),
                VaultError::ParamHedgeMarginRatioOutOfBounds,
            ),
            (
                self.max_collateral_bps <= MAX_HEDGE_COLLATERAL_BPS,
                VaultError::ParamHedgeCollateralOutOfBounds,
            ),
            (
                (MIN_DELTA_BAND_BPS..=MAX_DELTA_BAND_BPS).contains(&self.delta_band_bps),
                VaultError::ParamDeltaBandOutOfBounds,
            ),
            (
                self.hedge_ratio_bps as u64 <= BPS_DENOMINATOR,
                VaultError::ParamHedgeRatioOutOfBounds,
            ),
            (
                (1..=MAX_HEDGE_FEE_BPS).contains(&self.max_fee_bps),
                VaultError::ParamHedgeFeeOutOfBounds,
            ),
            (
                self.mode == HEDGE_MODE_OFF || self.mode == HEDGE_MODE_DELTA_NEUTRAL,
                VaultError::ParamHedgeModeUnknown,
            ),
            (
                self.cooldown_s <= MAX_COOLDOWN_S,
                VaultError::ParamCooldownOutOfBounds,
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
    /// tighten: more leverage, collateral or cost, a lower margin ratio, a shorter cooldown.
    pub fn loosens(&self, current: &Self) -> bool {
        self.max_leverage_bps > current.max_leverage_bps
            || self.min_margin_ratio_bps < current.min_margin_ratio_bps
            || self.max_collateral_bps > current.max_collateral_bps
            || self.max_fee_bps > current.max_fee_bps
            || self.cooldown_s < current.cooldown_s
    }

    /// Nothing looser than `current`, and band, ratio and mode unchanged (they trade risk
    /// against cost both ways).
    pub fn is_no_looser_than(&self, current: &Self) -> bool {
        !self.loosens(current)
            && self.delta_band_bps == current.delta_band_bps
            && self.hedge_ratio_bps == current.hedge_ratio_bps
            && self.mode == current.mode
    }
}

/// The vault's hedge venue and its margin account there.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct HedgeConfig {
    /// A program with the sim-perp ABI; default = no hedge venue.
    pub program_id: Pubkey,
    pub exchange: Pubkey,
    /// The vault authority's margin account there (the venue's PDA); `init_hedge` opens it.
    pub margin_account: Pubkey,
    /// Units the margin account's equity (net of `claims_owed`) is split into: share holders
    /// own `units_total - units_claimed`, each open claim its own.
    pub units_total: u64,
    pub units_claimed: u64,
    pub last_hedge_ts: i64,
    /// Bit `i`: asset `i` was shorted (sold), resp. bought back, by a hedge that earned a
    /// bounty in the current cap interval (round trips pay once).
    pub bountied: BountyMasks,
    pub params: HedgeParams,
    /// Base units owed to holders whose claim was settled (their part of every position
    /// closed) but not yet paid in full: a fixed liability of the margin account, ahead of
    /// the units.
    pub claims_owed: u64,
}

impl HedgeConfig {
    pub fn has_venue(&self) -> bool {
        self.program_id != Pubkey::default()
    }

    /// A margin account address is recorded (with the venue).
    pub fn is_open(&self) -> bool {
        self.margin_account != Pubkey::default()
    }

    /// Units of the margin account that belong to the share holders (`units_claimed <=
    /// units_total` is an invariant; a violation reads as none).
    pub fn owners_units(&self) -> u64 {
        self.units_total.saturating_sub(self.units_claimed)
    }
}

/// What a holder who redeemed in kind is owed of the margin account (PDA
/// `[HEDGE_CLAIM_SEED, vault, owner]`): `units` of the vault's `units_total` until
/// `settle_hedge_claim` closes their part of every position, then `owed` base units, paid as
/// far as the venue lets collateral leave.
#[account]
#[derive(InitSpace, Debug)]
pub struct HedgeClaim {
    pub vault: Pubkey,
    pub owner: Pubkey,
    pub units: u64,
    pub bump: u8,
    /// Base units owed after settlement and not yet paid.
    pub owed: u64,
}
