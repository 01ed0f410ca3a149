//! `settle_hedge_claim` and the hedge path at real vault sizes: a 4 M-token hedged vault keeps
//! working, a claim of any size settles, a leaver's settlement takes their part of every
//! position (the holders who stay keep a hedged book with the margin the vault requires), a
//! settlement the account cannot pay now becomes a fixed amount paid later, and collateral
//! moves in and out after a large exit.

use anchor_lang::InstructionData;
use portfolio_vault::error::VaultError;
use sim_perp::error::PerpError;
use vault_tests::hedged::{HedgedConfig, HedgedVault};
use vault_tests::*;

const TOKEN: u64 = 1_000_000; // base units per token (6 decimals)

/// A hedged vault of `deposits` (whole tokens each), 25 % of NAV on the venue, hedged.
async fn hedged(deposits: &[u64]) -> HedgedVault {
    let total: u64 = deposits.iter().sum();
    let mut s = HedgedVault::new(HedgedConfig {
        deposits: deposits.iter().map(|d| d * TOKEN).collect(),
        collateral_bps: 2_500,
        pool_depth: total * TOKEN * 1_000,
        insurance: total * TOKEN,
        ..Default::default()
    })
    .await;
    s.hedge_until_done().await;
    s
}

/// Margin ratio of the vault's account: equity (net of settled claims) over maintenance.
async fn margin_ratio(s: &mut HedgedVault) -> f64 {
    let snap = s.h.vault_snapshot().await;
    snap.hedge_report()
        .and_then(|r| r.margin_ratio)
        .map(|m| m.to_num::<f64>())
        .unwrap_or(f64::INFINITY)
}

async fn nav_per_share(s: &mut HedgedVault) -> f64 {
    let snap = s.h.vault_snapshot().await;
    let nav = snap
        .nav(portfolio_vault::math::nav::PriceSide::Mid)
        .unwrap();
    nav as f64 / snap.pricing_supply().unwrap() as f64
}

#[tokio::test]
async fn settle_hedge_claim_ok_priced_instructions_work_at_4m_tokens() {
    // 4 M tokens with 1 M on the venue: the product of equity and units is about 1e24, past
    // I80F48. Every priced instruction keeps working, collateral can come back.
    let mut s = hedged(&[4_000_000]).await;
    let v = s.h.vault_state().await;
    assert!(
        v.hedge.units_total >= 990_000 * TOKEN,
        "{}",
        v.hedge.units_total
    );
    let newcomer = s.h.new_user(1_000 * TOKEN).await;
    s.h.deposit(&newcomer, 1_000 * TOKEN, 1).await.unwrap();
    let shares = s.h.balance(&newcomer.shares).await;
    s.h.withdraw(&newcomer, shares / 2, 1).await.unwrap();
    s.next_block().await;
    s.h.accrue_fees().await.unwrap();
    let ix =
        s.h.ix_move_collateral(&s.keeper, &s.x, 1_000 * TOKEN, false);
    s.keeper_sends(ix).await.unwrap();
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, 500 * TOKEN, true);
    s.keeper_sends(ix).await.unwrap();
}

#[tokio::test]
async fn settle_hedge_claim_ok_a_claim_of_any_size_settles() {
    // A holder of 3 M tokens of a 4 M-token vault leaves in kind: a claim of about 7.5e11
    // units, settled in full in one call.
    let mut s = hedged(&[1_000_000, 3_000_000]).await;
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    let (_, owners) = s.h.perp_equity_mid(&s.x).await;
    let supply = s.h.share_supply().await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    let units = s.h.hedge_claim_units(&big.key()).await;
    assert!(units > 700_000 * TOKEN, "{units}");
    let before = s.h.balance(&big.base).await;
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.keeper_sends(ix).await.unwrap();
    let paid = (s.h.balance(&big.base).await - before) as f64;
    let share = owners * shares as f64 / supply as f64;
    assert!(
        paid <= share && paid >= share * 0.995,
        "paid {paid} of a fair share {share} (less its closing fee)"
    );
    let claim = s.h.hedge_claim_state(&big.key()).await;
    assert_eq!((claim.units, claim.owed), (0, 0));
    let v = s.h.vault_state().await;
    assert_eq!((v.hedge.units_claimed, v.hedge.claims_owed), (0, 0));
}

