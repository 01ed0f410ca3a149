use anchor_lang::prelude::*;

use crate::events::Derisked;
use crate::operations::governance::apply_derisk;
use crate::state::{DeriskAction, Vault};

#[derive(Accounts)]
pub struct Derisk<'info> {
    pub signer: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
}

/// Applies a change that only reduces risk, at once; the admin or the guardian.
pub fn handle_derisk<'info>(
    ctx: Context<'info, Derisk<'info>>,
    action: DeriskAction,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    vault.check_admin_or_guardian(&ctx.accounts.signer.key())?;
    let pause_before = vault.pause_flags;
    let cap_before = vault.params.deposit_cap;
    apply_derisk(&mut vault, &action, now)?;
    emit!(Derisked {
        vault: ctx.accounts.vault.key(),
        by: ctx.accounts.signer.key(),
        action,
        pause_flags_before: pause_before,
        pause_flags_after: vault.pause_flags,
        deposit_cap_before: cap_before,
        deposit_cap_after: vault.params.deposit_cap,
    });
    Ok(())
}
