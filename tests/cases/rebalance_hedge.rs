//! Delta hedging through the sim-perp venue: `init_hedge`, `move_collateral`,
//! `rebalance_hedge`, perp equity in NAV, claims of holders who redeem in kind, and a flash
//! crash. Every refusal asserts its exact error and that nothing changed.

use anchor_lang::prelude::Pubkey;
use anchor_lang::InstructionData;
use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::DeriskAction;
use portfolio_vault::state::HedgePatch;
use sim_perp::error::PerpError;
use sim_perp::state::Misbehaviour;
use solana_instruction::AccountMeta;
use vault_tests::hedged::{hedge_params, HedgedConfig, HedgedVault};
use vault_tests::*;

type Setup = HedgedVault;

/// Two assets at $100, a 10,000-token deposit, fixed targets of 35 % each (30 % cash), one
/// pool per pair, the spot book rebalanced, an exchange mirroring the assets (10 bps fees,
/// 10 % initial and 5 % maintenance margin), the hedge venue set through governance with
/// `mode`, and `collateral_bps` of NAV moved to the venue.
async fn setup_with(mode: u8, collateral_bps: u64) -> Setup {
    HedgedVault::new(HedgedConfig {
        mode,
        collateral_bps,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn rebalance_hedge_ok_neutralises_delta_then_not_needed() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let nav_before = s.nav_mid().await;
    let trades = s.hedge_until_done().await;
    assert_eq!(trades, 2, "one short per asset");
    let (report, plan) = s.h.hedge_plan(&s.x).await;
    assert!(plan.is_none());
    let band = report.nav.to_num::<f64>() * 0.02;
    for i in 0..2 {
        assert!(
            report.net_delta[i].abs().to_num::<f64>() <= band,
            "asset {i} hedged"
        );
    }
    assert!(report.leverage.to_num::<f64>() <= 1.0);
    // Costs: two trades of ~35 % NAV at 10 bps, and the bounties.
    let nav_after = s.nav_mid().await;
    assert!(
        nav_before - nav_after < nav_before * 0.002,
        "{nav_before} -> {nav_after}"
    );
    assert!(
        s.h.balance(&s.keeper.base).await > 0,
        "the keeper earned a bounty"
    );
    // Nothing left to do.
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, 0, 1_000);
    s.refused(ix, VaultError::HedgeNotNeeded).await;
}

#[tokio::test]
async fn rebalance_hedge_ok_follows_spot_rebalancing_after_a_price_move() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    s.hedge_until_done().await;
    // Asset 0 up 30 %: the spot book sells some of it, so its short is now too large.
    let p0 = s.h.assets[0].price.price;
    s.h.move_price(0, p0 * 13 / 10).await;
    for pool in s.pools.clone() {
        s.h.arbitrage(&pool).await.unwrap();
    }
    s.h.compute_targets().await.unwrap();
    s.rebalance_spot().await;
    let (_, plan) = s.h.hedge_plan(&s.x).await;
    let t = plan.expect("the short of asset 0 is now too large");
    assert_eq!(t.asset, 0);
    assert!(t.base_delta > 0, "buy back part of the short");
    s.hedge_until_done().await;
    assert!(s.h.hedge_plan(&s.x).await.1.is_none());
}

#[tokio::test]
async fn rebalance_hedge_fails_wrong_direction_and_overshoot() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    assert!(delta < 0, "the first hedge is a short");
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, -delta);
    s.refused(ix, VaultError::HedgeWrongDirection).await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta - 1);
    s.refused(ix, VaultError::HedgeOvershoot).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_leverage_limit() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    // The guardian lowers the leverage cap to 10 % of NAV; a 35 % short exceeds it.
    let mut p = hedge_params(HEDGE_MODE_DELTA_NEUTRAL);
    p.max_leverage_bps = 1_000;
    let g = s.h.guardian.insecure_clone();
    s.h.derisk(&g, DeriskAction::TightenHedge(HedgePatch::all_of(&p)))
        .await
        .unwrap();
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused(ix, VaultError::HedgeLeverageExceeded).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_margin_ratio() {
    // 4.5 % of NAV as collateral against a 35 % short: the venue's 10 % initial margin (3.5 %)
    // is met, but 4.5 / 1.75 = 2.6x maintenance is below the vault's 3x.
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 450).await;
    let (asset, delta) = s.first_trade().await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused(ix, VaultError::HedgeMarginTooLow).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_halted_market() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    let x = s.x.clone();
    s.h.perp_admin(&x, sim_perp::instruction::SetHalted { halted: true }.data())
        .await
        .unwrap();
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused_code(ix, perp_code(PerpError::Halted)).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_substituted_venue_or_margin_account() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    let mut ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    replace_account(
        &mut ix,
        sim_perp::ID,
        AccountMeta::new_readonly(sim_amm::ID, false),
    );
    s.refused(ix, VaultError::HedgeAccountMismatch).await;
    // Someone else's margin account on the same exchange.
    let other = s.h.new_user(1_000_000_000).await;
    let x = s.x.clone();
    s.h.create_margin_account(&x, &other).await.unwrap();
    let mut ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    let theirs = x.margin_account(&other.key());
    replace_account(
        &mut ix,
        s.h.vault_margin(&x),
        AccountMeta::new(theirs, false),
    );
    s.refused(ix, VaultError::HedgeAccountMismatch).await;
}

