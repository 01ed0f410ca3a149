//! The sim-perp venue on its own: collateral, trades with fees, PnL both ways, funding with
//! time, margin limits, liquidation, the halt switch and each misbehaviour mode.

use anchor_lang::InstructionData;
use sim_perp::error::PerpError;
use sim_perp::math::Fx;
use sim_perp::state::Misbehaviour;
use vault_tests::perp::TestExchange;
use vault_tests::*;

/// 2 assets at $100 (0.1 base unit per asset unit), an exchange with 10 bps fees, 10 %
/// initial and 5 % maintenance margin, and a trader with 10,000 base tokens of collateral.
async fn setup(funding_bps_per_day: i32) -> (Harness, TestExchange, User) {
    let mut h = Harness::new(2).await;
    let x = h
        .create_exchange(10, 1_000, 500, funding_bps_per_day, 1_000_000_000_000)
        .await;
    let trader = h.new_user(20_000_000_000).await;
    h.create_margin_account(&x, &trader).await.unwrap();
    h.perp_deposit(&x, &trader, 10_000_000_000).await.unwrap();
    (h, x, trader)
}

/// Within two units below the exact value (every fill rounds against the trader).
fn close(actual: i64, exact: i64) -> bool {
    (exact - 2..=exact).contains(&actual)
}

#[tokio::test]
async fn trade_ok_short_gains_when_price_falls_and_pays_fee() {
    let (mut h, x, t) = setup(0).await;
    // Short 1,000 tokens (1e12 units at 0.1 base each = 1e11 base = $100,000 notional) is 10x
    // the collateral: refused at 10 % initial margin. Half of it fits.
    let units: i64 = 500_000_000_000; // 500 tokens, $50,000
    let res = h.perp_trade(&x, &t, 0, -2 * units - 1, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::InsufficientMargin));
    h.perp_trade(&x, &t, 0, -units, 0).await.unwrap();
    let acc = h.margin_state(&x.margin_account(&t.key())).await;
    assert_eq!(acc.positions[0].base, -units);
    // 0.1 base per unit is not exact in binary fixed point and fills round against the
    // trader: within two units of the exact figures.
    assert!(close(acc.positions[0].quote, 50_000_000_000));
    assert!(close(acc.collateral, 10_000_000_000 - 50_000_000)); // 10 bps fee
                                                                 // Price falls 10 %: closing realises +$5,000 less the closing fee.
    h.move_price(0, 90_00000000).await;
    h.perp_trade(&x, &t, 0, units, 0).await.unwrap();
    let acc = h.margin_state(&x.margin_account(&t.key())).await;
    assert_eq!(acc.positions[0].base, 0);
    assert!(close(
        acc.collateral,
        10_000_000_000 - 50_000_000 + 5_000_000_000 - 45_000_000
    ));
    // The gain is withdrawable.
    let before = h.balance(&t.base).await;
    h.perp_withdraw(&x, &t, acc.collateral as u64)
        .await
        .unwrap();
    assert_eq!(h.balance(&t.base).await - before, acc.collateral as u64);
}

#[tokio::test]
async fn trade_fails_beyond_limit_price() {
    let (mut h, x, t) = setup(0).await;
    // Selling with a limit above the oracle (0.1 base per unit) is refused.
    let limit = Fx::from_num(0.11).to_bits();
    let res = h.perp_trade(&x, &t, 0, -1_000_000, limit).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::PriceLimitExceeded));
    let limit = Fx::from_num(0.099).to_bits();
    h.perp_trade(&x, &t, 0, -1_000_000, limit).await.unwrap();
}

#[tokio::test]
async fn funding_ok_accrues_with_time_from_longs_to_shorts() {
    let (mut h, x, t) = setup(20).await; // 20 bps per day
    let units: i64 = 100_000_000_000; // $10,000 short
    h.perp_trade(&x, &t, 1, -units, 0).await.unwrap();
    let c0 = h.margin_state(&x.margin_account(&t.key())).await.collateral;
    h.warp_seconds(86_400).await;
    h.refresh_prices().await;
    // Any interaction settles funding: a tiny reduction of the short.
    h.perp_trade(&x, &t, 1, 1_000, 0).await.unwrap();
    let c1 = h.margin_state(&x.margin_account(&t.key())).await.collateral;
    // +20 bps of $10,000 = +20,000,000 base units, less the fee on the tiny trade.
    let received = c1 - c0;
    assert!((19_999_000..=20_000_001).contains(&received), "{received}");
}

#[tokio::test]
async fn withdraw_fails_below_initial_margin() {
    let (mut h, x, t) = setup(0).await;
    h.perp_trade(&x, &t, 0, -500_000_000_000, 0).await.unwrap(); // $50,000 short, IM $5,000
    let res = h.perp_withdraw(&x, &t, 5_000_000_000).await;
    assert_eq!(
        custom_code(&res),
        perp_code(PerpError::InsufficientCollateral)
    );
    h.perp_withdraw(&x, &t, 4_900_000_000).await.unwrap();
}

#[tokio::test]
async fn liquidate_ok_when_under_maintenance_and_not_before() {
    let (mut h, x, t) = setup(0).await;
    h.perp_trade(&x, &t, 0, -900_000_000_000, 0).await.unwrap(); // $90,000 short on $10,000
    let keeper = h.new_user(0).await;
    let account = x.margin_account(&t.key());
    let res = h.perp_liquidate(&x, &keeper, account, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::NotLiquidatable));
    // +6 %: loss $5,400 leaves equity $4,500 below the 5 % maintenance of $5,724.
    h.move_price(0, 106_00000000).await;
    h.perp_liquidate(&x, &keeper, account, 0).await.unwrap();
    assert_eq!(h.margin_state(&account).await.positions[0].base, 0);
    assert!(
        h.balance(&keeper.base).await > 0,
        "the liquidator earns its fee"
    );
}

#[tokio::test]
async fn trade_fails_when_halted() {
    let (mut h, x, t) = setup(0).await;
    h.perp_admin(&x, sim_perp::instruction::SetHalted { halted: true }.data())
        .await
        .unwrap();
    let res = h.perp_trade(&x, &t, 0, -1_000_000, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::Halted));
    let res = h.perp_withdraw(&x, &t, 1).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::Halted));
}

#[tokio::test]
async fn trade_misbehaviour_modes_do_what_they_say() {
    let (mut h, x, t) = setup(0).await;
    let account = x.margin_account(&t.key());
    let set = |mode: Misbehaviour, bps: u16| sim_perp::instruction::SetMisbehaviour {
        mode: mode as u8,
        param_bps: bps,
    };
    h.perp_admin(&x, set(Misbehaviour::OverFill, 1_000).data())
        .await
        .unwrap();
    h.perp_trade(&x, &t, 0, -1_000_000, 0).await.unwrap();
    assert_eq!(h.margin_state(&account).await.positions[0].base, -1_100_000);
    h.perp_admin(&x, set(Misbehaviour::WorsePrice, 100).data())
        .await
        .unwrap();
    h.perp_trade(&x, &t, 1, -1_000_000, 0).await.unwrap();
    // Sold at 0.099 instead of 0.1.
    assert!(close(
        h.margin_state(&account).await.positions[1].quote,
        99_000
    ));
    h.perp_admin(&x, set(Misbehaviour::Fail, 0).data())
        .await
        .unwrap();
    let res = h.perp_trade(&x, &t, 1, -1_000_000, 0).await;
    assert_eq!(custom_code(&res), perp_code(PerpError::VenueFailure));
}
