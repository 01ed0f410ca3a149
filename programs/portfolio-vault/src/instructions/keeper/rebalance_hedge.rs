use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::AccountMeta;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::HedgeRebalanced;
use crate::math::hedge::hedge_target;
use crate::math::nav::PriceSide;
use crate::math::Fx;
use crate::operations::rebalance::{pay_bounty, roll_windows};
use crate::state::Vault;
use crate::{cpi, oracle, perp};

/// Remaining accounts: one oracle per asset, in asset order (the venue's markets mirror them).
#[derive(Accounts)]
pub struct RebalanceHedge<'info> {
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
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the bounty.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program,
        constraint = keeper_base.key() != base_vault.key() @ VaultError::TokenAccountNotVaultAccount)]
    pub keeper_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// What the pre-trade checks hand to the CPI and the post-trade checks.
struct Before {
    n: usize,
    prices: [crate::oracle::ValidatedPrice; MAX_ASSETS],
    position: i64,
    target: i64,
    residual: Fx,
    equity: Fx,
    nav: Fx,
    price: Fx,
    limit: Fx,
    authority_bump: u8,
}

/// Permissionless. Trades `base_delta` units of asset `asset`'s perp so its position moves
/// toward the hedge target (`-holding × hedge_ratio`), when it is further than the delta band
/// from it; refuses a wrong direction or an overshoot; then requires from the re-read margin
/// account: the exact size filled, an execution cost within `max_fee_bps`, and (for a trade
/// that adds exposure) leverage and margin ratio within their limits. Pays a capped bounty.
pub fn handle_rebalance_hedge<'info>(
    ctx: Context<'info, RebalanceHedge<'info>>,
    asset: u8,
    base_delta: i64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let b = check_before(&ctx, asset, base_delta, now)?;
    let i = asset as usize;

    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[b.authority_bump]];
    let mut metas = vec![
        AccountMeta::new_readonly(a.vault_authority.key(), true),
        AccountMeta::new(a.exchange.key(), false),
        AccountMeta::new(a.margin_account.key(), false),
    ];
    let mut infos = vec![
        a.vault_authority.to_account_info(),
        a.exchange.to_account_info(),
        a.margin_account.to_account_info(),
    ];
    for o in ctx.remaining_accounts {
        metas.push(AccountMeta::new_readonly(*o.key, false));
        infos.push(o.clone());
    }
    cpi::perp::invoke(
        &a.hedge_program.to_account_info(),
        metas,
        &infos,
        sim_perp::instruction::Trade {
            market: asset,
            base_delta,
            limit_price: b.limit.to_bits(),
        },
        seeds,
    )?;

    // Re-read the margin account the venue wrote.
    let (bounty, after, position_after, residual_after, cost) = {
        let mut vault = a.vault.load_mut()?;
        let book = perp::load(&vault, &a.exchange, &a.margin_account)?;
        let after = perp::marked(&book, b.n, &b.prices[..b.n], now)?;
        let position_after = book
            .account
            .as_ref()
            .map(|acc| acc.positions[i].base)
            .unwrap_or(0);
        require!(
            Some(position_after) == b.position.checked_add(base_delta),
            VaultError::HedgeFillMismatch
        );
        let notional = Fx::from_num(base_delta.unsigned_abs()) * b.price;
        let p = vault.hedge.params;
        let allowed = notional * Fx::from_num(p.max_fee_bps) / Fx::from_num(BPS_DENOMINATOR)
            + Fx::from_num(2);
        let cost = b.equity - after.equity;
        require!(cost <= allowed, VaultError::HedgeCostExceeded);
        let adds_exposure = position_after.unsigned_abs() > b.position.unsigned_abs();
        if adds_exposure {
            let nav_after = b.nav - cost.max(Fx::ZERO);
            let max_notional =
                nav_after * Fx::from_num(p.max_leverage_bps) / Fx::from_num(BPS_DENOMINATOR);
            require!(
                after.notional <= max_notional,
                VaultError::HedgeLeverageExceeded
            );
            let min_equity = after.maintenance * Fx::from_num(p.min_margin_ratio_bps)
                / Fx::from_num(BPS_DENOMINATOR);
            require!(after.equity >= min_equity, VaultError::HedgeMarginTooLow);
        }
        // Bounty: a share of the tracking cost saved (κ · residual² / NAV) net of the cost.
        let residual_after = Fx::from_num(position_after - b.target) * b.price;
        let aversion =
            Fx::from_num(vault.rebalance.tracking_aversion_bps) / Fx::from_num(BPS_DENOMINATOR);
        let saved = (b.residual * b.residual - residual_after * residual_after) / b.nav * aversion
            - cost.max(Fx::ZERO);
        let saved = if saved > Fx::ZERO {
            saved.floor().checked_to_num::<u64>().unwrap_or(u64::MAX)
        } else {
            0
        };
        let nav_u64 = b.nav.floor().checked_to_num::<u64>().unwrap_or(0);
        let params = vault.rebalance;
        let rolled_from = vault.rebalance_state.window_start_ts;
        roll_windows(&mut vault.rebalance_state, &params, nav_u64, now)?;
        if vault.rebalance_state.window_start_ts != rolled_from {
            vault.hedge.bountied_sold = 0;
            vault.hedge.bountied_bought = 0;
        }
        let bit = 1u32 << i;
        let reverses = if base_delta > 0 {
            vault.hedge.bountied_sold & bit != 0
        } else {
            vault.hedge.bountied_bought & bit != 0
        };
        let idle = vault.idle_base;
        let bounty = pay_bounty(&mut vault.rebalance_state, &params, saved, idle, reverses)?;
        if bounty > 0 {
            if base_delta > 0 {
                vault.hedge.bountied_bought |= bit;
            } else {
                vault.hedge.bountied_sold |= bit;
            }
            vault.idle_base -= bounty;
        }
        vault.hedge.last_hedge_ts = now;
        (bounty, after, position_after, residual_after, cost)
    };

    if bounty > 0 {
        cpi::transfer(
            &a.base_token_program.to_account_info(),
            &a.base_vault.to_account_info(),
            &a.keeper_base.to_account_info(),
            &a.base_mint.to_account_info(),
            &a.vault_authority.to_account_info(),
            &[seeds],
            bounty,
            a.base_mint.decimals,
        )?;
    }
    let vault = a.vault.load()?;
    require!(
        vault.idle_base <= cpi::token_balance(&a.base_vault.to_account_info())?,
        VaultError::VaultAccountingExceedsBalance
    );
    vault.invariant()?;
    let ratio = if after.maintenance > Fx::ZERO {
        after.equity / after.maintenance
    } else {
        Fx::ZERO
    };
    emit!(HedgeRebalanced {
        vault: vault_key,
        keeper: a.keeper.key(),
        asset,
        base_delta,
        position_after,
        residual_before: b.residual.to_bits(),
        residual_after: residual_after.to_bits(),
        cost: cost.to_bits(),
        leverage_after: (after.notional / b.nav).to_bits(),
        margin_ratio_after: ratio.to_bits(),
        bounty,
    });
    Ok(())
}

