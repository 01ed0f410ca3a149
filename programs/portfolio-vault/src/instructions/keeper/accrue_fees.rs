use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::checks::{Before, Change};
use crate::constants::*;
use crate::cpi;
use crate::error::VaultError;
use crate::events::FeesAccrued;
use crate::math::nav::PriceSide;
use crate::state::Vault;
use crate::{operations, pricing};

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

/// Mints the accrued management fee and the performance fee on the time-weighted NAV per share
/// above the high-water mark to the fee recipient. A second call within the same second
/// changes nothing.
pub fn handle_accrue_fees<'info>(ctx: Context<'info, AccrueFees<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let share_mint = a.share_mint.to_account_info();
    let supply_before = Before::supply(&share_mint)?;

    if now <= a.vault.load()?.last_crystallize_ts {
        return Ok(());
    }
    let step = pricing::priced_step(&a.vault, ctx.remaining_accounts, now, |vault, priced| {
        let e = operations::fees::crystallize(vault, priced, supply_before.value(), now)?;
        let hwm_before = vault.hwm_pps.get();
        e.apply(vault, now)?;
        Ok((e, hwm_before))
    })?;
    let (effects, hwm_before) = &step.effects;

    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &a.fee_recipient_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[&step.signer.seeds()],
        effects.shares_to_mint,
    )?;
    let supply_after =
        supply_before.expect_supply(&share_mint, Change::Up(effects.shares_to_mint))?;
    a.vault.load()?.invariant()?;
    emit!(FeesAccrued {
        vault: a.vault.key(),
        fee_recipient_shares: a.fee_recipient_shares.key(),
        management_fee_shares: effects
            .shares_to_mint
            .saturating_sub(effects.performance.fee_shares),
        performance_fee_shares: effects.performance.fee_shares,
        shares_minted: effects.shares_to_mint,
        nav_low: effects.nav_low,
        supply_before: supply_before.value(),
        supply_after,
        hwm_before: hwm_before.to_bits(),
        hwm_after: effects.performance.new_hwm.to_bits(),
        pps_now: effects.pps_now.to_bits(),
        pps_smoothed: effects.pps_smoothed.to_bits(),
        elapsed_s: effects.elapsed_s,
        prices_low: step.priced.price_bits(PriceSide::Low),
    });
    Ok(())
}
