use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::AccountMeta;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::CollateralMoved;
use crate::math::nav::{nav, nav_with_perp, PriceSide, PricedHolding};
use crate::math::Fx;
use crate::state::Vault;
use crate::{cpi, oracle, perp};

/// Accounts of the hedge venue that collateral moves use; remaining accounts are one oracle
/// per asset, in asset order (the venue's markets mirror the assets).
#[derive(Accounts)]
pub struct MoveCollateral<'info> {
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
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// Permissionless, keeper-triggered. `to_venue`: idle base becomes collateral, up to
/// `max_collateral_bps` of NAV, minting units of the margin account to the share holders at
/// its current equity. Otherwise collateral comes back to the idle buffer (never gated by a
/// pause), at most the share holders' part, keeping twice the minimum margin ratio.
pub fn handle_move_collateral<'info>(
    ctx: Context<'info, MoveCollateral<'info>>,
    amount: u64,
    to_venue: bool,
) -> Result<()> {
    require!(amount > 0, VaultError::RebalanceInvalidAmount);
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let balance_before = a.base_vault.amount;

    let (units_minted, units_burned, equity_before, authority_bump) = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        if to_venue {
            vault.check_not_paused(PAUSE_HEDGE)?;
        }
        let n = vault.num_assets as usize;
        let prices = oracle::load_prices(&mut vault, ctx.remaining_accounts, now)?;
        let book = perp::load(&vault, &a.exchange, &a.margin_account)?;
        perp::check_mirror(&vault, &book.exchange)?;
        let m = perp::marked(&book, n, &prices[..n], now)?;
        let h = vault.hedge;
        let owners = perp::owners_value(&vault, m.equity, PriceSide::Low)?;
        let mids: Vec<PricedHolding> = vault
            .active_assets()
            .iter()
            .enumerate()
            .map(|(i, s)| PricedHolding {
                amount: s.holdings,
                low: prices[i].price,
                high: prices[i].price,
            })
            .collect();
        let nav_mid = nav_with_perp(nav(vault.idle_base, &mids, PriceSide::Low)?, owners)?;
        let amount_fx = Fx::from_num(amount);
        let (minted, burned) = if to_venue {
            require!(
                amount <= vault.idle_base,
                VaultError::WithdrawInsufficientIdle
            );
            let cap = Fx::from_num(nav_mid) * Fx::from_num(h.params.max_collateral_bps)
                / Fx::from_num(BPS_DENOMINATOR);
            require!(
                m.equity + amount_fx <= cap,
                VaultError::HedgeCollateralCapExceeded
            );
            let minted = if h.units_total == 0 {
                amount
                    .checked_mul(HEDGE_UNITS_PER_BASE)
                    .ok_or(VaultError::MathOverflow)?
            } else {
                require!(m.equity > Fx::ZERO, VaultError::HedgeMarginTooLow);
                (amount_fx * Fx::from_num(h.units_total) / m.equity)
                    .floor()
                    .checked_to_num::<u64>()
                    .ok_or(VaultError::MathOverflow)?
            };
            vault.idle_base -= amount;
            (minted, 0)
        } else {
            require!(
                h.units_total > 0 && m.equity > Fx::ZERO && owners >= amount as i64,
                VaultError::HedgeWithdrawTooLarge
            );
            let after = m.equity - amount_fx;
            if m.maintenance > Fx::ZERO {
                let buffer = m.maintenance * Fx::from_num(2 * h.params.min_margin_ratio_bps as u64)
                    / Fx::from_num(BPS_DENOMINATOR);
                require!(after >= buffer, VaultError::HedgeWithdrawTooLarge);
            }
            let burned = (amount_fx * Fx::from_num(h.units_total) / m.equity)
                .ceil()
                .checked_to_num::<u64>()
                .ok_or(VaultError::MathOverflow)?;
            require!(
                burned <= h.owners_units(),
                VaultError::HedgeWithdrawTooLarge
            );
            vault.idle_base = vault
                .idle_base
                .checked_add(amount)
                .ok_or(VaultError::MathOverflow)?;
            (0, burned)
        };
        vault.hedge.units_total = vault
            .hedge
            .units_total
            .checked_add(minted)
            .and_then(|u| u.checked_sub(burned))
            .ok_or(VaultError::MathOverflow)?;
        (minted, burned, m.equity, vault.authority_bump)
    };

    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    let metas = cpi::perp::move_collateral_metas(
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
    let program = a.hedge_program.to_account_info();
    if to_venue {
        cpi::perp::invoke(
            &program,
            metas,
            &infos,
            sim_perp::instruction::DepositCollateral { amount },
            seeds,
        )?;
    } else {
        let mut metas = metas;
        for o in ctx.remaining_accounts {
            metas.push(AccountMeta::new_readonly(*o.key, false));
            infos.push(o.clone());
        }
        cpi::perp::invoke(
            &program,
            metas,
            &infos,
            sim_perp::instruction::WithdrawCollateral { amount },
            seeds,
        )?;
    }

    // Exactly `amount` left or arrived in the base account.
    let balance_after = cpi::token_balance(&a.base_vault.to_account_info())?;
    let expected = if to_venue {
        balance_before.checked_sub(amount)
    } else {
        balance_before.checked_add(amount)
    };
    require!(
        Some(balance_after) == expected,
        VaultError::VaultUnexpectedBalanceChange
    );
    let vault = a.vault.load()?;
    require!(
        vault.idle_base <= balance_after,
        VaultError::VaultAccountingExceedsBalance
    );
    vault.invariant()?;
    emit!(CollateralMoved {
        vault: vault_key,
        keeper: a.keeper.key(),
        to_venue,
        amount,
        units_minted,
        units_burned,
        units_total: vault.hedge.units_total,
        equity_before: equity_before.to_bits(),
        idle_after: vault.idle_base,
    });
    Ok(())
}
