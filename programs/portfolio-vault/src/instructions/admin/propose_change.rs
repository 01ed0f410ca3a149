use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::ProposalCreated;
use crate::operations::governance::{apply_change, ChangeStage};
use crate::state::{ParamChange, Proposal, ProposalStatus, Vault};

#[derive(Accounts)]
#[instruction(id: u64)]
pub struct ProposeChange<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut, has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(
        init,
        payer = payer,
        space = 8 + Proposal::INIT_SPACE,
        seeds = [PROPOSAL_SEED, vault.key().as_ref(), &id.to_le_bytes()],
        bump,
    )]
    pub proposal: Account<'info, Proposal>,
    pub system_program: Program<'info, System>,
}

/// Proposes a change; it can be applied by anyone from `now + timelock_s` for
/// `PROPOSAL_GRACE_S`. Refused at once if it would not be valid against today's state.
pub fn handle_propose_change<'info>(
    ctx: Context<'info, ProposeChange<'info>>,
    id: u64,
    change: ParamChange,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    require!(id == vault.next_proposal_id, VaultError::GovWrongProposalId);
    // Validate on a scratch copy (boxed: the vault is large) so a bad proposal fails now.
    let mut scratch = Box::new(*vault);
    apply_change(&mut scratch, None, &change, ChangeStage::Propose, now)?;
    let eta_ts = now + vault.timelock_s as i64;
    vault.next_proposal_id += 1;
    vault.invariant()?;

    let p = &mut ctx.accounts.proposal;
    p.vault = ctx.accounts.vault.key();
    p.id = id;
    p.proposer = ctx.accounts.admin.key();
    p.created_ts = now;
    p.eta_ts = eta_ts;
    p.expiry_ts = eta_ts + PROPOSAL_GRACE_S;
    p.status = ProposalStatus::Pending;
    p.bump = ctx.bumps.proposal;
    p.change = change;
    p.invariant()?;
    emit!(ProposalCreated {
        vault: p.vault,
        id,
        change,
        eta_ts,
        expiry_ts: p.expiry_ts
    });
    Ok(())
}
