use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::WithdrawCancelled;
use crate::operations;
use crate::state::{Vault, WithdrawRequest};

/// The owner takes back what is left of a request (`operations::queue::cancel`): before the
/// vault's `max_withdraw_wait_s` the levy stays behind as escrowed shares burned; after it,
/// every share comes back. Uses no price, so it works with stale oracles and while paused;
/// with `redeem_in_kind` in the same transaction it is the exit that never waits.
#[derive(Accounts)]
pub struct CancelWithdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = share_mint @ VaultError::TokenWrongMint)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(mut)]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, seeds = [SHARE_ESCROW_SEED, vault.key().as_ref()], bump,
        token::mint = share_mint, token::authority = vault_authority)]
    pub share_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the returned shares; may belong to anyone.
    #[account(mut, token::mint = share_mint, token::token_program = token_program)]
    pub receiver_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut,
        constraint = request.vault == vault.key() && request.owner == owner.key()
            @ VaultError::QueueRequestMismatch)]
    pub request: Account<'info, WithdrawRequest>,
    pub token_program: Program<'info, Token>,
}

pub fn handle_cancel_withdraw<'info>(ctx: Context<'info, CancelWithdraw<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let vault_key = a.vault.key();
    let escrow = a.share_escrow.to_account_info();
    let share_mint = a.share_mint.to_account_info();
    let (escrow_before, supply_before) = (Before::balance(&escrow)?, Before::supply(&share_mint)?);
    let (e, signer) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let e = operations::queue::cancel(&vault, &a.request, supply_before.value(), now)?;
        e.apply(&mut vault, &mut a.request, now)?;
        (e, vault.authority_signer(vault_key))
    };
    let authority = a.vault_authority.to_account_info();
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        from: &escrow,
        to: &a.receiver_shares.to_account_info(),
        mint: &share_mint,
        authority: &authority,
        decimals: a.share_mint.decimals,
    }
    .transfer(e.returned, &[&signer.seeds()])?;
    let token_program = a.token_program.to_account_info();
    cpi::burn_shares(
        &token_program,
        &share_mint,
        &escrow,
        &authority,
        e.burned,
        &[&signer.seeds()],
    )?;

    let taken = e.returned.saturating_add(e.burned);
    escrow_before.expect_balance(&escrow, Change::Down(taken))?;
    supply_before.expect_supply(&share_mint, Change::Down(e.burned))?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.queue_shares, &escrow)?;
    vault.invariant()?;
    emit!(WithdrawCancelled {
        vault: vault_key,
        request: a.request.key(),
        id: a.request.id,
        owner: a.owner.key(),
        shares_returned: e.returned,
        shares_burned: e.burned,
        owed_released: e.owed_released,
        late: e.late,
    });
    Ok(())
}
