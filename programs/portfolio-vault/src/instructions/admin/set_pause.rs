use anchor_lang::prelude::*;

use crate::constants::PAUSE_ALL_FLAGS;
use crate::error::VaultError;
use crate::events::PauseFlagsSet;
use crate::state::Vault;

#[derive(Accounts)]
pub struct SetPause<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
}

/// Sets the pause flags. `withdraw` and `redeem_in_kind` have no flag: exits never pause.
pub fn handle_set_pause<'info>(ctx: Context<'info, SetPause<'info>>, flags: u8) -> Result<()> {
    require!(
        flags & !PAUSE_ALL_FLAGS == 0,
        VaultError::ParamUnknownPauseFlag
    );
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    let flags_before = vault.pause_flags;
    vault.pause_flags = flags;
    vault.invariant()?;
    emit!(PauseFlagsSet {
        vault: ctx.accounts.vault.key(),
        by: ctx.accounts.admin.key(),
        flags_before,
        flags_after: flags,
    });
    Ok(())
}
