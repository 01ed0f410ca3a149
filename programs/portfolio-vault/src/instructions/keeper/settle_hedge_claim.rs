use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::AccountMeta;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::HedgeClaimSettled;
use crate::math::nav::PriceSide;
use crate::math::Fx;
use crate::state::{HedgeClaim, Vault};
use crate::{cpi, oracle, perp};

/// Permissionless: pays a claim (from a redemption in kind) out of the margin account, as far
/// as the venue lets collateral leave; what cannot leave now stays claimed. Remaining
/// accounts: one oracle per asset, in asset order.
#[derive(Accounts)]
pub struct SettleHedgeClaim<'info> {
    pub keeper: Signer<'info>,
    #[account(mut, has_one = base_mint @ VaultError::TokenWrongMint, has_one = base_vault @ VaultError::TokenAccountNotVaultAccount)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// CHECK: the hedge venue's program; must be the one governance set.
    #[account(executable, address = vault.load()?.hedge.program_id @ VaultError::HedgeAccountMismatch)]
    pub hedge_program: UncheckedAccount<'info>,
    /// CHECK: checked against the vault's hedge venue by `perp::load`.
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: checked against the vault's hedge venue by `perp::load`.
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
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
    let vault_key = ctx.accounts.vault.key();
    let units = ctx.accounts.claim.units;
    require!(units > 0, VaultError::HedgeClaimEmpty);
    let a = &ctx.accounts;
    let balance_before = a.base_vault.amount;

    let (pay, burned, authority_bump) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let n = vault.num_assets as usize;
        let prices = oracle::load_prices(&mut vault, ctx.remaining_accounts, now)?;
        let book = perp::load(&vault, &a.exchange, &a.margin_account)?;
        let m = perp::marked(&book, n, &prices[..n], now)?;
        let low = perp::equity(&book, n, &prices[..n], Some(PriceSide::Low), now)?;
        let h = vault.hedge;
        let u_total = Fx::from_num(h.units_total);
        // Owed at the low side of every band; payable within the venue's free collateral.
        let owed = (low.max(Fx::ZERO) * Fx::from_num(units) / u_total).floor();
        let collateral = book.account.as_ref().map(|x| x.collateral).unwrap_or(0);
        let free = (m.equity - m.initial)
            .min(Fx::from_num(collateral))
            .max(Fx::ZERO)
            .floor();
        let pay = owed.min(free);
        let burned = if pay == owed || low <= Fx::ZERO {
            units
        } else {
            ((pay * u_total / low).ceil())
                .checked_to_num::<u64>()
                .ok_or(VaultError::MathOverflow)?
                .min(units)
        };
        require!(burned > 0, VaultError::HedgeWithdrawTooLarge);
        let pay: u64 = pay.checked_to_num().ok_or(VaultError::MathOverflow)?;
        vault.hedge.units_total -= burned;
        vault.hedge.units_claimed -= burned;
        (pay, burned, vault.authority_bump)
    };

    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    if pay > 0 {
        let mut metas = cpi::perp::move_collateral_metas(
            a.vault_authority.key(),
            a.exchange.key(),
            a.margin_account.key(),
            a.collateral_vault.key(),
            a.base_vault.key(),
            a.base_mint.key(),
            a.base_token_program.key(),
        );
        let mut infos = vec![
            a.vault_authority.to_account_info(),
            a.exchange.to_account_info(),
            a.margin_account.to_account_info(),
            a.collateral_vault.to_account_info(),
            a.base_vault.to_account_info(),
            a.base_mint.to_account_info(),
            a.base_token_program.to_account_info(),
        ];
        for o in ctx.remaining_accounts {
            metas.push(AccountMeta::new_readonly(*o.key, false));
            infos.push(o.clone());
        }
        cpi::perp::invoke(
            &a.hedge_program.to_account_info(),
            metas,
            &infos,
            sim_perp::instruction::WithdrawCollateral { amount: pay },
            seeds,
        )?;
        cpi::transfer(
            &a.base_token_program.to_account_info(),
            &a.base_vault.to_account_info(),
            &a.claimant_base.to_account_info(),
            &a.base_mint.to_account_info(),
            &a.vault_authority.to_account_info(),
            &[seeds],
            pay,
            a.base_mint.decimals,
        )?;
    }
    // The base account passed the payment through unchanged.
    require!(
        cpi::token_balance(&a.base_vault.to_account_info())? == balance_before,
        VaultError::VaultUnexpectedBalanceChange
    );
    let claim = &mut ctx.accounts.claim;
    claim.units -= burned;
    let owner = claim.owner;
    let units_left = claim.units;
    let vault = ctx.accounts.vault.load()?;
    vault.invariant()?;
    emit!(HedgeClaimSettled {
        vault: vault_key,
        owner,
        paid: pay,
        units_burned: burned,
        units_left,
    });
    Ok(())
}
