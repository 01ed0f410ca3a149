use anchor_lang::prelude::*;
use anchor_lang::InstructionData;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::checks::{self, Before, Change};
use crate::constants::*;
use crate::cpi::venue::{self, VenueGuard};
use crate::cpi::TokenMove;
use crate::error::VaultError;
use crate::events::RebalanceSwapped;
use crate::math::nav::PriceSide;
use crate::math::rebalance::{check_trade, Portfolio};
use crate::operations::rebalance::{
    self as rebalance, check_fill, record_swap, slot_of, FillCheck, SwapRecord,
};
use crate::pricing;
use crate::state::{RebalanceSwapArgs, RiskState, Vault, Venue};

/// Remaining accounts: one oracle per asset in asset order, then (when the vault has a hedge
/// venue) its exchange and the vault's margin account, then the venue program, then the
/// venue's accounts. For the sim-amm ABI those are `[pool, vault_authority, vault_sell_token,
/// vault_buy_token, pool_source, pool_destination, mint_in, mint_out, token_program, ..]`.
#[derive(Accounts)]
pub struct RebalanceSwap<'info> {
    pub keeper: Signer<'info>,
    #[account(mut, has_one = base_mint @ VaultError::TokenWrongMint, has_one = base_vault @ VaultError::TokenAccountNotVaultAccount)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(seeds = [RISK_SEED, vault.key().as_ref()], bump = risk.load()?.bump, has_one = vault @ VaultError::RiskAccountWrongVault)]
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

/// What the checks before the trade hand to the CPI and the checks after it.
struct Plan {
    portfolio: Portfolio,
    venue: Venue,
    sell: usize,
    buy: usize,
    min_out: u64,
    value_in: u64,
    expected_saving: u64,
    budget_left: u64,
    /// Accounts before the venue program: the priced ones.
    priced_len: usize,
    /// Vault accounts the venue must not see (beyond the two traded token accounts); share
    /// token accounts (the dead shares, the fee recipient's) are refused by their mint.
    protected: [Pubkey; MAX_ASSETS + 6],
    protected_len: usize,
    prices_mid: [i128; MAX_ASSETS],
}

// SAFETY: a portfolio (see `Portfolio`), a venue, keys and integers; all zero is valid. The
// plan is 2 KB, so it is allocated zeroed on the heap and filled in place.
unsafe impl bytemuck::Zeroable for Plan {}

pub fn handle_rebalance_swap<'info>(
    ctx: Context<'info, RebalanceSwap<'info>>,
    args: RebalanceSwapArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let plan = plan(&ctx, &args, now)?;
    let fill = swap(&ctx, &args, &plan)?;
    let record = SwapRecord {
        sell: plan.sell,
        buy: plan.buy,
        value_in: plan.value_in,
        nav_before: plan.portfolio.nav()?,
        fill,
    };
    let (bounty, signer) = {
        let mut vault = a.vault.load_mut()?;
        (
            record_swap(&mut vault, &record, now)?,
            vault.authority_signer(a.vault.key()),
        )
    };
    let base_vault = a.base_vault.to_account_info();
    let base_before = Before::balance(&base_vault)?;
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &base_vault,
        to: &a.keeper_base.to_account_info(),
        mint: &a.base_mint.to_account_info(),
        authority: &a.vault_authority.to_account_info(),
        decimals: a.base_mint.decimals,
    }
    .transfer(bounty, &[&signer.seeds()])?;
    base_before.expect_balance(&base_vault, Change::Down(bounty))?;

    // Accounting never exceeds the balances the trade and the bounty left behind.
    let vault = a.vault.load()?;
    checks::accounting_within(vault.held(plan.sell), &a.vault_sell_token)?;
    checks::accounting_within(vault.held(plan.buy), &a.vault_buy_token)?;
    checks::accounting_within(vault.base_accounted()?, &base_vault)?;
    vault.invariant()?;
    emit!(RebalanceSwapped {
        vault: a.vault.key(),
        keeper: a.keeper.key(),
        venue_program: plan.venue.program_id,
        sell: args.sell,
        buy: args.buy,
        amount_in_approved: args.amount_in,
        amount_in: fill.taken,
        amount_out: fill.received,
        min_amount_out: plan.min_out,
        value_in: plan.value_in,
        loss: fill.loss,
        expected_saving: plan.expected_saving,
        net_saving: fill.net_saving,
        bounty,
        nav_before: record.nav_before,
        nav_after: fill.nav_after.saturating_sub(bounty),
        window_notional: vault.rebalance_state.window_notional,
        slippage_used: vault.rebalance_state.slippage_used,
        flow_unabsorbed: vault.flow_unabsorbed,
        prices_mid: plan.prices_mid,
    });
    Ok(())
}

