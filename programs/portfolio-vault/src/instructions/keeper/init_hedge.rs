use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::AccountMeta;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::HedgeOpened;
use crate::state::Vault;
use crate::{cpi, perp};

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
    /// CHECK: the hedge venue's program; must be the one governance set.
    #[account(executable, address = vault.load()?.hedge.program_id @ VaultError::HedgeAccountMismatch)]
    pub hedge_program: UncheckedAccount<'info>,
    /// CHECK: read and checked by `perp::load`.
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: the venue's PDA for the vault authority; created by the CPI.
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handle_init_hedge<'info>(ctx: Context<'info, InitHedge<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let vault = a.vault.load()?;
    vault.check_version()?;
    require!(vault.hedge.has_venue(), VaultError::HedgeNotConfigured);
    let book = perp::load(&vault, &a.exchange, &a.margin_account)?;
    require!(book.account.is_none(), VaultError::HedgeAccountMismatch);
    perp::check_mirror(&vault, &book.exchange)?;
    let expected = Pubkey::find_program_address(
        &[
            sim_perp::state::MARGIN_SEED,
            a.exchange.key.as_ref(),
            a.vault_authority.key.as_ref(),
        ],
        &vault.hedge.program_id,
    )
    .0;
    require_keys_eq!(
        expected,
        a.margin_account.key(),
        VaultError::HedgeAccountMismatch
    );
    let vault_key = a.vault.key();
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[vault.authority_bump]];
    cpi::perp::invoke(
        &a.hedge_program.to_account_info(),
        vec![
            AccountMeta::new_readonly(a.vault_authority.key(), true),
            AccountMeta::new(a.payer.key(), true),
            AccountMeta::new_readonly(a.exchange.key(), false),
            AccountMeta::new(a.margin_account.key(), false),
            AccountMeta::new_readonly(a.system_program.key(), false),
        ],
        &[
            a.vault_authority.to_account_info(),
            a.payer.to_account_info(),
            a.exchange.to_account_info(),
            a.margin_account.to_account_info(),
            a.system_program.to_account_info(),
        ],
        sim_perp::instruction::CreateMarginAccount {},
        seeds,
    )?;
    emit!(HedgeOpened {
        vault: vault_key,
        program_id: vault.hedge.program_id,
        exchange: vault.hedge.exchange,
        margin_account: vault.hedge.margin_account,
    });
    Ok(())
}