async fn misbehaving(mode: Misbehaviour, bps: u16) -> (Setup, u8, i64) {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    let x = s.x.clone();
    let data = sim_perp::instruction::SetMisbehaviour {
        mode: mode as u8,
        param_bps: bps,
    }
    .data();
    s.h.perp_admin(&x, data).await.unwrap();
    (s, asset, delta)
}

#[tokio::test]
async fn rebalance_hedge_fails_venue_over_fills() {
    let (mut s, asset, delta) = misbehaving(Misbehaviour::OverFill, 1_000).await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta / 2);
    s.refused(ix, VaultError::HedgeFillMismatch).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_venue_fills_worse_or_overcharges() {
    let (mut s, asset, delta) = misbehaving(Misbehaviour::WorsePrice, 200).await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused(ix, VaultError::HedgeCostExceeded).await;
    let x = s.x.clone();
    let data = sim_perp::instruction::SetMisbehaviour {
        mode: Misbehaviour::ExtraFee as u8,
        param_bps: 100,
    }
    .data();
    s.h.perp_admin(&x, data).await.unwrap();
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused(ix, VaultError::HedgeCostExceeded).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_venue_reverts() {
    let (mut s, asset, delta) = misbehaving(Misbehaviour::Fail, 0).await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused_code(ix, perp_code(PerpError::VenueFailure)).await;
}

#[tokio::test]
async fn rebalance_hedge_fails_stale_oracle_paused_mode_off_and_cooldown() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    let (asset, delta) = s.first_trade().await;
    s.h.warp_seconds(61).await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta);
    s.refused(ix, VaultError::OracleStale).await;
    s.h.refresh_prices().await;
    // A first hedge, then the cooldown.
    let half = delta / 2;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, half);
    let kp = s.keeper.kp.insecure_clone();
    s.h.process(&[ix], &[&kp]).await.unwrap();
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta - half);
    s.refused(ix, VaultError::HedgeCooldown).await;
    let g = s.h.guardian.insecure_clone();
    s.h.derisk(&g, DeriskAction::Pause(PAUSE_HEDGE))
        .await
        .unwrap();
    s.next_block().await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta - half);
    s.refused(ix, VaultError::InstructionPaused).await;

    let mut off = setup_with(HEDGE_MODE_OFF, 2_500).await;
    let ix = off.h.ix_rebalance_hedge(&off.keeper, &off.x, 0, -1_000);
    off.refused(ix, VaultError::HedgeModeOff).await;
}

#[tokio::test]
async fn move_collateral_ok_both_ways_keeps_nav_and_fails_beyond_limits() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 0).await;
    let nav = s.nav_mid().await;
    // More than the idle buffer, then above a cap the guardian lowered to 10 %.
    let idle = s.h.vault_state().await.idle_base;
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, idle + 1, true);
    s.refused(ix, VaultError::WithdrawInsufficientIdle).await;
    let mut p = hedge_params(HEDGE_MODE_DELTA_NEUTRAL);
    p.max_collateral_bps = 1_000;
    let g = s.h.guardian.insecure_clone();
    s.h.derisk(&g, DeriskAction::TightenHedge(HedgePatch::all_of(&p)))
        .await
        .unwrap();
    let ix =
        s.h.ix_move_collateral(&s.keeper, &s.x, (nav * 0.15) as u64, true);
    s.refused(ix, VaultError::HedgeCollateralCapExceeded).await;
    let amount = (nav * 0.1) as u64;
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, amount, true);
    let kp = s.keeper.kp.insecure_clone();
    s.h.process(&[ix], &[&kp]).await.unwrap();
    let (equity, owners) = s.h.perp_equity_mid(&s.x).await;
    assert_eq!(equity as u64, amount);
    assert_eq!(owners as u64, amount);
    assert!(
        (s.nav_mid().await - nav).abs() <= 1.0,
        "moving collateral keeps NAV"
    );
    // Back: more than the holders own is refused; a quarter comes back to the idle buffer.
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, amount * 2, false);
    s.refused(ix, VaultError::HedgeWithdrawTooLarge).await;
    let idle = s.h.vault_state().await.idle_base;
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, amount / 4, false);
    s.h.process(&[ix], &[&kp]).await.unwrap();
    assert_eq!(s.h.vault_state().await.idle_base, idle + amount / 4);
    // With a short open, collateral that would leave less than twice the minimum margin
    // ratio stays.
    s.next_block().await;
    let (asset, delta) = s.first_trade().await;
    let ix = s.h.ix_rebalance_hedge(&s.keeper, &s.x, asset, delta / 2);
    s.h.process(&[ix], &[&kp]).await.unwrap();
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, amount / 2, false);
    s.refused(ix, VaultError::HedgeWithdrawTooLarge).await;
}

