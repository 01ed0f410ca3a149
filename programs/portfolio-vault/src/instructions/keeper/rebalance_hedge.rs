use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use sim_perp::Order;

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::TokenMove;
use crate::error::VaultError;
use crate::events::HedgeRebalanced;
use crate::hedge_book;
use crate::instructions::keeper::hedge_venue::*;
use crate::operations::hedge::{after_trade, before_trade, record_trade};
use crate::pricing;
use crate::state::Vault;

/// Remaining accounts: one oracle per asset, in asset order (the venue's markets mirror them).
#[derive(Accounts)]
pub struct RebalanceHedge<'info> {
    pub keeper: Signer<'info>,
    #[account(mut, has_one = base_mint @ VaultError::TokenWrongMint, has_one = base_vault @ VaultError::TokenAccountNotVaultAccount)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub venue: HedgeVenue<'info>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the bounty.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program,
        constraint = keeper_base.key() != base_vault.key() @ VaultError::TokenAccountNotVaultAccount)]
    pub keeper_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// Permissionless. Trades `base_delta` units of asset `asset`'s perp so the share holders'
/// part of the position moves toward the hedge target (`-holding × hedge_ratio`), when it is
/// further than the delta band from it; refuses a wrong direction or an overshoot; then
/// requires from the re-read margin account: the exact size filled, an execution cost within
/// `max_fee_bps`, and (for a trade that adds exposure) leverage and margin ratio within their
/// limits. Pays a capped bounty.
pub fn handle_rebalance_hedge<'info>(
    ctx: Context<'info, RebalanceHedge<'info>>,
    asset: u8,
    base_delta: i64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let oracles = ctx.remaining_accounts;
    let (b, priced, signer) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let book = a.venue.book(&vault)?;
        let priced = pricing::load(&mut vault, oracles, Some(&book), now)?;
        let n = vault.num_assets as usize;
        let m = hedge_book::marked(&book, n, &priced.prices[..n], now)?;
        let b = before_trade(&vault, &priced, &book, &m, asset, base_delta, now)?;
        (b, priced, vault.authority_signer(a.vault.key()))
    };

    let authority = a.vault_authority.to_account_info();
    let order = Order {
        market: asset,
        base_delta,
        limit_price: b.check.limit_price.to_bits(),
    };
    a.venue
        .cpi(&authority)
        .trade(oracles, vec![order], &signer.seeds())?;

    let (after, bounty) = {
        let mut vault = a.vault.load_mut()?;
        let book = a.venue.book(&vault)?;
        let n = vault.num_assets as usize;
        let m = hedge_book::marked(&book, n, &priced.prices[..n], now)?;
        let after = after_trade(&vault, &b, &book, &m)?;
        (after, record_trade(&mut vault, &b, &after, now)?)
    };
    let base_vault = a.base_vault.to_account_info();
    let base_before = Before::balance(&base_vault)?;
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &base_vault,
        to: &a.keeper_base.to_account_info(),
        mint: &a.base_mint.to_account_info(),
        authority: &authority,
        decimals: a.base_mint.decimals,
    }
    .transfer(bounty, &[&signer.seeds()])?;
    base_before.expect_balance(&base_vault, Change::Down(bounty))?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.base_accounted()?, &base_vault)?;
    vault.invariant()?;
    emit!(HedgeRebalanced {
        vault: a.vault.key(),
        keeper: a.keeper.key(),
        asset,
        base_delta,
        position_after: after.position,
        residual_before: b.check.residual.to_bits(),
        residual_after: after.residual.to_bits(),
        cost: after.cost.to_bits(),
        leverage_after: after.leverage.to_bits(),
        margin_ratio_after: after.margin_ratio.to_bits(),
        bounty,
    });
    Ok(())
}
