use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{Before, Change};
use crate::constants::AUTHORITY_SEED;
use crate::cpi::TokenMove;
use crate::error::VaultError;
use crate::events::SurplusSwept;
use crate::state::Vault;

/// Moves tokens that reached a vault token account without being accounted for (a direct
/// transfer, a "donation") to a token account of the fee recipient, from where they can be
/// returned to whoever sent them. Accounted funds can never leave this way: the amount is
/// exactly `balance - accounted`.
#[derive(Accounts)]
pub struct SweepSurplus<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The vault's base account or one of its asset accounts (checked in the handler).
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub vault_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = destination.owner == vault.load()?.fee_recipient @ VaultError::TokenAccountWrongOwner,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handle_sweep_surplus<'info>(ctx: Context<'info, SweepSurplus<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let (accounted, signer) = {
        let vault = a.vault.load()?;
        vault.check_version()?;
        let key = a.vault_token_account.key();
        let accounted = if key == vault.base_vault {
            vault.base_accounted()?
        } else {
            vault
                .active_assets()
                .iter()
                .find(|s| s.token_account == key)
                .map(|s| s.holdings)
                .ok_or(VaultError::TokenAccountNotVaultAccount)?
        };
        (accounted, vault.authority_signer(vault_key))
    };
    let balance_before = a.vault_token_account.amount;
    let amount = balance_before.saturating_sub(accounted);
    require!(amount > 0, VaultError::VaultNoSurplus);
    let from = a.vault_token_account.to_account_info();
    let before = Before::balance(&from)?;
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        from: &from,
        to: &a.destination.to_account_info(),
        mint: &a.mint.to_account_info(),
        authority: &a.vault_authority.to_account_info(),
        decimals: a.mint.decimals,
    }
    .transfer(amount, &[&signer.seeds()])?;
    before.expect_balance(&from, Change::Down(amount))?;
    a.vault.load()?.invariant()?;
    emit!(SurplusSwept {
        vault: vault_key,
        mint: a.mint.key(),
        from: a.vault_token_account.key(),
        to: a.destination.key(),
        accounted,
        balance_before,
        amount,
    });
    Ok(())
}
