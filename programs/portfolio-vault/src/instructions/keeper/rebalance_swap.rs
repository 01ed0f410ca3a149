use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_lang::InstructionData;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::VaultError;
use crate::events::RebalanceSwapped;
use crate::math::nav::PriceSide;
use crate::math::rebalance::{check_trade, Portfolio, TradeLimits};
use crate::math::Fx;
use crate::operations::rebalance::{check_fill, roll_windows, slot_of, take_bounty};
use crate::state::{RiskState, Vault};
use crate::{cpi, oracle, perp};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RebalanceSwapArgs {
    /// Asset index sold (255 = base).
    pub sell: u8,
    /// Asset index bought (255 = base).
    pub buy: u8,
    pub amount_in: u64,
    /// The keeper's minimum output: at least the vault's oracle floor, never below it.
    pub min_amount_out: u64,
    /// Index in the vault's venue whitelist.
    pub venue: u8,
    /// Instruction data for an aggregator route; empty for the sim-amm ABI.
    pub route_data: Vec<u8>,
}

/// Remaining accounts: one oracle per asset in asset order, then (when the vault has a hedge
/// venue) its exchange and the vault's margin account, then the venue program, then the
/// venue's accounts. For the sim-amm ABI those are `[pool, vault_authority, vault_sell_token,
/// vault_buy_token, pool_source, pool_destination, mint_in, mint_out, token_program, ..]`.
#[derive(Accounts)]
pub struct RebalanceSwap<'info> {
    pub keeper: Signer<'info>,
    #[account(mut, has_one = base_mint @ VaultError::TokenWrongMint, has_one = base_vault @ VaultError::TokenAccountNotVaultAccount)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(seeds = [RISK_SEED, vault.key().as_ref()], bump = risk.load()?.bump, has_one = vault @ VaultError::VaultInvariantViolated)]
    pub risk: AccountLoader<'info, RiskState>,
    /// CHECK: PDA signer of the swap; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// CHECK: the vault's token account of the sold asset, checked against the vault's records.
    #[account(mut)]
    pub vault_sell_token: UncheckedAccount<'info>,
    /// CHECK: the vault's token account of the bought asset, checked against the vault's records.
    #[account(mut)]
    pub vault_buy_token: UncheckedAccount<'info>,
    /// CHECK: the vault's base account (pays the bounty); `has_one` on the vault.
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the bounty.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program,
        constraint = keeper_base.key() != base_vault.key() @ VaultError::TokenAccountNotVaultAccount)]
    pub keeper_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
}

/// What the pre-trade checks hand to the CPI and the post-trade checks.
struct Plan {
    portfolio: Portfolio,
    /// Oracles, then the hedge venue's exchange and margin account when the vault has one.
    priced_len: usize,
    sell: usize,
    buy: usize,
    min_out: u64,
    expected_saving: u64,
    value_in: u64,
    budget_left: u64,
    venue_kind: u8,
    venue_program: Pubkey,
    aversion_bps: u32,
    authority_bump: u8,
    /// Vault accounts the venue must not see (beyond the two traded token accounts).
    protected: [Pubkey; MAX_ASSETS + 4],
    prices_mid: [i128; MAX_ASSETS],
}

