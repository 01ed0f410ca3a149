use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi;
use crate::error::VaultError;
use crate::events::WithdrawFilled;
use crate::math::nav::PriceSide;
use crate::state::{Vault, WithdrawRequest};
use crate::{operations, pricing};

/// Permissionless: pays as much of the request at the head of the queue as the idle base
/// covers, at the lower of its value at request and its value now (`operations::queue::fill`),
/// and burns the escrowed shares it pays for. The payment waits in the base account for
/// `claim_withdraw`. A head request with no shares left (cancelled) is passed without a price.
/// Remaining accounts: one oracle account per asset, in asset order, then (when the vault has
/// a hedge venue) its exchange and the vault's margin account. Never paused.
#[derive(Accounts)]
pub struct FillWithdraw<'info> {
    #[account(
        mut,
        has_one = base_vault @ VaultError::TokenAccountNotVaultAccount,
        has_one = share_mint @ VaultError::TokenWrongMint,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, seeds = [SHARE_ESCROW_SEED, vault.key().as_ref()], bump,
        token::mint = share_mint, token::authority = vault_authority)]
    pub share_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, constraint = request.vault == vault.key() @ VaultError::QueueRequestMismatch)]
    pub request: Account<'info, WithdrawRequest>,
    pub token_program: Program<'info, Token>,
}

pub fn handle_fill_withdraw<'info>(ctx: Context<'info, FillWithdraw<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    if a.request.shares == 0 {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        operations::queue::pass(&mut vault, &a.request)?;
        return vault.invariant();
    }
    let escrow = a.share_escrow.to_account_info();
    let share_mint = a.share_mint.to_account_info();
    let (escrow_before, supply_before) = (Before::balance(&escrow)?, Before::supply(&share_mint)?);
    let request = &mut a.request;
    let step = pricing::priced_step(&a.vault, ctx.remaining_accounts, now, |vault, priced| {
        let minted = supply_before.value();
        let e = operations::queue::fill(vault, request, priced, minted, now)?;
        e.apply(vault, request, now)?;
        Ok(e)
    })?;
    let e = &step.effects;
    cpi::burn_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &escrow,
        &a.vault_authority.to_account_info(),
        e.shares,
        &[&step.signer.seeds()],
    )?;

    escrow_before.expect_balance(&escrow, Change::Down(e.shares))?;
    supply_before.expect_supply(&share_mint, Change::Down(e.shares))?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.queue_shares, &escrow)?;
    checks::accounting_within(vault.base_accounted()?, &a.base_vault.to_account_info())?;
    vault.invariant()?;
    emit!(WithdrawFilled {
        vault: a.vault.key(),
        request: a.request.key(),
        id: a.request.id,
        shares_burned: e.shares,
        paid: e.paid,
        owed_released: e.owed_released,
        full: e.full,
        nav_before: e.nav_before,
        supply_before: e.supply_before,
        supply_after: e.supply_after(),
        idle_before: step.idle_before,
        idle_after: vault.idle_base,
        queue_head_after: vault.queue_head,
        management_fee_shares_accrued: e.management.shares,
        prices_low: step.priced.price_bits(PriceSide::Low),
    });
    Ok(())
}
