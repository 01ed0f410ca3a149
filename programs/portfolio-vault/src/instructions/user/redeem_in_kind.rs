use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::{HedgeClaimRecorded, RedeemedInKind};
use crate::operations;
use crate::state::{AssetSlot, HedgeClaim, Vault};

/// Accounts per asset in `remaining_accounts`, in asset order.
pub const REDEEM_ACCOUNTS_PER_ASSET: usize = 3;

/// Remaining accounts: for each asset, in asset order, `[vault token account (writable),
/// receiver token account (writable, owned by the user), mint]`; then the user's `HedgeClaim`
/// (writable), required while the vault's share holders own units of a margin account (it
/// records their pro-rata part of it), optional otherwise. Needs no oracle and no venue; works
/// while paused, while any oracle is stale and while the venue is halted.
#[derive(Accounts)]
pub struct RedeemInKind<'info> {
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
    #[account(mut, token::mint = share_mint, token::authority = user, token::token_program = token_program)]
    pub user_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub token_2022_program: Program<'info, Token2022>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// Checks one asset's triple of remaining accounts against the vault's records.
fn check_asset_accounts(slot: &AssetSlot, acc: &[AccountInfo], user: &Pubkey) -> Result<()> {
    let (vault_ta, user_ta, mint) = (&acc[0], &acc[1], &acc[2]);
    require_keys_eq!(
        *vault_ta.key,
        slot.token_account,
        VaultError::TokenAccountNotVaultAccount
    );
    require_keys_eq!(*mint.key, slot.mint, VaultError::TokenWrongMint);
    require_keys_eq!(
        *user_ta.owner,
        slot.token_program,
        VaultError::TokenAccountWrongProgram
    );
    let data = user_ta.try_borrow_data()?;
    let account = anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions::<
        anchor_spl::token_2022::spl_token_2022::state::Account,
    >::unpack(&data)
    .map_err(|_| error!(VaultError::TokenAccountWrongProgram))?;
    require_keys_eq!(
        account.base.mint,
        slot.mint,
        VaultError::TokenAccountWrongMint
    );
    require_keys_eq!(
        account.base.owner,
        *user,
        VaultError::TokenAccountWrongOwner
    );
    Ok(())
}

/// The remaining accounts follow the layout (the claim account present whenever the share
/// holders own units of a margin account).
fn check_remaining(vault: &Vault, remaining: &[AccountInfo], user: &Pubkey) -> Result<()> {
    let n = vault.num_assets as usize;
    let base_len = n.saturating_mul(REDEEM_ACCOUNTS_PER_ASSET);
    let with_claim = vault.hedge.owners_units() > 0;
    let len = remaining.len();
    require!(
        len == base_len.saturating_add(1) || (!with_claim && len == base_len),
        VaultError::TokenAccountCountMismatch
    );
    for (slot, acc) in vault
        .active_assets()
        .iter()
        .zip(remaining.chunks_exact(REDEEM_ACCOUNTS_PER_ASSET))
    {
        check_asset_accounts(slot, acc, user)?;
    }
    Ok(())
}

/// Adds `units` to the user's claim account (the last remaining account): the pro-rata part of
/// the margin account becomes the leaver's claim, recorded without touching the venue (halted
/// or not) and settled by `settle_hedge_claim`.
fn record_claim<'info>(
    info: &'info AccountInfo<'info>,
    vault: Pubkey,
    user: Pubkey,
    units: u64,
    units_claimed_after: u64,
) -> Result<()> {
    require!(info.is_writable, VaultError::HedgeClaimAccountInvalid);
    let mut claim = Account::<HedgeClaim>::try_from(info)
        .map_err(|_| error!(VaultError::HedgeClaimAccountInvalid))?;
    require!(
        claim.vault == vault && claim.owner == user,
        VaultError::HedgeClaimAccountInvalid
    );
    claim.units = claim
        .units
        .checked_add(units)
        .ok_or(VaultError::MathOverflow)?;
    let after = claim.units;
    claim.exit(&crate::ID)?;
    emit!(HedgeClaimRecorded {
        vault,
        owner: user,
        units,
        claim_units_after: after,
        units_claimed_after,
    });
    Ok(())
}

