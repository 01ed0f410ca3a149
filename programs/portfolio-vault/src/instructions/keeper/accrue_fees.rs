use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::FeesAccrued;
use crate::math::nav::PriceSide;
use crate::state::Vault;
use crate::{cpi, operations, oracle, perp};

/// Permissionless. Remaining accounts: one oracle account per asset, in asset order, then (when
/// the vault has a hedge venue) its exchange and the vault's margin account.
#[derive(Accounts)]
pub struct AccrueFees<'info> {
    #[account(mut, has_one = share_mint @ VaultError::TokenWrongMint)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(mut)]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        token::mint = share_mint,
        token::token_program = token_program,
        constraint = fee_recipient_shares.owner == vault.load()?.fee_recipient @ VaultError::TokenAccountWrongOwner,
    )]
    pub fee_recipient_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

/// Mints the accrued management fee and the performance fee above the high-water mark to the
/// fee recipient. A second call within the same second changes nothing.
pub fn handle_accrue_fees<'info>(ctx: Context<'info, AccrueFees<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let minted_before = a.share_mint.supply;

    let (effects, prices, hwm_before, hwm_after, authority_bump) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        if now <= vault.last_crystallize_ts {
            return Ok(());
        }
        let prices = {
            let (oracles, _) = perp::split(&vault, ctx.remaining_accounts)?;
            oracle::load_prices(&mut vault, oracles, now)?
        };
        let (_, perp_accounts) = perp::split(&vault, ctx.remaining_accounts)?;
        let perp_value = perp::priced_value(
            &vault,
            perp_accounts,
            &prices[..vault.num_assets as usize],
            PriceSide::Low,
            now,
        )?;
        let holdings = oracle::priced_holdings(&vault, &prices);
        let n = vault.num_assets as usize;
        let effects =
            operations::fees::crystallize(&vault, &holdings[..n], perp_value, minted_before, now)?;
        let hwm_before = vault.hwm_pps.get();
        vault.pending_fee_shares = 0;
        vault.pending_fee_fraction.set(effects.management.fraction);
        vault.last_fee_ts = now;
        vault.last_crystallize_ts = now;
        vault.hwm_pps.set(effects.performance.new_hwm);
        (
            effects,
            prices,
            hwm_before,
            effects.performance.new_hwm,
            vault.authority_bump,
        )
    };

    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &a.share_mint.to_account_info(),
        &a.fee_recipient_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[seeds],
        effects.shares_to_mint,
    )?;
    let minted_after = cpi::mint_supply(&a.share_mint.to_account_info())?;
    require!(
        minted_after == minted_before + effects.shares_to_mint,
        VaultError::VaultUnexpectedBalanceChange
    );
    let vault = a.vault.load()?;
    vault.invariant()?;

    let mut prices_low = [0i128; MAX_ASSETS];
    for (i, p) in prices.iter().enumerate().take(vault.num_assets as usize) {
        prices_low[i] = p.low.to_bits();
    }
    emit!(FeesAccrued {
        vault: vault_key,
        fee_recipient_shares: a.fee_recipient_shares.key(),
        management_fee_shares: effects.shares_to_mint - effects.performance.fee_shares,
        performance_fee_shares: effects.performance.fee_shares,
        shares_minted: effects.shares_to_mint,
        nav_low: effects.nav_low,
        supply_before: minted_before,
        supply_after: minted_after,
        hwm_before: hwm_before.to_bits(),
        hwm_after: hwm_after.to_bits(),
        elapsed_s: effects.elapsed_s,
        prices_low,
    });
    Ok(())
}