fn check_before<'info>(
    ctx: &Context<'info, RebalanceHedge<'info>>,
    asset: u8,
    base_delta: i64,
    now: i64,
) -> Result<Before> {
    let a = &ctx.accounts;
    let mut vault = a.vault.load_mut()?;
    vault.check_version()?;
    vault.check_not_paused(PAUSE_HEDGE)?;
    let h = vault.hedge;
    require!(
        h.params.mode == HEDGE_MODE_DELTA_NEUTRAL,
        VaultError::HedgeModeOff
    );
    require!(
        h.last_hedge_ts == 0 || now >= h.last_hedge_ts.saturating_add(h.params.cooldown_s as i64),
        VaultError::HedgeCooldown
    );
    let n = vault.num_assets as usize;
    let i = asset as usize;
    require!(i < n, VaultError::AssetIndexOutOfRange);
    let book = perp::load(&vault, &a.exchange, &a.margin_account)?;
    perp::check_mirror(&vault, &book.exchange)?;
    let prices = oracle::load_prices(&mut vault, ctx.remaining_accounts, now)?;
    let m = perp::marked(&book, n, &prices[..n], now)?;
    let owners = perp::owners_value(&vault, m.equity, PriceSide::Low)?;
    let mut nav = Fx::from_num(vault.idle_base) + Fx::from_num(owners);
    for (k, s) in vault.active_assets().iter().enumerate() {
        nav += Fx::from_num(s.holdings) * prices[k].price;
    }
    require!(nav > Fx::ZERO, VaultError::VaultNavZero);

    let position = book
        .account
        .as_ref()
        .map(|acc| acc.positions[i].base)
        .unwrap_or(0);
    let ratio = Fx::from_num(h.params.hedge_ratio_bps) / Fx::from_num(BPS_DENOMINATOR);
    let target = hedge_target(vault.assets[i].holdings, ratio)?;
    let error = position
        .checked_sub(target)
        .ok_or(VaultError::MathOverflow)?;
    let price = prices[i].price;
    let residual = Fx::from_num(error) * price;
    let band = nav * Fx::from_num(h.params.delta_band_bps) / Fx::from_num(BPS_DENOMINATOR);
    require!(residual.abs() > band, VaultError::HedgeNotNeeded);
    require!(
        base_delta != 0 && (base_delta > 0) == (error < 0),
        VaultError::HedgeWrongDirection
    );
    require!(
        base_delta.unsigned_abs() <= error.unsigned_abs(),
        VaultError::HedgeOvershoot
    );
    let slack = Fx::from_num(h.params.max_fee_bps) / Fx::from_num(BPS_DENOMINATOR);
    let limit = if base_delta > 0 {
        price * (Fx::ONE + slack)
    } else {
        price * (Fx::ONE - slack)
    };
    Ok(Before {
        n,
        prices,
        position,
        target,
        residual,
        equity: m.equity,
        nav,
        price,
        limit,
        authority_bump: vault.authority_bump,
    })
}
