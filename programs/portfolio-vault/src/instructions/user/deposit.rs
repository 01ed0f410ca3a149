use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::Deposited;
use crate::math::nav::PriceSide;
use crate::state::Vault;
use crate::{cpi, operations, oracle, perp};

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
    let vault_key = a.vault.key();
    let minted_before = a.share_mint.supply;
    let balance_before = a.base_vault.amount;

    let (effects, prices, idle_before, authority_bump) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        require!(!vault.deposits_paused(), VaultError::DepositPaused);
        let prices = {
            let (oracles, _) = perp::split(&vault, ctx.remaining_accounts)?;
            oracle::load_prices(&mut vault, oracles, now)?
        };
        let (_, perp_accounts) = perp::split(&vault, ctx.remaining_accounts)?;
        let perp_value = perp::priced_value(
            &vault,
            perp_accounts,
            &prices[..vault.num_assets as usize],
            PriceSide::High,
            now,
        )?;
        let holdings = oracle::priced_holdings(&vault, &prices);
        let n = vault.num_assets as usize;
        let effects = operations::deposit::deposit(
            &vault,
            &holdings[..n],
            minted_before,
            perp_value,
            amount,
            min_shares_out,
            now,
        )?;
        let idle_before = vault.idle_base;
        vault.apply_management_accrual(&effects.management, now)?;
        vault.idle_base = idle_before
            .checked_add(amount)
            .ok_or(VaultError::MathOverflow)?;
        (effects, prices, idle_before, vault.authority_bump)
    };

    cpi::transfer(
        &a.base_token_program.to_account_info(),
        &a.user_base.to_account_info(),
        &a.base_vault.to_account_info(),
        &a.base_mint.to_account_info(),
        &a.user.to_account_info(),
        &[],
        amount,
        a.base_mint.decimals,
    )?;
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &a.share_mint.to_account_info(),
        &a.receiver_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[seeds],
        effects.shares_to_mint,
    )?;

    // Re-read what the CPIs changed and require exactly the intended change.
    let balance_after = cpi::token_balance(&a.base_vault.to_account_info())?;
    let minted_after = cpi::mint_supply(&a.share_mint.to_account_info())?;
    require!(
        balance_after
            == balance_before
                .checked_add(amount)
                .ok_or(VaultError::MathOverflow)?
            && minted_after == minted_before + effects.shares_to_mint,
        VaultError::VaultUnexpectedBalanceChange
    );
    let vault = a.vault.load()?;
    require!(
        vault.idle_base <= balance_after,
        VaultError::VaultAccountingExceedsBalance
    );
    vault.invariant()?;

    let mut prices_high = [0i128; MAX_ASSETS];
    for (i, p) in prices.iter().enumerate().take(vault.num_assets as usize) {
        prices_high[i] = p.high.to_bits();
    }
    emit!(Deposited {
        vault: vault_key,
        user: a.user.key(),
        amount,
        shares_minted: effects.shares_to_mint,
        nav_before: effects.nav_before,
        nav_after: effects.nav_before + amount,
        supply_before: effects.supply_before,
        supply_after: effects.supply_before + effects.shares_to_mint,
        idle_before,
        idle_after: vault.idle_base,
        management_fee_shares_accrued: effects.management.shares,
        prices_high,
    });
    Ok(())
}
