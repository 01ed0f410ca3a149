use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::ProposalCreated;
use crate::instructions::risk_params_if_created;
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
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(mut, seeds = [PROPOSAL_SEED, vault.key().as_ref(), &id.to_le_bytes()], bump)]
    pub proposal: UncheckedAccount<'info>,
    /// CHECK: the vault's risk PDA (seeds); changes that touch its rules are checked against
    /// it once it exists.
    #[account(seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: UncheckedAccount<'info>,
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
    let a = &ctx.accounts;
    let (eta_ts, vault_key) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        require!(id == vault.next_proposal_id, VaultError::GovWrongProposalId);
        // Validate on a scratch copy on the heap (the vault is large) so a bad proposal fails
        // now; risk parameters on a copy of the risk account's.
        let mut scratch: Box<Vault> = bytemuck::zeroed_box();
        bytemuck::bytes_of_mut(scratch.as_mut()).copy_from_slice(bytemuck::bytes_of(&*vault));
        let mut params = risk_params_if_created(&a.risk)?;
        apply_change(
            &mut scratch,
            params.as_mut(),
            &change,
            ChangeStage::Propose,
            now,
        )?;
        vault.next_proposal_id = vault
            .next_proposal_id
            .checked_add(1)
            .ok_or(VaultError::MathOverflow)?;
        vault.invariant()?;
        let eta = now
            .checked_add(vault.timelock_s as i64)
            .ok_or(VaultError::MathOverflow)?;
        (eta, a.vault.key())
    };
    let bump = ctx.bumps.proposal;
    let id_bytes = id.to_le_bytes();
    let seeds: &[&[u8]] = &[PROPOSAL_SEED, vault_key.as_ref(), &id_bytes, &[bump]];
    account_init::create_pda(
        &a.payer.to_account_info(),
        &a.proposal.to_account_info(),
        &a.system_program.to_account_info(),
        8 + Proposal::INIT_SPACE,
        &crate::ID,
        seeds,
        VaultError::AccountAlreadyInitialized,
    )?;
    let proposal = Proposal {
        vault: vault_key,
        id,
        proposer: a.admin.key(),
        created_ts: now,
        eta_ts,
        expiry_ts: eta_ts
            .checked_add(PROPOSAL_GRACE_S)
            .ok_or(VaultError::MathOverflow)?,
        status: ProposalStatus::Pending,
        bump,
        change,
    };
    proposal.invariant()?;
    account_init::write_account(&a.proposal.to_account_info(), &proposal)?;
    emit!(ProposalCreated {
        vault: vault_key,
        id,
        change,
        eta_ts,
        expiry_ts: proposal.expiry_ts
    });
    Ok(())
}
