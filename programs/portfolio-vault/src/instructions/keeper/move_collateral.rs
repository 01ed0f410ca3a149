use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::hedge::CollateralAccounts;
use crate::error::VaultError;
use crate::events::CollateralMoved;
use crate::hedge_book;
use crate::instructions::keeper::hedge_venue::*;
use crate::operations::hedge::{collateral_in, collateral_out};
use crate::pricing;
use crate::state::Vault;

/// Remaining accounts: one oracle per asset, in asset order (the venue's markets mirror them).
#[derive(Accounts)]
pub struct MoveCollateral<'info> {
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
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// Permissionless, keeper-triggered. `to_venue`: idle base becomes collateral, the share
/// holders' part of the account at most `max_collateral_bps` of their NAV, minting them units
/// at the account's current net equity. Otherwise collateral comes back to the idle buffer
/// (never gated by a pause), at most the share holders' part, keeping twice the minimum margin
/// ratio on their part of the requirement.
pub fn handle_move_collateral<'info>(
    ctx: Context<'info, MoveCollateral<'info>>,
    amount: u64,
    to_venue: bool,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let oracles = ctx.remaining_accounts;
    let base_vault = a.base_vault.to_account_info();
    let base_before = Before::balance(&base_vault)?;

    let (effects, equity_before, signer) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        if to_venue {
            vault.check_not_paused(PAUSE_HEDGE)?;
        }
        let book = a.venue.book(&vault)?;
        let priced = pricing::load(&mut vault, oracles, Some(&book), now)?;
        let n = vault.num_assets as usize;
        let m = hedge_book::marked(&book, n, &priced.prices[..n], now)?;
        let effects = if to_venue {
            collateral_in(&vault, &priced, &m, amount)?
        } else {
            collateral_out(&vault, &priced, &m, amount)?
        };
        effects.apply(&mut vault)?;
        (effects, m.equity, vault.authority_signer(a.vault.key()))
    };

    let authority = a.vault_authority.to_account_info();
    let tokens = CollateralAccounts {
        collateral_vault: a.collateral_vault.as_ref(),
        base_vault: &base_vault,
        mint: &a.base_mint.to_account_info(),
        token_program: &a.base_token_program.to_account_info(),
    };
    let venue = a.venue.cpi(&authority);
    let change = if to_venue {
        venue.deposit(&tokens, amount, &signer.seeds())?;
        Change::Down(amount)
    } else {
        venue.withdraw(&tokens, oracles, amount, &signer.seeds())?;
        Change::Up(amount)
    };
    base_before.expect_balance(&base_vault, change)?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.base_accounted()?, &base_vault)?;
    vault.invariant()?;
    emit!(CollateralMoved {
        vault: a.vault.key(),
        keeper: a.keeper.key(),
        to_venue,
        amount,
        units_minted: effects.units_minted,
        units_burned: effects.units_burned,
        units_total: vault.hedge.units_total,
        equity_before: equity_before.to_bits(),
        idle_after: vault.idle_base,
    });
    Ok(())
}
