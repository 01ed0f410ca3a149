//! Every instruction from the smallest vault to 1e16 base units (1e10 tokens at 6 decimals),
//! at asset prices from 1e-6 to 1e9 a token, hedged and unhedged: nothing overflows, every
//! step succeeds, the invariants hold after each. A property test over the extremes;
//! `SCALE_CASES` sets the number of cases (default 3; `SCALE_CASES=40` for the big run).

use portfolio_vault::state::RebalancePatch;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use vault_tests::hedged::{HedgedConfig, HedgedVault};
use vault_tests::*;

const BASE_DECIMALS: u8 = 6;

/// (whole-token price in dollars as a Pyth mantissa at expo -8, asset decimals)
const PRICES: [(i64, u8); 4] = [
    (100, 5),                     // $0.000001, 5 decimals
    (100_000_000, 6),             // $1
    (10_000_000_000, 9),          // $100
    (100_000_000_000_000_000, 9), // $1,000,000,000
];

/// NAV in whole base tokens.
const SIZES: [u64; 3] = [1_000, 1_000_000, 10_000_000_000];

/// The asset's normalised price in base units per asset unit.
fn unit_price(mantissa: i64, decimals: u8) -> f64 {
    mantissa as f64 * 1e-8 * 10f64.powi(BASE_DECIMALS as i32 - decimals as i32)
}

/// Pools ten times the NAV deep must fit a token account on the asset side.
fn feasible(size: u64, (mantissa, decimals): (i64, u8)) -> bool {
    let nav = size as f64 * 10f64.powi(BASE_DECIMALS as i32);
    nav * 10.0 / unit_price(mantissa, decimals) < 2f64.powi(62)
}

async fn run_case(size: u64, price: (i64, u8), hedge: bool) {
    let nav = size * 10u64.pow(BASE_DECIMALS as u32);
    let mut vault = VaultConfig {
        n_assets: 2,
        base_decimals: BASE_DECIMALS,
        asset_decimals: price.1,
        asset_price: price.0,
        ..Default::default()
    };
    vault.init.deposit_cap = u64::MAX / 2;
    let mut s = HedgedVault::new(HedgedConfig {
        vault,
        deposits: vec![nav / 10, nav - nav / 10],
        collateral_bps: if hedge { 2_500 } else { 0 },
        pool_depth: nav.saturating_mul(10),
        insurance: nav,
        hedge,
        rebalance: RebalancePatch {
            max_slippage_bps: Some(500),
            slippage_budget_bps: Some(500),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    if hedge {
        s.hedge_until_done().await;
    }
    // A newcomer deposits 1 % of NAV and takes half of it back from the buffer.
    let newcomer = s.h.new_user(nav / 100).await;
    s.h.deposit(&newcomer, nav / 100, 1).await.expect("deposit");
    let shares = s.h.balance(&newcomer.shares).await;
    s.h.withdraw(&newcomer, shares / 2, 1)
        .await
        .expect("withdraw");
    // An hour of prices, a sample, targets, fees.
    s.h.step_prices(3_600, &[1.05, 0.95])
        .await
        .expect("update_risk");
    s.h.compute_targets().await.expect("compute_targets");
    s.h.accrue_fees().await.expect("accrue_fees");
    s.arbitrage_all().await;
    s.next_block().await;
    s.rebalance_spot().await;
    if hedge {
        s.hedge_until_done().await;
    }
    // A holder leaves in kind; their claim settles; collateral comes back.
    let big = s.depositors[1].copy();
    let held = s.h.balance(&big.shares).await;
    s.h.redeem_in_kind(&big, held / 2)
        .await
        .expect("redeem_in_kind");
    if hedge {
        let ix = s.h.ix_settle_hedge_claim(&s.keeper, &s.x, &big);
        s.keeper_sends(ix).await.expect("settle_hedge_claim");
        let (_, owners) = s.h.perp_equity_mid(&s.x).await;
        let ix =
            s.h.ix_move_collateral(&s.keeper, &s.x, (owners / 10.0) as u64, false);
        s.keeper_sends(ix).await.expect("move_collateral out");
    }
    s.h.check_invariants().await;
}

#[test]
fn every_instruction_at_the_extremes_of_size_and_price() {
    let cases = std::env::var("SCALE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let strategy = (0..SIZES.len(), 0..PRICES.len(), any::<bool>())
        .prop_filter("pools must fit token accounts", |(s, p, _)| {
            feasible(SIZES[*s], PRICES[*p])
        });
    runner
        .run(&strategy, |(s, p, hedge)| {
            rt.block_on(run_case(SIZES[s], PRICES[p], hedge));
            Ok(())
        })
        .unwrap();
}

/// The largest vault, hedged, at two prices: always run (the property test picks at random).
#[tokio::test]
async fn every_instruction_at_1e16_base_units_hedged() {
    run_case(SIZES[2], PRICES[3], true).await;
    run_case(SIZES[2], PRICES[1], true).await;
}

/// The smallest vault at the cheapest asset, unhedged and hedged.
#[tokio::test]
async fn every_instruction_at_the_smallest_vault_and_price() {
    run_case(SIZES[0], PRICES[0], false).await;
    run_case(SIZES[0], PRICES[0], true).await;
}
