//! A timelocked parameter change (PDA `[PROPOSAL_SEED, vault, id]`) and the de-risking actions
//! that apply at once.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
#[cfg(feature = "serde")]
use crate::state::serde_forms;
use crate::state::{HedgePatch, RebalancePatch, RiskPatch};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// One change that can hurt depositors, so it waits the timelock. Every change names only
/// the fields it sets, so pending proposals never overwrite each other's fields. With the
/// `serde` feature it reads as `{ "<kebab-case variant>": <fields or value> }`, which is how
/// the CLI builds it (`vault propose asset-oracle index=0 max_age_s=30 ...`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "kebab-case", deny_unknown_fields)
)]
pub enum ParamChange {
    Fees {
        management_fee_bps: u16,
        performance_fee_bps: u16,
    },
    DepositLimits {
        deposit_cap: u64,
        min_deposit: u64,
    },
    AssetOracle {
        index: u8,
        max_age_s: u32,
        max_conf_bps: u16,
        max_ema_dev_bps: u16,
    },
    AssetWeights {
        index: u8,
        min_weight_bps: u16,
        max_weight_bps: u16,
    },
    /// The named risk parameters (checked against the vault's weight bounds).
    #[cfg_attr(feature = "serde", serde(alias = "risk"))]
    RiskParams(RiskPatch),
    Guardian(#[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))] Pubkey),
    FeeRecipient(#[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))] Pubkey),
    /// Step one of the admin transfer; the nominee accepts with `accept_admin`.
    NominateAdmin(#[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))] Pubkey),
    Timelock(u32),
    /// The named rebalancing limits.
    Rebalance(RebalancePatch),
    /// Whitelists a swap venue.
    AddVenue {
        #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
        program_id: Pubkey,
        /// `VENUE_KIND_AMM` (0, the default) or `VENUE_KIND_ROUTE` (1).
        #[cfg_attr(feature = "serde", serde(default))]
        kind: u8,
        fee_bps: u16,
    },
    /// Sets the hedge venue (a program with the sim-perp ABI), its exchange and the vault
    /// authority's margin account there; refused while collateral sits on the current one.
    HedgeVenue {
        #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
        program_id: Pubkey,
        #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
        exchange: Pubkey,
        #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
        margin_account: Pubkey,
    },
    /// The named hedging limits (mode included).
    Hedge(HedgePatch),
}

/// A change that only reduces risk: applied at once by the admin or the guardian.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "kebab-case", deny_unknown_fields)
)]
pub enum DeriskAction {
    /// A lower deposit cap (still at least `min_deposit`).
    LowerDepositCap(u64),
    /// Tighter oracle limits for one asset: each no looser than now, at least one tighter.
    TightenAssetOracle {
        index: u8,
        max_age_s: u32,
        max_conf_bps: u16,
        max_ema_dev_bps: u16,
    },
    /// Closes the instruction gates in the mask (`PAUSE_*`); only the admin reopens them.
    Pause(u8),
    /// Removes a venue from the whitelist.
    RemoveVenue(u8),
    /// The named rebalancing limits, each no looser than now, at least one tighter.
    TightenRebalance(RebalancePatch),
    /// The named hedging limits, each no looser than now, at least one tighter.
    TightenHedge(HedgePatch),
}

/// Groups of parameters a de-risking can tighten. A proposal created before the last
/// de-risking of its group may not loosen anything that group holds (asset oracle limits are
/// tracked per asset, in the asset's slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DeriskFamily {
    DepositLimits = 0,
    Venues = 1,
    Rebalance = 2,
    Hedge = 3,
}

pub const DERISK_FAMILIES: usize = 4;

impl DeriskAction {
    /// The group this action tightens (`None` for pauses, which only the admin reopens, and
    /// for oracle limits, recorded per asset).
    pub fn family(&self) -> Option<DeriskFamily> {
        match self {
            Self::LowerDepositCap(_) => Some(DeriskFamily::DepositLimits),
            Self::RemoveVenue(_) => Some(DeriskFamily::Venues),
            Self::TightenRebalance(_) => Some(DeriskFamily::Rebalance),
            Self::TightenHedge(_) => Some(DeriskFamily::Hedge),
            Self::TightenAssetOracle { .. } | Self::Pause(_) => None,
        }
    }
}

impl ParamChange {
    /// The de-risking group whose tightenings this change could undo.
    pub fn family(&self) -> Option<DeriskFamily> {
        match self {
            Self::DepositLimits { .. } => Some(DeriskFamily::DepositLimits),
            Self::AddVenue { .. } => Some(DeriskFamily::Venues),
            Self::Rebalance(_) => Some(DeriskFamily::Rebalance),
            Self::Hedge(_) => Some(DeriskFamily::Hedge),
            _ => None,
        }
    }

    /// The change touches the risk account's rules (its parameters, or the weight bounds its
    /// fixed weights must respect), so it is checked against the risk account too.
    pub fn touches_risk(&self) -> bool {
        matches!(self, Self::RiskParams(_) | Self::AssetWeights { .. })
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
#[repr(u8)]
pub enum ProposalStatus {
    Pending,
    Applied,
    Cancelled,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Proposal {
    pub vault: Pubkey,
    pub id: u64,
    pub proposer: Pubkey,
    pub created_ts: i64,
    /// Earliest time it can be applied.
    pub eta_ts: i64,
    /// Latest time it can be applied.
    pub expiry_ts: i64,
    pub status: ProposalStatus,
    pub bump: u8,
    pub change: ParamChange,
}

impl Proposal {
    pub fn check_appliable(&self, now: i64) -> Result<()> {
        require!(
            self.status == ProposalStatus::Pending,
            VaultError::GovProposalNotPending
        );
        require!(now >= self.eta_ts, VaultError::GovProposalNotMature);
        require!(now <= self.expiry_ts, VaultError::GovProposalExpired);
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        let ok = self
            .created_ts
            .checked_add(MIN_TIMELOCK_S as i64)
            .is_some_and(|min_eta| self.eta_ts >= min_eta)
            && self.eta_ts.checked_add(PROPOSAL_GRACE_S) == Some(self.expiry_ts);
        require!(ok, VaultError::VaultInvariantViolated);
        Ok(())
    }
}
