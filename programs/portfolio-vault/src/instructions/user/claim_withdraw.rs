use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::TokenMove;
use crate::error::VaultError;
use crate::events::WithdrawClaimed;
use crate::operations;
use crate::state::{Vault, WithdrawRequest};

/// Permissionless: sends what fills have paid a request to the receiver it named, and closes
/// the request (rent to its owner) once it is filled or cancelled and the head has passed it.
/// Uses no price. Never paused.
#[derive(Accounts)]
pub struct ClaimWithdraw<'info> {
    #[account(
        mut,
        has_one = base_mint @ VaultError::TokenWrongMint,
        has_one = base_vault @ VaultError::TokenAccountNotVaultAccount,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = request.receiver @ VaultError::QueueRequestMismatch)]
    pub receiver_base: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: receives the request's rent when it closes; fixed by the request.
    #[account(mut, address = request.owner @ VaultError::QueueRequestMismatch)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut, constraint = request.vault == vault.key() @ VaultError::QueueRequestMismatch)]
    pub request: Account<'info, WithdrawRequest>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

pub fn handle_claim_withdraw<'info>(ctx: Context<'info, ClaimWithdraw<'info>>) -> Result<()> {
    let a = ctx.accounts;
    let vault_key = a.vault.key();
    let (amount, done, signer) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let (amount, done) = operations::queue::claim(&vault, &a.request)?;
        operations::queue::apply_claim(&mut vault, &mut a.request, amount)?;
        (amount, done, vault.authority_signer(vault_key))
    };
    let base_vault = a.base_vault.to_account_info();
    let before = Before::balance(&base_vault)?;
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &base_vault,
        to: &a.receiver_base.to_account_info(),
        mint: &a.base_mint.to_account_info(),
        authority: &a.vault_authority.to_account_info(),
        decimals: a.base_mint.decimals,
    }
    .transfer(amount, &[&signer.seeds()])?;
    before.expect_balance(&base_vault, Change::Down(amount))?;
    {
        let vault = a.vault.load()?;
        checks::accounting_within(vault.base_accounted()?, &base_vault)?;
        vault.invariant()?;
    }
    emit!(WithdrawClaimed {
        vault: vault_key,
        request: a.request.key(),
        id: a.request.id,
        receiver: a.receiver_base.key(),
        amount,
        closed: done,
    });
    if done {
        a.request.close(a.owner.to_account_info())?;
    }
    Ok(())
}
