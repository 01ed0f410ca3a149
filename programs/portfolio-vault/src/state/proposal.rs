//! A timelocked parameter change (PDA `[PROPOSAL_SEED, vault, id]`).

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::instructions::RiskParamsArgs;
use crate::state::{HedgeParamsArgs, RebalanceParamsArgs};

/// One change that can hurt depositors, so it waits the timelock. Changes are granular so
/// several pending proposals never overwrite each other's fields.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
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
    RiskParams(RiskParamsArgs),
    Guardian(Pubkey),
    FeeRecipient(Pubkey),
    /// Step one of the admin transfer; the nominee accepts with `accept_admin`.
    NominateAdmin(Pubkey),
    Timelock(u32),
    /// Replaces every rebalancing limit (a loosening needs the timelock).
    Rebalance(RebalanceParamsArgs),
    /// Whitelists a swap venue.
    AddVenue {
        program_id: Pubkey,
        kind: u8,
        fee_bps: u16,
    },
    /// Sets the hedge venue (a program with the sim-perp ABI), its exchange and the vault
    /// authority's margin account there; refused while collateral sits on the current one.
    HedgeVenue {
        program_id: Pubkey,
        exchange: Pubkey,
        margin_account: Pubkey,
    },
    /// Replaces every hedging limit (mode included).
    Hedge(HedgeParamsArgs),
}

/// A change that only reduces risk: applied at once by the admin or the guardian.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Rebalancing limits that are each no looser than now, at least one tighter.
    TightenRebalance(RebalanceParamsArgs),
    /// Hedging limits that are each no looser than now, at least one tighter.
    TightenHedge(HedgeParamsArgs),
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
        let ok = self.eta_ts >= self.created_ts + MIN_TIMELOCK_S as i64
            && self.expiry_ts == self.eta_ts + PROPOSAL_GRACE_S;
        require!(ok, VaultError::VaultInvariantViolated);
        Ok(())
    }
}
