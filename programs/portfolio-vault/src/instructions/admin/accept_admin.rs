use anchor_lang::prelude::*;

use crate::error::VaultError;
use crate::events::AdminAccepted;
use crate::state::Vault;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub new_admin: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
}

/// Step two of the admin transfer: the nominee takes over; the old admin keeps no power.
pub fn handle_accept_admin<'info>(ctx: Context<'info, AcceptAdmin<'info>>) -> Result<()> {
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    let signer = ctx.accounts.new_admin.key();
    require!(
        vault.pending_admin != Pubkey::default() && signer == vault.pending_admin,
        VaultError::AuthNotPendingAdmin
    );
    let old = vault.admin;
    vault.admin = signer;
    vault.pending_admin = Pubkey::default();
    vault.invariant()?;
    emit!(AdminAccepted {
        vault: ctx.accounts.vault.key(),
        old_admin: old,
        new_admin: signer
    });
    Ok(())
}