#[tokio::test]
async fn redeem_in_kind_ok_with_halted_venue_then_claim_settles() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    s.hedge_until_done().await;
    let x = s.x.clone();
    s.h.perp_admin(&x, sim_perp::instruction::SetHalted { halted: true }.data())
        .await
        .unwrap();
    let (equity, owners) = s.h.perp_equity_mid(&x).await;
    // The depositor holds almost every share: they leave in kind while the venue is halted.
    let depositor = s.depositors[0].copy();
    let shares = s.h.balance(&depositor.shares).await;
    let supply = s.h.share_supply().await;
    s.h.redeem_in_kind(&depositor, shares).await.unwrap();
    assert!(s.h.balance(&depositor.assets[0]).await > 0);
    let units = s.h.hedge_claim_units(&depositor.key()).await;
    let v = s.h.vault_state().await;
    assert_eq!(v.hedge.units_claimed, units);
    assert!(units as f64 >= v.hedge.units_total as f64 * shares as f64 / supply as f64 - 2.0);
    // The venue is halted: the claim waits.
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &x, &depositor);
    s.refused_code(ix, perp_code(PerpError::Halted)).await;
    s.h.perp_admin(
        &x,
        sim_perp::instruction::SetHalted { halted: false }.data(),
    )
    .await
    .unwrap();
    // Resumed: settling pays what the margin account can release now, again later.
    let before = s.h.balance(&depositor.base).await;
    let kp = s.keeper.kp.insecure_clone();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &x, &depositor);
    s.h.process(&[ix], &[&kp]).await.unwrap();
    let paid = s.h.balance(&depositor.base).await - before;
    assert!(paid > 0, "the claim paid out");
    assert!(
        (paid as f64) <= owners * shares as f64 / supply as f64 + 1.0,
        "never more than owed"
    );
    assert!(equity > 0.0);
    let left = s.h.hedge_claim_units(&depositor.key()).await;
    assert!(left < units);
}

#[tokio::test]
async fn flash_crash_delta_neutral_vault_keeps_its_nav_and_is_not_liquidated() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 2_500).await;
    s.hedge_until_done().await;
    let (report, _) = s.h.hedge_plan(&s.x).await;
    let residual: f64 = (0..2)
        .map(|i| report.net_delta[i].to_num::<f64>().abs())
        .sum();
    let nav_before = s.nav_mid().await;
    // Both assets -40 % in one step.
    for i in 0..2 {
        let p = s.h.assets[i].price.price;
        s.h.move_price(i, p * 6 / 10).await;
    }
    let nav_after = s.nav_mid().await;
    let unhedged_loss = nav_before * 0.7 * 0.4;
    let loss = nav_before - nav_after;
    assert!(
        loss.abs() <= residual * 0.4 + nav_before * 0.001,
        "hedged loss {loss} (unhedged it would be {unhedged_loss}), residual {residual}"
    );
    // The vault's margin account is far from liquidation.
    let liquidator = s.h.new_user(0).await;
    let x = s.x.clone();
    let margin = s.h.vault_margin(&x);
    let res = s.h.perp_liquidate(&x, &liquidator, margin, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::NotLiquidatable));
    // A spike the other way (+25 % from the start) does not liquidate it either.
    for i in 0..2 {
        let p = s.h.assets[i].price.price;
        s.h.move_price(i, p * 125 / 60).await;
    }
    let res = s.h.perp_liquidate(&x, &liquidator, margin, 1).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::NotLiquidatable));
}

#[tokio::test]
async fn propose_change_fails_new_hedge_venue_while_collateral_is_on_it() {
    let mut s = setup_with(HEDGE_MODE_DELTA_NEUTRAL, 1_000).await;
    let change = portfolio_vault::state::ParamChange::HedgeVenue {
        program_id: sim_perp::ID,
        exchange: Pubkey::new_unique(),
        margin_account: Pubkey::new_unique(),
    };
    let before = s.h.snapshot(&[]).await;
    let res = s.h.propose(change).await.map(|_| ());
    assert_vault_error(res, VaultError::HedgeVenueInUse);
    s.h.assert_unchanged(&before).await;
}