pub fn handle_rebalance_swap<'info>(
    ctx: Context<'info, RebalanceSwap<'info>>,
    args: RebalanceSwapArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let plan = plan_and_check(&ctx, &args, now)?;
    let venue_infos = &ctx.remaining_accounts[plan.priced_len + 1..];

    // The CPI: only the two traded token accounts may be vault accounts, and the vault
    // authority signs but is never writable.
    let sell_key = a.vault_sell_token.key();
    let buy_key = a.vault_buy_token.key();
    let authority_key = a.vault_authority.key();
    let mut metas = Vec::with_capacity(venue_infos.len());
    for info in venue_infos {
        let is_traded = *info.key == sell_key || *info.key == buy_key;
        require!(
            is_traded || !plan.protected.contains(info.key),
            VaultError::VenueAccountForbidden
        );
        let is_authority = *info.key == authority_key;
        require!(
            !(is_authority && info.is_writable),
            VaultError::VenueAccountForbidden
        );
        metas.push(AccountMeta {
            pubkey: *info.key,
            is_signer: info.is_signer || is_authority,
            is_writable: info.is_writable,
        });
    }
    let data = if plan.venue_kind == VENUE_KIND_AMM {
        let layout_ok = venue_infos.len() >= 9
            && *venue_infos[1].key == authority_key
            && *venue_infos[2].key == sell_key
            && *venue_infos[3].key == buy_key
            && args.route_data.is_empty();
        require!(layout_ok, VaultError::VenueAccountsInvalid);
        sim_amm::instruction::Swap {
            amount_in: args.amount_in,
            min_amount_out: plan.min_out,
        }
        .data()
    } else {
        args.route_data.clone()
    };
    let ix = Instruction {
        program_id: plan.venue_program,
        accounts: metas,
        data,
    };
    let sell_before = cpi::token_balance(&a.vault_sell_token.to_account_info())?;
    let buy_before = cpi::token_balance(&a.vault_buy_token.to_account_info())?;
    let mut infos = Vec::with_capacity(venue_infos.len() + 1);
    infos.push(ctx.remaining_accounts[plan.priced_len].clone());
    infos.extend_from_slice(venue_infos);
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[plan.authority_bump]];
    invoke_signed(&ix, &infos, &[seeds])?;

    // Re-read what the venue changed.
    let sell_after = cpi::token_balance(&a.vault_sell_token.to_account_info())?;
    let buy_after = cpi::token_balance(&a.vault_buy_token.to_account_info())?;
    let taken = sell_before
        .checked_sub(sell_after)
        .ok_or(VaultError::VaultUnexpectedBalanceChange)?;
    let received = buy_after
        .checked_sub(buy_before)
        .ok_or(VaultError::VaultUnexpectedBalanceChange)?;
    let (_, fill) = check_fill(
        &plan.portfolio,
        plan.sell,
        plan.buy,
        args.amount_in,
        plan.min_out,
        taken,
        received,
        plan.aversion_bps,
        plan.budget_left,
    )?;

    let n = plan.portfolio.n;
    let (bounty, window_notional, slippage_used) = {
        let mut vault = a.vault.load_mut()?;
        for (slot, delta_in, delta_out) in [(plan.sell, taken, 0u64), (plan.buy, 0, received)] {
            let held = if slot == n {
                &mut vault.idle_base
            } else {
                &mut vault.assets[slot].holdings
            };
            *held = held
                .checked_sub(delta_in)
                .and_then(|h| h.checked_add(delta_out))
                .ok_or(VaultError::MathOverflow)?;
        }
        let params = vault.rebalance;
        let idle = vault.idle_base;
        let st = &mut vault.rebalance_state;
        st.window_notional = st
            .window_notional
            .checked_add(plan.value_in)
            .ok_or(VaultError::MathOverflow)?;
        st.slippage_used = st
            .slippage_used
            .checked_add(fill.loss)
            .ok_or(VaultError::MathOverflow)?;
        st.last_rebalance_ts = now;
        let bounty = take_bounty(st, &params, n, plan.sell, plan.buy, fill.net_saving, idle)?;
        let (wn, su) = (st.window_notional, st.slippage_used);
        vault.idle_base -= bounty; // bounty <= idle_base
        (bounty, wn, su)
    };

    if bounty > 0 {
        let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[plan.authority_bump]];
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

    // Accounting never exceeds the balances the trade and the bounty left behind.
    let vault = a.vault.load()?;
    for (slot, account) in [
        (plan.sell, a.vault_sell_token.to_account_info()),
        (plan.buy, a.vault_buy_token.to_account_info()),
        (n, a.base_vault.to_account_info()),
    ] {
        let accounted = if slot == n {
            vault.idle_base
        } else {
            vault.assets[slot].holdings
        };
        require!(
            accounted <= cpi::token_balance(&account)?,
            VaultError::VaultAccountingExceedsBalance
        );
    }
    vault.invariant()?;
    emit!(RebalanceSwapped {
        vault: vault_key,
        keeper: a.keeper.key(),
        venue_program: plan.venue_program,
        sell: args.sell,
        buy: args.buy,
        amount_in_approved: args.amount_in,
        amount_in: taken,
        amount_out: received,
        min_amount_out: plan.min_out,
        value_in: plan.value_in,
        loss: fill.loss,
        expected_saving: plan.expected_saving,
        net_saving: fill.net_saving,
        bounty,
        nav_before: plan.portfolio.nav()?,
        nav_after: fill.nav_after - bounty,
        window_notional,
        slippage_used,
        prices_mid: plan.prices_mid,
    });
    Ok(())
}

