use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::HedgeOpened;
use crate::instructions::keeper::hedge_venue::*;
use crate::state::Vault;

/// Permissionless once governance has set a hedge venue: opens the vault authority's margin
/// account on it, after checking the exchange mirrors the vault's assets.
#[derive(Accounts)]
pub struct InitHedge<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The margin account is the venue's PDA for the vault authority; the CPI creates it.
    pub venue: HedgeVenue<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handle_init_hedge<'info>(ctx: Context<'info, InitHedge<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let vault = a.vault.load()?;
    vault.check_version()?;
    require!(vault.hedge.has_venue(), VaultError::HedgeNotConfigured);
    let book = a.venue.book(&vault)?;
    require!(book.account.is_none(), VaultError::HedgeAccountMismatch);
    let expected = Pubkey::find_program_address(
        &[
            sim_perp::state::MARGIN_SEED,
            a.venue.exchange.key.as_ref(),
            a.vault_authority.key.as_ref(),
        ],
        &vault.hedge.program_id,
    )
    .0;
    require_keys_eq!(
        expected,
        a.venue.margin_account.key(),
        VaultError::HedgeAccountMismatch
    );
    let signer = vault.authority_signer(a.vault.key());
    let authority = a.vault_authority.to_account_info();
    a.venue.cpi(&authority).create_margin_account(
        &a.payer.to_account_info(),
        &a.system_program.to_account_info(),
        &signer.seeds(),
    )?;
    emit!(HedgeOpened {
        vault: a.vault.key(),
        program_id: vault.hedge.program_id,
        exchange: vault.hedge.exchange,
        margin_account: vault.hedge.margin_account,
    });
    Ok(())
}
