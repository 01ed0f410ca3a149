use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::Deposited;
use crate::math::nav::PriceSide;
use crate::state::Vault;
use crate::{operations, pricing};

/// Remaining accounts: one oracle account per asset, in asset order, then (when the vault has a
/// hedge venue) its exchange and the vault's margin account.
#[derive(Accounts)]
pub struct Deposit<'info> {
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
    #[account(mut, token::mint = base_mint, token::authority = user, token::token_program = base_token_program)]
    pub user_base: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the shares; may belong to anyone.
    #[account(mut, token::mint = share_mint, token::token_program = token_program)]
    pub receiver_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

pub fn handle_deposit<'info>(
    ctx: Context<'info, Deposit<'info>>,
    amount: u64,
    min_shares_out: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let base_vault = a.base_vault.to_account_info();
    let share_mint = a.share_mint.to_account_info();
    let (base_before, supply_before) =
        (Before::balance(&base_vault)?, Before::supply(&share_mint)?);

    let step = pricing::priced_step(&a.vault, ctx.remaining_accounts, now, |vault, priced| {
        let minted = supply_before.value();
        let e = operations::deposit::deposit(vault, priced, minted, amount, min_shares_out, now)?;
        e.apply(vault, now)?;
        Ok(e)
    })?;
    let effects = &step.effects;

    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &a.user_base.to_account_info(),
        to: &base_vault,
        mint: &a.base_mint.to_account_info(),
        authority: &a.user.to_account_info(),
        decimals: a.base_mint.decimals,
    }
    .transfer(amount, &[])?;
    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &a.receiver_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[&step.signer.seeds()],
        effects.shares_to_mint,
    )?;
    let vault = checks::after_flow(
        &a.vault,
        &base_vault,
        (base_before, Change::Up(amount)),
        &share_mint,
        (supply_before, Change::Up(effects.shares_to_mint)),
    )?;
    emit!(Deposited {
        vault: a.vault.key(),
        user: a.user.key(),
        amount,
        levy: effects.levy.levy,
        shares_minted: effects.shares_to_mint,
        nav_before: effects.nav_before,
        nav_after: effects.nav_before.saturating_add(amount),
        supply_before: effects.supply_before,
        supply_after: effects.supply_after(),
        idle_before: step.idle_before,
        idle_after: vault.idle_base,
        management_fee_shares_accrued: effects.management.shares,
        prices_high: step.priced.price_bits(PriceSide::High),
    });
    Ok(())
}