/// Every check that can be made before the trade, in the order a keeper would fix them:
/// load → gate → portfolio → limits → `check_trade`. Not inlined: its locals (the priced
/// vault's view, the limits) die before the CPI, and SBF frames are 4 KB.
#[inline(never)]
fn plan<'info>(
    ctx: &Context<'info, RebalanceSwap<'info>>,
    args: &RebalanceSwapArgs,
    now: i64,
) -> Result<Box<Plan>> {
    let a = &ctx.accounts;
    let mut vault = a.vault.load_mut()?;
    vault.check_version()?;
    let risk = a.risk.load()?;
    rebalance::gate(&vault, &risk, now)?;
    let venue = *vault.venue(args.venue)?;
    let sell = slot_of(vault.num_assets, args.sell)?;
    let buy = slot_of(vault.num_assets, args.buy)?;
    require!(sell != buy, VaultError::RebalanceInvalidPair);
    require!(
        vault.token_account_of(sell) == a.vault_sell_token.key()
            && vault.token_account_of(buy) == a.vault_buy_token.key(),
        VaultError::RebalanceWrongTokenAccount
    );
    let (priced, _, rest) = pricing::load_remaining(&mut vault, ctx.remaining_accounts, now)?;
    let priced_len = ctx.remaining_accounts.len().saturating_sub(rest.len());
    let program = rest.first().ok_or(VaultError::VenueAccountsInvalid)?;
    require_keys_eq!(
        *program.key,
        venue.program_id,
        VaultError::VenueProgramMismatch
    );
    let mut plan: Box<Plan> = bytemuck::zeroed_box();
    plan.portfolio = rebalance::portfolio(&vault, &risk, &priced)?;
    let nav = plan.portfolio.nav()?;
    let params = vault.rebalance;
    let (limits, allowance) =
        rebalance::limits(&mut vault.rebalance_state, &params, &venue, nav, now)?;
    let check = check_trade(&plan.portfolio, sell, buy, args.amount_in, &limits)?;
    require!(
        args.min_amount_out >= check.min_out,
        VaultError::RebalanceMinOutBelowOracleFloor
    );
    let fixed = [
        a.vault.key(),
        a.risk.key(),
        vault.base_vault,
        vault.share_mint,
        vault.hedge.exchange,
        vault.hedge.margin_account,
    ];
    let assets = vault.active_assets().iter().map(|s| s.token_account);
    for key in fixed.into_iter().chain(assets) {
        if key != Pubkey::default() {
            plan.protected[plan.protected_len] = key;
            plan.protected_len = plan.protected_len.saturating_add(1);
        }
    }
    plan.venue = venue;
    (plan.sell, plan.buy) = (sell, buy);
    plan.min_out = args.min_amount_out;
    plan.value_in = check.value_in;
    plan.expected_saving = check.benefit;
    plan.budget_left = allowance.budget_left;
    plan.priced_len = priced_len;
    plan.prices_mid = priced.price_bits(PriceSide::Mid);
    Ok(plan)
}

/// The venue CPI and the balances it left: only the two traded token accounts may be vault
/// accounts, and the vault authority signs but is never writable.
#[inline(never)]
fn swap<'info>(
    ctx: &Context<'info, RebalanceSwap<'info>>,
    args: &RebalanceSwapArgs,
    plan: &Plan,
) -> Result<rebalance::Fill> {
    let a = &ctx.accounts;
    let program = &ctx.remaining_accounts[plan.priced_len];
    let venue_infos = &ctx.remaining_accounts[plan.priced_len.saturating_add(1)..];
    let (sell_key, buy_key, authority) = (
        a.vault_sell_token.key(),
        a.vault_buy_token.key(),
        a.vault_authority.key(),
    );
    let guard = VenueGuard {
        authority,
        traded: [sell_key, buy_key],
        protected: &plan.protected[..plan.protected_len],
        share_mint: a.vault.load()?.share_mint,
    };
    let metas = guard.metas(venue_infos)?;
    let data = if plan.venue.kind == VENUE_KIND_AMM {
        let layout_ok = venue_infos.len() >= 9
            && *venue_infos[1].key == authority
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
    let sell_before = Before::balance(&a.vault_sell_token)?;
    let buy_before = Before::balance(&a.vault_buy_token)?;
    let signer = a.vault.load()?.authority_signer(a.vault.key());
    venue::invoke(program, venue_infos, metas, data, &signer.seeds())?;
    let taken = sell_before.taken_from(&a.vault_sell_token)?;
    let received = buy_before.received_by(&a.vault_buy_token)?;
    check_fill(
        &plan.portfolio,
        &FillCheck {
            sell: plan.sell,
            buy: plan.buy,
            approved_in: args.amount_in,
            min_out: plan.min_out,
            taken,
            received,
            aversion_bps: a.vault.load()?.rebalance.tracking_aversion_bps,
            budget_left: plan.budget_left,
        },
    )
}
