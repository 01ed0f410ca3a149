use anchor_lang::prelude::*;

use crate::error::VaultError;
use crate::events::ProposalCancelled;
use crate::state::{Proposal, ProposalStatus, Vault};

#[derive(Accounts)]
pub struct CancelProposal<'info> {
    pub signer: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, has_one = vault @ VaultError::ProposalWrongVault)]
    pub proposal: Account<'info, Proposal>,
}

/// Cancels a pending proposal; the admin or the guardian.
pub fn handle_cancel_proposal<'info>(ctx: Context<'info, CancelProposal<'info>>) -> Result<()> {
    let vault = ctx.accounts.vault.load()?;
    vault.check_admin_or_guardian(&ctx.accounts.signer.key())?;
    let p = &mut ctx.accounts.proposal;
    require!(
        p.status == ProposalStatus::Pending,
        VaultError::GovProposalNotPending
    );
    p.status = ProposalStatus::Cancelled;
    p.invariant()?;
    emit!(ProposalCancelled {
        vault: p.vault,
        id: p.id,
        by: ctx.accounts.signer.key()
    });
    Ok(())
}