/// Pays each asset's `amounts[i]` from the vault's account to the user's (the remaining
/// accounts' triples), checking each balance moved by exactly that and stays accounted.
fn pay_assets<'info>(
    ctx: &Context<'info, RedeemInKind<'info>>,
    amounts: &[u64; MAX_ASSETS],
    n: usize,
    seeds: &[&[u8]],
) -> Result<()> {
    let a = &ctx.accounts;
    for (i, acc) in ctx
        .remaining_accounts
        .chunks_exact(REDEEM_ACCOUNTS_PER_ASSET)
        .take(n)
        .enumerate()
    {
        // One slot copied at a time keeps the stack frame small.
        let slot = a.vault.load()?.assets[i];
        let program = if slot.token_program == anchor_spl::token::ID {
            a.token_program.to_account_info()
        } else {
            a.token_2022_program.to_account_info()
        };
        let before = Before::balance(&acc[0])?;
        TokenMove {
            token_program: &program,
            from: &acc[0],
            to: &acc[1],
            mint: &acc[2],
            authority: &a.vault_authority,
            decimals: slot.decimals,
        }
        .transfer(amounts[i], &[seeds])?;
        before.expect_balance(&acc[0], Change::Down(amounts[i]))?;
        checks::accounting_within(slot.holdings, &acc[0])?;
    }
    Ok(())
}

pub fn handle_redeem_in_kind<'info>(
    ctx: Context<'info, RedeemInKind<'info>>,
    shares: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let (vault_key, user_key) = (a.vault.key(), a.user.key());
    require!(
        a.user_shares.amount >= shares,
        VaultError::WithdrawInsufficientShares
    );
    let share_mint = a.share_mint.to_account_info();
    let base_vault = a.base_vault.to_account_info();
    let (supply_before, base_before) =
        (Before::supply(&share_mint)?, Before::balance(&base_vault)?);

    let (effects, n, signer, units_claimed_after) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        check_remaining(&vault, ctx.remaining_accounts, &user_key)?;
        let effects =
            operations::redeem::redeem_in_kind(&vault, supply_before.value(), shares, now)?;
        effects.apply(&mut vault, now)?;
        let n = vault.num_assets as usize;
        (
            effects,
            n,
            vault.authority_signer(vault_key),
            vault.hedge.units_claimed,
        )
    };
    if effects.claim_units > 0 {
        let info = &ctx.remaining_accounts[n.saturating_mul(REDEEM_ACCOUNTS_PER_ASSET)];
        record_claim(
            info,
            vault_key,
            user_key,
            effects.claim_units,
            units_claimed_after,
        )?;
    }
    cpi::burn_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &a.user_shares.to_account_info(),
        &a.user.to_account_info(),
        shares,
        &[],
    )?;
    let seeds = signer.seeds();
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &base_vault,
        to: &a.user_base.to_account_info(),
        mint: &a.base_mint.to_account_info(),
        authority: &a.vault_authority,
        decimals: a.base_mint.decimals,
    }
    .transfer(effects.base_out, &[&seeds])?;
    base_before.expect_balance(&base_vault, Change::Down(effects.base_out))?;
    pay_assets(&ctx, &effects.assets_out, n, &seeds)?;
    supply_before.expect_supply(&share_mint, Change::Down(shares))?;
    let vault = a.vault.load()?;
    checks::accounting_within(vault.base_accounted()?, &base_vault)?;
    vault.invariant()?;
    emit!(RedeemedInKind {
        vault: vault_key,
        user: user_key,
        shares_burned: shares,
        supply_before: effects.supply_before,
        supply_after: effects.supply_after(),
        base_paid: effects.base_out,
        assets_paid: effects.assets_out,
        management_fee_shares_accrued: effects.management.shares,
    });
    Ok(())
}
