use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{Before, Change};
use crate::constants::*;
use crate::cpi::hedge::CollateralAccounts;
use crate::cpi::TokenMove;
use crate::error::VaultError;
use crate::events::HedgeClaimSettled;
use crate::hedge_book;
use crate::instructions::keeper::hedge_venue::*;
use crate::operations::hedge::{settle_orders, settle_payout};
use crate::pricing;
use crate::state::{HedgeClaim, Vault};
use sim_perp::Order;

/// Permissionless: settles a claim (from a redemption in kind) on the margin account. The
/// claim's part of every position is closed first, so the holders who stay keep a book whose
/// margin ratio is unchanged; then its value (its units' share of the net equity, less the
/// cost of closing its part) is paid as far as the account can pay above the venue's initial
/// margin and the vault's minimum margin ratio. What cannot be paid now stays owed, a fixed
/// amount ahead of the units, paid by a later call. Remaining accounts: one oracle per asset,
/// in asset order.
#[derive(Accounts)]
pub struct SettleHedgeClaim<'info> {
    pub keeper: Signer<'info>,
    #[account(mut, has_one = base_mint @ VaultError::TokenWrongMint, has_one = base_vault @ VaultError::TokenAccountNotVaultAccount)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub venue: HedgeVenue<'info>,
    /// CHECK: the exchange's collateral vault; the venue checks it against the exchange.
    #[account(mut)]
    pub collateral_vault: UncheckedAccount<'info>,
    #[account(mut, has_one = vault @ VaultError::HedgeClaimAccountInvalid,
        seeds = [HEDGE_CLAIM_SEED, vault.key().as_ref(), claim.owner.as_ref()], bump = claim.bump)]
    pub claim: Account<'info, HedgeClaim>,
    #[account(mut, token::mint = base_mint, token::authority = claim.owner, token::token_program = base_token_program)]
    pub claimant_base: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

pub fn handle_settle_hedge_claim<'info>(
    ctx: Context<'info, SettleHedgeClaim<'info>>,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let oracles = ctx.remaining_accounts;
    let authority = a.vault_authority.to_account_info();

    // Load, and plan the orders that close the claim's part of every position.
    let (priced, equity_before, orders, signer) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let book = a.venue.book(&vault)?;
        let priced = pricing::load(&mut vault, oracles, Some(&book), now)?;
        let n = vault.num_assets as usize;
        let m = hedge_book::marked(&book, n, &priced.prices[..n], now)?;
        let orders = settle_orders(&vault, &priced, &book, &a.claim)?;
        let positions: Vec<(Order, i64)> = orders
            .into_iter()
            .map(|o| (o, book.position(o.market as usize)))
            .collect();
        (
            priced,
            m.equity,
            positions,
            vault.authority_signer(a.vault.key()),
        )
    };
    if !orders.is_empty() {
        let batch = orders.iter().map(|(o, _)| *o).collect();
        a.venue
            .cpi(&authority)
            .trade(oracles, batch, &signer.seeds())?;
        let book = a.venue.book(&*a.vault.load()?)?;
        for (o, before) in &orders {
            require!(
                Some(book.position(o.market as usize)) == before.checked_add(o.base_delta),
                VaultError::HedgeFillMismatch
            );
        }
    }

    // What the claim is worth after closing its part, and what the account can pay now.
    let mut claim = a.claim.clone().into_inner();
    let effects = {
        let mut vault = a.vault.load_mut()?;
        let book = a.venue.book(&vault)?;
        let n = vault.num_assets as usize;
        let m = hedge_book::marked(&book, n, &priced.prices[..n], now)?;
        let effects = settle_payout(&vault, &claim, equity_before, &m, book.collateral())?;
        effects.apply(&mut vault, &mut claim)?;
        vault.invariant()?;
        effects
    };
    if effects.paid > 0 {
        pay(&ctx, &authority, oracles, effects.paid, &signer.seeds())?;
    }
    let c = &mut ctx.accounts.claim;
    c.units = claim.units;
    c.owed = claim.owed;
    emit!(HedgeClaimSettled {
        vault: ctx.accounts.vault.key(),
        owner: c.owner,
        paid: effects.paid,
        units_burned: effects.units_burned,
        value: effects.value,
        owed_after: effects.owed_after,
    });
    Ok(())
}

/// Withdraws `amount` from the venue into the base account and passes it to the claimant; the
/// base account ends where it started.
fn pay<'info>(
    ctx: &Context<'info, SettleHedgeClaim<'info>>,
    authority: &AccountInfo<'info>,
    oracles: &[AccountInfo<'info>],
    amount: u64,
    seeds: &[&[u8]],
) -> Result<()> {
    let a = &ctx.accounts;
    let base_vault = a.base_vault.to_account_info();
    let base_before = Before::balance(&base_vault)?;
    let tokens = CollateralAccounts {
        collateral_vault: a.collateral_vault.as_ref(),
        base_vault: &base_vault,
        mint: &a.base_mint.to_account_info(),
        token_program: &a.base_token_program.to_account_info(),
    };
    a.venue
        .cpi(authority)
        .withdraw(&tokens, oracles, amount, seeds)?;
    TokenMove {
        token_program: tokens.token_program,
        from: &base_vault,
        to: &a.claimant_base.to_account_info(),
        mint: tokens.mint,
        authority,
        decimals: a.base_mint.decimals,
    }
    .transfer(amount, &[seeds])?;
    base_before.expect_balance(&base_vault, Change::Up(0))?;
    Ok(())
}
