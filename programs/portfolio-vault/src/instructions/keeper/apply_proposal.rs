use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::ProposalApplied;
use crate::instructions::with_risk_if_created;
use crate::operations::governance::{apply_change, ChangeStage};
use crate::state::{Proposal, ProposalStatus, Vault};

/// Permissionless once the timelock has passed. `risk` is the vault's risk PDA: changes that
/// touch its rules are checked against it once it exists.
#[derive(Accounts)]
pub struct ApplyProposal<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, has_one = vault @ VaultError::ProposalWrongVault)]
    pub proposal: Account<'info, Proposal>,
    /// CHECK: the vault's risk PDA (seeds); loaded as the risk account when it exists.
    #[account(mut, seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: UncheckedAccount<'info>,
}

pub fn handle_apply_proposal<'info>(ctx: Context<'info, ApplyProposal<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let p = &mut ctx.accounts.proposal;
    p.check_appliable(now)?;
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    let stage = ChangeStage::Apply {
        created_ts: p.created_ts,
    };
    with_risk_if_created(&ctx.accounts.risk, |risk| match risk {
        Some(risk) => {
            apply_change(&mut vault, Some(&mut risk.params), &p.change, stage, now)?;
            risk.invariant()
        }
        None => apply_change(&mut vault, None, &p.change, stage, now),
    })?;
    p.status = ProposalStatus::Applied;
    p.invariant()?;
    emit!(ProposalApplied {
        vault: p.vault,
        id: p.id,
        change: p.change
    });
    Ok(())
}
