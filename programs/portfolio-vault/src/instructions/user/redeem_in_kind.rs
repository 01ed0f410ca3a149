use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::{HedgeClaimRecorded, RedeemedInKind};
use crate::math::shares::value_for_shares_floor;
use crate::state::{HedgeClaim, Vault};
use crate::{cpi, operations};

/// Accounts per asset in `remaining_accounts`, in asset order.
pub const REDEEM_ACCOUNTS_PER_ASSET: usize = 3;

/// Remaining accounts: for each asset, in asset order, `[vault token account (writable),
/// receiver token account (writable, owned by the user), mint]`; then the user's `HedgeClaim`
/// (writable), required while the vault's share holders own units of a perp margin account
/// (it records their pro-rata part of it), optional otherwise. Needs no oracle and no venue; works while paused, while
/// any oracle is stale and while the venue is halted.
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
fn check_asset_accounts(
    slot: &crate::state::AssetSlot,
    vault_ta: &AccountInfo,
    user_ta: &AccountInfo,
    mint: &AccountInfo,
    user: &Pubkey,
) -> Result<()> {
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

pub fn handle_redeem_in_kind<'info>(
    ctx: Context<'info, RedeemInKind<'info>>,
    shares: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let user_key = a.user.key();
    let minted_before = a.share_mint.supply;
    require!(
        a.user_shares.amount >= shares,
        VaultError::WithdrawInsufficientShares
    );

    let (effects, n, authority_bump, claim_units) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let n = vault.num_assets as usize;
        let with_claim = vault.hedge.owners_units() > 0;
        // The claim account is required while there are units to claim, optional otherwise.
        let len = ctx.remaining_accounts.len();
        let base_len = n * REDEEM_ACCOUNTS_PER_ASSET;
        require!(
            len == base_len + 1 || (!with_claim && len == base_len),
            VaultError::TokenAccountCountMismatch
        );
        for (i, slot) in vault.active_assets().iter().enumerate() {
            let acc = &ctx.remaining_accounts[i * REDEEM_ACCOUNTS_PER_ASSET..];
            check_asset_accounts(slot, &acc[0], &acc[1], &acc[2], &user_key)?;
        }
        let effects = operations::redeem::redeem_in_kind(&vault, minted_before, shares, now)?;
        vault.apply_management_accrual(&effects.management, now)?;
        vault.idle_base -= effects.base_out; // pro-rata slice <= whole
        for (i, slot) in vault.active_assets_mut().iter_mut().enumerate() {
            slot.holdings -= effects.assets_out[i];
        }
        // The pro-rata part of the margin account becomes the leaver's claim: recorded here
        // without touching the venue (halted or not), paid by `settle_hedge_claim`.
        let claim_units = if with_claim {
            value_for_shares_floor(shares, vault.hedge.owners_units(), effects.supply_before)?
        } else {
            0
        };
        vault.hedge.units_claimed += claim_units; // <= owners' units
        (effects, n, vault.authority_bump, claim_units)
    };
    if claim_units > 0 {
        let info = &ctx.remaining_accounts[n * REDEEM_ACCOUNTS_PER_ASSET];
        require!(info.is_writable, VaultError::HedgeClaimAccountInvalid);
        let mut claim = Account::<HedgeClaim>::try_from(info)
            .map_err(|_| error!(VaultError::HedgeClaimAccountInvalid))?;
        require!(
            claim.vault == vault_key && claim.owner == user_key,
            VaultError::HedgeClaimAccountInvalid
        );
        claim.units = claim
            .units
            .checked_add(claim_units)
            .ok_or(VaultError::MathOverflow)?;
        let units_after = claim.units;
        claim.exit(&crate::ID)?;
        let units_claimed_after = a.vault.load()?.hedge.units_claimed;
        emit!(HedgeClaimRecorded {
            vault: vault_key,
            owner: user_key,
            units: claim_units,
            claim_units_after: units_after,
            units_claimed_after,
        });
    }

    cpi::burn_shares(
        &a.token_program.to_account_info(),
        &a.share_mint.to_account_info(),
        &a.user_shares.to_account_info(),
        &a.user.to_account_info(),
        shares,
    )?;
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    let base_before = a.base_vault.amount;
    cpi::transfer(
        &a.base_token_program.to_account_info(),
        &a.base_vault.to_account_info(),
        &a.user_base.to_account_info(),
        &a.base_mint.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[seeds],
        effects.base_out,
        a.base_mint.decimals,
    )?;
    require!(
        cpi::token_balance(&a.base_vault.to_account_info())? == base_before - effects.base_out,
        VaultError::VaultUnexpectedBalanceChange
    );
    for i in 0..n {
        // One slot copied at a time keeps the stack frame small.
        let slot = a.vault.load()?.assets[i];
        let acc = &ctx.remaining_accounts[i * REDEEM_ACCOUNTS_PER_ASSET..];
        let program = if slot.token_program == anchor_spl::token::ID {
            a.token_program.to_account_info()
        } else {
            a.token_2022_program.to_account_info()
        };
        let before = cpi::token_balance(&acc[0])?;
        cpi::transfer(
            &program,
            &acc[0],
            &acc[1],
            &acc[2],
            &a.vault_authority.to_account_info(),
            &[seeds],
            effects.assets_out[i],
            slot.decimals,
        )?;
        let after = cpi::token_balance(&acc[0])?;
        require!(
            after == before - effects.assets_out[i],
            VaultError::VaultUnexpectedBalanceChange
        );
        require!(
            after >= slot.holdings,
            VaultError::VaultAccountingExceedsBalance
        );
    }
    require!(
        cpi::mint_supply(&a.share_mint.to_account_info())? == minted_before - shares,
        VaultError::VaultUnexpectedBalanceChange
    );
    let vault = a.vault.load()?;
    require!(
        vault.idle_base <= cpi::token_balance(&a.base_vault.to_account_info())?,
        VaultError::VaultAccountingExceedsBalance
    );
    vault.invariant()?;

    emit!(RedeemedInKind {
        vault: vault_key,
        user: user_key,
        shares_burned: shares,
        supply_before: effects.supply_before,
        supply_after: effects.supply_before - shares,
        base_paid: effects.base_out,
        assets_paid: effects.assets_out,
        management_fee_shares_accrued: effects.management.shares,
    });
    Ok(())
}