#[tokio::test]
async fn settle_hedge_claim_ok_leaver_takes_their_part_of_the_positions() {
    // The attack of the review: a 90 % holder of a fully hedged vault redeems in kind and
    // settles at once. Their part of every position closes with them, so the 10 % holder who
    // stays keeps a hedged book with its margin ratio, not ten times the hedge they need.
    let mut s = hedged(&[1_000, 9_000]).await;
    let ratio_before = margin_ratio(&mut s).await;
    let margin = s.h.vault_margin(&s.x);
    let before: Vec<i64> = {
        let acc = s.h.margin_state(&margin).await;
        (0..2).map(|i| acc.positions[i].base).collect()
    };
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.keeper_sends(ix).await.unwrap();
    let acc = s.h.margin_state(&margin).await;
    for (i, was) in before.iter().enumerate() {
        let left = acc.positions[i].base as f64 / *was as f64;
        assert!(
            (0.09..0.12).contains(&left),
            "asset {i}: {left} of the position left"
        );
    }
    let ratio_after = margin_ratio(&mut s).await;
    assert!(
        ratio_after >= 3.0 && ratio_after >= ratio_before * 0.95,
        "margin ratio {ratio_before} -> {ratio_after}"
    );
    let (_, plan) = s.h.hedge_plan(&s.x).await;
    assert!(
        plan.is_none(),
        "the book still hedges what the holders hold"
    );
    // +6 %: the account is nowhere near liquidation, and the holder's value barely moves.
    let pps_before = nav_per_share(&mut s).await;
    for i in 0..2 {
        let p = s.h.assets[i].price.price;
        s.h.move_price(i, p * 106 / 100).await;
    }
    let liquidator = s.h.new_user(0).await;
    let x = s.x.clone();
    let res = s.h.perp_liquidate(&x, &liquidator, margin, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::NotLiquidatable));
    let pps_after = nav_per_share(&mut s).await;
    let moved = (pps_after / pps_before - 1.0).abs();
    assert!(moved < 0.005, "a hedged holder moved {moved} on a 6 % move");
}

#[tokio::test]
async fn settle_hedge_claim_ok_unpayable_part_stays_owed_then_pays() {
    // Prices +20 % against the short book: the margin ratio falls below the vault's minimum.
    // A leaver's settlement then closes their part but can pay nothing yet: their value
    // becomes a fixed amount owed (ahead of the units), paid once collateral is added.
    let mut s = hedged(&[1_000, 9_000]).await;
    for i in 0..2 {
        let p = s.h.assets[i].price.price;
        s.h.move_price(i, p * 120 / 100).await;
    }
    assert!(margin_ratio(&mut s).await < 3.0);
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    let before = s.h.balance(&big.base).await;
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.keeper_sends(ix).await.unwrap();
    let claim = s.h.hedge_claim_state(&big.key()).await;
    let v = s.h.vault_state().await;
    assert_eq!(claim.units, 0);
    assert!(claim.owed > 0, "the unpaid value is owed");
    assert_eq!(v.hedge.claims_owed, claim.owed);
    let paid_now = s.h.balance(&big.base).await - before;
    // Nothing more can be paid now: a second call is refused and changes nothing.
    s.next_block().await;
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.refused(ix, VaultError::HedgeClaimNotPayable).await;
    // The holders who stay add collateral (their own units); the owed amount is then paid.
    let ix = s.h.ix_move_collateral(&s.keeper, &s.x, 50 * TOKEN, true);
    s.keeper_sends(ix).await.unwrap();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.keeper_sends(ix).await.unwrap();
    let paid = s.h.balance(&big.base).await - before - paid_now;
    assert!(paid > 0);
    let left = s.h.hedge_claim_state(&big.key()).await.owed;
    assert!(left < claim.owed);
    assert_eq!(s.h.vault_state().await.hedge.claims_owed, left);
}

#[tokio::test]
async fn move_collateral_ok_after_a_large_exit() {
    // 90 % left in kind (claim not settled yet): the cap counts the holders' part only, and
    // the out-check the holders' part of the requirement, so collateral still moves.
    let mut s = hedged(&[1_000, 9_000]).await;
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    let nav = s.nav_mid().await;
    let ix =
        s.h.ix_move_collateral(&s.keeper, &s.x, (nav * 0.02) as u64, true);
    s.keeper_sends(ix).await.unwrap();
    let ix =
        s.h.ix_move_collateral(&s.keeper, &s.x, (nav * 0.01) as u64, false);
    s.keeper_sends(ix).await.unwrap();
}

#[tokio::test]
async fn settle_hedge_claim_fails_markets_no_longer_mirror() {
    let mut s = hedged(&[1_000, 9_000]).await;
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    // A third asset the exchange has no market for.
    s.h.create_and_add_asset(OracleFormat::PullV2)
        .await
        .unwrap();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
    s.refused(ix, VaultError::HedgeMarketsMismatch).await;
}

#[tokio::test]
async fn settle_hedge_claim_fails_halted_venue_then_settles() {
    let mut s = hedged(&[1_000, 9_000]).await;
    let x = s.x.clone();
    s.h.perp_admin(&x, sim_perp::instruction::SetHalted { halted: true }.data())
        .await
        .unwrap();
    let big = s.depositors[1].copy();
    let shares = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, shares).await.unwrap();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &x, &big);
    s.refused_code(ix, perp_code(PerpError::Halted)).await;
    s.h.perp_admin(
        &x,
        sim_perp::instruction::SetHalted { halted: false }.data(),
    )
    .await
    .unwrap();
    let ix = s.h.ix_settle_hedge_claim(&s.keeper, &x, &big);
    s.keeper_sends(ix).await.unwrap();
    assert_eq!(s.h.hedge_claim_state(&big.key()).await.units, 0);
}
