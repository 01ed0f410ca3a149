use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::Withdrawn;
use crate::math::nav::PriceSide;
use crate::state::Vault;
use crate::{operations, pricing};

/// Remaining accounts: one oracle account per asset, in asset order, then (when the vault has a
/// hedge venue) its exchange and the vault's margin account. Never paused.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub user: Signer<'info>,
    #[account(
        mut,
        has_one = base_mint @ VaultError::TokenWrongMint,
        has_one = base_vault @ VaultError::TokenAccountNotVaultAccount,
        has_one = share_mint @ VaultError::TokenWrongMint,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the base tokens; may belong to anyone.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program)]
    pub receiver_base: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = share_mint, token::authority = user, token::token_program = token_program)]
    pub user_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

pub fn handle_withdraw<'info>(
    ctx: Context<'info, Withdraw<'info>>,
    shares: u64,
    min_assets_out: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    require!(
        a.user_shares.amount >= shares,
        VaultError::WithdrawInsufficientShares
    );
    let base_vault = a.base_vault.to_account_info();
    let share_mint = a.share_mint.to_account_info();
    let (base_before, supply_before) =
        (Before::balance(&base_vault)?, Before::supply(&share_mint)?);

    let step = pricing::priced_step(&a.vault, ctx.remaining_accounts, now, |vault, priced| {
        let minted = supply_before.value();
        let e = operations::withdraw::withdraw(vault, priced, minted, shares, min_assets_out, now)?;
        e.apply(vault, now)?;
        Ok(e)
    })?;
    let effects = &step.effects;

    cpi::burn_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &a.user_shares.to_account_info(),
        &a.user.to_account_info(),
        shares,
        &[],
    )?;
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &base_vault,
        to: &a.receiver_base.to_account_info(),
        mint: &a.base_mint.to_account_info(),
        authority: &a.vault_authority.to_account_info(),
        decimals: a.base_mint.decimals,
    }
    .transfer(effects.assets_out, &[&step.signer.seeds()])?;
    let vault = checks::after_flow(
        &a.vault,
        &base_vault,
        (base_before, Change::Down(effects.assets_out)),
        &share_mint,
        (supply_before, Change::Down(shares)),
    )?;
    emit!(Withdrawn {
        vault: a.vault.key(),
        user: a.user.key(),
        shares_burned: shares,
        amount: effects.assets_out,
        levy: effects.levy.levy,
        nav_before: effects.nav_before,
        nav_after: effects.nav_before.saturating_sub(effects.assets_out),
        supply_before: effects.supply_before,
        supply_after: effects.supply_after(),
        idle_before: step.idle_before,
        idle_after: vault.idle_base,
        management_fee_shares_accrued: effects.management.shares,
        prices_low: step.priced.price_bits(PriceSide::Low),
    });
    Ok(())
}
