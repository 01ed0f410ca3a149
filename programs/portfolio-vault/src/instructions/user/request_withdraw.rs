use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::WithdrawRequested;
use crate::math::nav::PriceSide;
use crate::state::{Vault, WithdrawRequest};
use crate::{operations, pricing};

/// Queues a withdrawal of `shares` (`operations::queue`): the shares move into the vault's
/// escrow, and the request records their value now at the low side, less the flow levy, as
/// the most it will be paid. The escrow (on the first request) and the request account are
/// created at their PDAs so that lamports sent there first do not block them. Remaining
/// accounts: one oracle account per asset, in asset order, then (when the vault has a hedge
/// venue) its exchange and the vault's margin account. Never paused.
#[derive(Accounts)]
pub struct RequestWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = base_mint @ VaultError::TokenWrongMint,
        has_one = share_mint @ VaultError::TokenWrongMint,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Every payment of the request goes here; may belong to anyone.
    #[account(token::mint = base_mint)]
    pub receiver_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = share_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the vault's share escrow; created here on the first request.
    #[account(mut, seeds = [SHARE_ESCROW_SEED, vault.key().as_ref()], bump)]
    pub share_escrow: UncheckedAccount<'info>,
    /// CHECK: created in the handler at this PDA (the vault's next request id).
    #[account(mut, seeds = [WITHDRAW_REQUEST_SEED, vault.key().as_ref(),
        &vault.load()?.queue_next.to_le_bytes()], bump)]
    pub request: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handle_request_withdraw<'info>(
    ctx: Context<'info, RequestWithdraw<'info>>,
    shares: u64,
    min_owed: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    require!(
        a.owner_shares.amount >= shares,
        VaultError::WithdrawInsufficientShares
    );
    let (vault_key, escrow) = (a.vault.key(), a.share_escrow.to_account_info());
    let share_mint = a.share_mint.to_account_info();
    if escrow.data_is_empty() {
        let bump = [ctx.bumps.share_escrow];
        cpi::create_token_account_pda(
            &a.owner.to_account_info(),
            &escrow,
            &share_mint,
            &a.vault_authority.to_account_info(),
            &a.token_program.to_account_info(),
            &a.system_program.to_account_info(),
            &[SHARE_ESCROW_SEED, vault_key.as_ref(), &bump],
        )?;
    }
    let (escrow_before, supply_before) = (Before::balance(&escrow)?, Before::supply(&share_mint)?);

    let step = pricing::priced_step(&a.vault, ctx.remaining_accounts, now, |vault, priced| {
        let minted = supply_before.value();
        let e = operations::queue::request(vault, priced, minted, shares, min_owed, now)?;
        let id = e.apply(vault, now)?;
        Ok((e, id))
    })?;
    let (effects, id) = step.effects;

    let bump = ctx.bumps.request;
    let id_bytes = id.to_le_bytes();
    let request = a.request.to_account_info();
    account_init::create_pda(
        &a.owner.to_account_info(),
        &request,
        &a.system_program.to_account_info(),
        8 + WithdrawRequest::INIT_SPACE,
        &crate::ID,
        &[
            WITHDRAW_REQUEST_SEED,
            vault_key.as_ref(),
            &id_bytes,
            &[bump],
        ],
        VaultError::AccountAlreadyInitialized,
    )?;
    let owner = a.owner.key();
    let receiver = a.receiver_base.key();
    account_init::write_account(
        &request,
        &effects.request_account(vault_key, owner, receiver, id, now, bump),
    )?;
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        from: &a.owner_shares.to_account_info(),
        to: &escrow,
        mint: &share_mint,
        authority: &a.owner.to_account_info(),
        decimals: a.share_mint.decimals,
    }
    .transfer(shares, &[])?;

    escrow_before.expect_balance(&escrow, Change::Up(shares))?;
    supply_before.expect_supply(&share_mint, Change::Up(0))?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.queue_shares, &escrow)?;
    vault.invariant()?;
    emit!(WithdrawRequested {
        vault: vault_key,
        owner,
        request: request.key(),
        id,
        receiver,
        shares,
        owed: effects.owed,
        gross: effects.exit.gross,
        levy: effects.exit.levy.levy,
        nav_before: effects.exit.nav_before,
        supply_before: effects.exit.supply_before,
        queue_owed_after: vault.queue_owed,
        management_fee_shares_accrued: effects.exit.management.shares,
        prices_low: step.priced.price_bits(PriceSide::Low),
    });
    Ok(())
}
