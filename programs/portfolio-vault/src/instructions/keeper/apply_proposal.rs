use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::ProposalApplied;
use crate::operations::governance::{apply_change, ChangeStage};
use crate::state::{Proposal, ProposalStatus, RiskState, Vault};

/// Permissionless once the timelock has passed. `risk` is needed only for risk parameters.
#[derive(Accounts)]
pub struct ApplyProposal<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, has_one = vault @ VaultError::VaultInvariantViolated)]
    pub proposal: Account<'info, Proposal>,
    #[account(mut, seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: Option<AccountLoader<'info, RiskState>>,
}

pub fn handle_apply_proposal<'info>(ctx: Context<'info, ApplyProposal<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let p = &mut ctx.accounts.proposal;
    p.check_appliable(now)?;
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    match &ctx.accounts.risk {
        Some(loader) => {
            let mut risk = loader.load_mut()?;
            apply_change(
                &mut vault,
                Some(&mut risk),
                &p.change,
                ChangeStage::Apply,
                now,
            )?;
        }
        None => apply_change(&mut vault, None, &p.change, ChangeStage::Apply, now)?,
    }
    p.status = ProposalStatus::Applied;
    p.invariant()?;
    emit!(ProposalApplied {
        vault: p.vault,
        id: p.id,
        change: p.change
    });
    Ok(())
}