/// Every check that can be made before the trade, in the order a keeper would fix them.
fn plan_and_check<'info>(
    ctx: &Context<'info, RebalanceSwap<'info>>,
    args: &RebalanceSwapArgs,
    now: i64,
) -> Result<Plan> {
    let a = &ctx.accounts;
    let mut vault = a.vault.load_mut()?;
    vault.check_version()?;
    vault.check_not_paused(PAUSE_REBALANCE)?;
    let n = vault.num_assets as usize;

    let venue = *vault.venue(args.venue)?;
    let priced_len = n + if vault.hedge.has_venue() { 2 } else { 0 };
    let venue_program = ctx
        .remaining_accounts
        .get(priced_len)
        .ok_or(VaultError::VenueAccountsInvalid)?;
    require_keys_eq!(
        *venue_program.key,
        venue.program_id,
        VaultError::VenueProgramMismatch
    );

    let sell = slot_of(vault.num_assets, args.sell)?;
    let buy = slot_of(vault.num_assets, args.buy)?;
    require!(sell != buy, VaultError::RebalanceInvalidPair);
    let account_of = |slot: usize| {
        if slot == n {
            vault.base_vault
        } else {
            vault.assets[slot].token_account
        }
    };
    require!(
        account_of(sell) == a.vault_sell_token.key() && account_of(buy) == a.vault_buy_token.key(),
        VaultError::RebalanceWrongTokenAccount
    );

    let risk = a.risk.load()?;
    let params = vault.rebalance;
    require!(
        risk.num_assets == vault.num_assets
            && risk.targets_ts > 0
            && now
                <= risk
                    .targets_ts
                    .saturating_add(params.max_targets_age_s as i64),
        VaultError::RebalanceTargetsStale
    );
    let st = &vault.rebalance_state;
    require!(
        st.last_rebalance_ts == 0
            || now
                >= st
                    .last_rebalance_ts
                    .saturating_add(params.cooldown_s as i64),
        VaultError::RebalanceCooldown
    );

    let (oracles, perp_accounts) = perp::split(&vault, &ctx.remaining_accounts[..priced_len])?;
    let prices = oracle::load_prices(&mut vault, oracles, now)?;
    // The share holders' part of the perp account counts as cash no trade can move.
    let locked_cash = match perp_accounts {
        Some((exchange, margin)) => {
            let book = perp::load(&vault, exchange, margin)?;
            let e = perp::equity(&book, n, &prices[..n], None, now)?;
            perp::owners_value(&vault, e, PriceSide::Low)?.max(0) as u64
        }
        None => 0,
    };
    let mut amounts = [0u64; MAX_ASSETS];
    let mut mids = [Fx::ZERO; MAX_ASSETS];
    let mut targets = [Fx::ZERO; MAX_ASSETS];
    let mut prices_mid = [0i128; MAX_ASSETS];
    for i in 0..n {
        amounts[i] = vault.assets[i].holdings;
        mids[i] = prices[i].price;
        targets[i] = risk.target_weights[i].get();
        prices_mid[i] = mids[i].to_bits();
    }
    let portfolio = Portfolio::new(
        n,
        &amounts,
        &mids,
        &targets,
        vault.idle_base,
        risk.target_cash.get(),
    )
    .with_locked_cash(locked_cash);
    let nav = portfolio.nav()?;
    let allowance = roll_windows(&mut vault.rebalance_state, &params, nav, now)?;
    let limits = TradeLimits::new(
        params.band_bps,
        params.min_trade_bps,
        params.tracking_aversion_bps,
        allowance.cap_left,
        venue.fee_bps,
        params.max_slippage_bps,
    )?;
    let check = check_trade(&portfolio, sell, buy, args.amount_in, &limits)?;
    require!(
        args.min_amount_out >= check.min_out,
        VaultError::RebalanceMinOutBelowOracleFloor
    );

    let mut protected = [Pubkey::default(); MAX_ASSETS + 4];
    protected[0] = a.vault.key();
    protected[1] = a.risk.key();
    protected[2] = vault.base_vault;
    protected[3] = vault.share_mint;
    for (dst, asset) in protected[4..].iter_mut().zip(vault.active_assets()) {
        *dst = asset.token_account;
    }
    Ok(Plan {
        portfolio,
        priced_len,
        sell,
        buy,
        min_out: args.min_amount_out,
        expected_saving: check.benefit,
        value_in: check.value_in,
        budget_left: allowance.budget_left,
        venue_kind: venue.kind,
        venue_program: venue.program_id,
        aversion_bps: params.tracking_aversion_bps,
        authority_bump: vault.authority_bump,
        protected,
        prices_mid,
    })
}
