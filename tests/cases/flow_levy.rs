//! The anti-dilution levy (`operations::flow`, hardening issue item 2): deposits and
//! withdrawals pay what investing or divesting them can cost, the vault keeps it, opposite
//! flows net, and a depositor who runs the keeper on their own flow gains nothing.

use portfolio_vault::math::nav::PriceSide;
use vault_tests::hedged::{HedgedConfig, HedgedVault};
use vault_tests::*;

const TOKEN: u64 = 1_000_000;

/// An unhedged two-asset vault of 10,000 tokens, rebalanced to 35 % / 35 % / 30 % cash, a cap
/// interval later (the set-up deposit's waiting flow has lapsed), with fresh targets.
async fn invested() -> HedgedVault {
    let mut s = HedgedVault::new(HedgedConfig {
        deposits: vec![10_000 * TOKEN],
        hedge: false,
        pool_depth: 100_000_000 * TOKEN,
        ..Default::default()
    })
    .await;
    let interval = s.h.vault_state().await.rebalance.cap_interval_s as i64;
    s.h.warp_seconds(interval).await;
    s.h.refresh_prices().await;
    s.h.compute_targets().await.unwrap();
    s
}

/// `(NAV at mid prices, pricing supply)`.
async fn nav_and_supply(h: &mut Harness) -> (u128, u128) {
    let snap = h.vault_snapshot().await;
    let nav = snap.nav(PriceSide::Mid).unwrap();
    (nav as u128, snap.pricing_supply().unwrap() as u128)
}

/// NAV per share did not fall from `before` to `after` (compared exactly).
fn not_lower(before: (u128, u128), after: (u128, u128), what: &str) {
    assert!(
        after.0 * before.1 >= before.0 * after.1,
        "{what}: NAV per share fell from {} to {}",
        before.0 as f64 / before.1 as f64,
        after.0 as f64 / after.1 as f64
    );
}

/// The levy on a flow of `y` base units into a vault worth `nav_after` once it is done, by
/// the formula the README documents (in floating point, independent of the program's).
fn documented_levy(v: &portfolio_vault::state::Vault, y: f64, nav_after: f64) -> f64 {
    let r = &v.rebalance;
    let fee = v
        .venues
        .iter()
        .filter(|x| !x.is_empty())
        .map(|x| x.fee_bps)
        .max()
        .unwrap() as f64;
    let y = y * (1.0 - r.cash_buffer_bps as f64 / 1e4);
    let cost = y * (fee + r.max_slippage_bps as f64) / 1e4;
    let by_cap = r.bounty_cap_per_call as f64 * y / (r.band_bps as f64 / 1e4 * nav_after);
    let by_saving =
        r.bounty_share_bps as f64 / 1e4 * r.tracking_aversion_bps as f64 / 1e4 * 2.0 * y * y
            / nav_after;
    cost + by_cap.min(by_saving)
}

#[tokio::test]
async fn deposit_ok_no_levy_without_a_venue() {
    // Nothing can trade, so a deposit costs nothing to invest: shares at the plain price.
    let mut h = Harness::new(2).await;
    let snap = h.vault_snapshot().await;
    let effects = snap.preview_deposit_effects(1_000 * TOKEN).unwrap();
    assert_eq!(effects.levy.levy, 0);
    let waiting = h.vault_state().await.flow_unabsorbed;
    let u = h.new_user(1_000 * TOKEN).await;
    h.deposit(&u, 1_000 * TOKEN, 0).await.unwrap();
    assert_eq!(h.balance(&u.shares).await, effects.shares_to_mint);
    let v = h.vault_state().await;
    assert_eq!(v.flow_unabsorbed, waiting + 1_000 * TOKEN as i64);
    assert_eq!(v.flow_ts, h.now().await);
}

#[tokio::test]
async fn deposit_ok_levy_kept_by_the_vault() {
    let mut s = invested().await;
    let before = nav_and_supply(&mut s.h).await;
    let amount = (before.0 * 45 / 1_000) as u64;
    let v = s.h.vault_state().await;
    let snap = s.h.vault_snapshot().await;
    let effects = snap.preview_deposit_effects(amount).unwrap();
    let expected = documented_levy(&v, amount as f64, (before.0 as u64 + amount) as f64);
    let levy = effects.levy.levy as f64;
    // The program prices on the high side (the formula's NAV is mid here): within 0.1 %.
    assert!(
        (levy - expected).abs() <= expected * 1e-3 + 2.0,
        "levy {levy}, documented {expected}"
    );
    assert!(levy > 0.0);
    let u = s.h.new_user(amount).await;
    s.h.deposit(&u, amount, 0).await.unwrap();
    assert_eq!(s.h.balance(&u.shares).await, effects.shares_to_mint);
    let after = nav_and_supply(&mut s.h).await;
    // The holders who were there gain the levy: their NAV per share rises.
    assert!(after.0 * before.1 > before.0 * after.1);
    assert_eq!(s.h.vault_state().await.flow_unabsorbed, amount as i64);
}

#[tokio::test]
async fn withdraw_ok_offsetting_flow_pays_no_levy() {
    // A withdrawal that only undoes a deposit no trade has invested needs no trade itself.
    let mut s = invested().await;
    let amount = 400 * TOKEN;
    let u = s.h.new_user(amount).await;
    s.h.deposit(&u, amount, 0).await.unwrap();
    let shares = s.h.balance(&u.shares).await;
    let snap = s.h.vault_snapshot().await;
    let half = snap.preview_withdraw_effects(shares / 2).unwrap();
    assert_eq!((half.levy.levied_on, half.levy.levy), (0, 0));
    s.h.withdraw(&u, shares / 2, 0).await.unwrap();
    let waiting = s.h.vault_state().await.flow_unabsorbed;
    assert_eq!(waiting, amount as i64 - half.assets_out as i64);
    // Past the offset, the rest pays on what it divests.
    let rest = s.h.balance(&u.shares).await;
    let all = s.h.balance(&s.depositors[0].shares).await;
    let snap = s.h.vault_snapshot().await;
    let big = snap.preview_withdraw_effects(all / 10).unwrap();
    assert_eq!(big.levy.levied_on, big.gross - waiting as u64);
    assert!(big.levy.levy > 0);
    assert!(rest > 0);
}

#[tokio::test]
async fn rebalance_swap_ok_absorbs_the_waiting_flow() {
    let mut s = invested().await;
    let amount = (nav_and_supply(&mut s.h).await.0 * 45 / 1_000) as u64;
    let u = s.h.new_user(amount).await;
    s.h.deposit(&u, amount, 0).await.unwrap();
    assert_eq!(s.h.vault_state().await.flow_unabsorbed, amount as i64);
    let idle = s.h.vault_state().await.idle_base;
    let keeper = s.keeper.copy();
    let paid_before = s.h.balance(&keeper.base).await;
    assert!(s.rebalance_spot_as(&keeper).await > 0);
    let bounties = s.h.balance(&keeper.base).await - paid_before;
    let v = s.h.vault_state().await;
    // Base sold for the assets (the idle base's fall, less the bounties paid from it).
    let sold = idle - v.idle_base - bounties;
    assert!(sold > 0);
    assert_eq!(v.flow_unabsorbed, amount as i64 - sold as i64);
}

#[tokio::test]
async fn deposit_ok_waiting_flow_lapses_after_a_cap_interval() {
    // What no trade absorbed within a cap interval (the cash the targets keep) offsets nothing.
    let mut s = invested().await;
    let u = s.h.new_user(400 * TOKEN).await;
    s.h.deposit(&u, 400 * TOKEN, 0).await.unwrap();
    let shares = s.h.balance(&u.shares).await;
    let interval = s.h.vault_state().await.rebalance.cap_interval_s as i64;
    s.h.warp_seconds(interval).await;
    s.h.refresh_prices().await;
    let snap = s.h.vault_snapshot().await;
    let out = snap.preview_withdraw_effects(shares).unwrap();
    assert_eq!(out.levy.levied_on, out.gross);
    assert!(out.levy.levy > 0);
}

/// Deposit `pct_of_nav` ‰ of NAV, rebalance as keeper, withdraw, rebalance as keeper,
/// `cycles` times. The attacker ends with no more base than they started with, and the other
/// holders' NAV per share never falls below where each cycle started.
async fn farm(permille_of_nav: u128, cycles: usize) {
    let mut s = invested().await;
    let attacker = s.h.new_user(10_000 * TOKEN).await;
    let start_base = s.h.balance(&attacker.base).await;
    let start = nav_and_supply(&mut s.h).await;
    let (mut trades, mut bounties) = (0, 0);
    for cycle in 0..cycles {
        let cycle_start = nav_and_supply(&mut s.h).await;
        let amount = (cycle_start.0 * permille_of_nav / 1_000) as u64;
        s.h.deposit(&attacker, amount, 0).await.unwrap();
        not_lower(cycle_start, nav_and_supply(&mut s.h).await, "deposit");
        let held = s.h.balance(&attacker.base).await;
        trades += s.rebalance_spot_as(&attacker).await;
        bounties += s.h.balance(&attacker.base).await - held;
        not_lower(cycle_start, nav_and_supply(&mut s.h).await, "investing");
        let shares = s.h.balance(&attacker.shares).await;
        s.h.withdraw(&attacker, shares, 0).await.unwrap();
        not_lower(cycle_start, nav_and_supply(&mut s.h).await, "withdrawal");
        let held = s.h.balance(&attacker.base).await;
        trades += s.rebalance_spot_as(&attacker).await;
        bounties += s.h.balance(&attacker.base).await - held;
        not_lower(
            cycle_start,
            nav_and_supply(&mut s.h).await,
            &format!("cycle {cycle}"),
        );
        let gain = s.h.balance(&attacker.base).await as i128 - start_base as i128;
        assert!(
            gain <= 0,
            "cycle {cycle}: the attacker gained {gain} base units"
        );
    }
    assert!(trades > 0, "the flows needed trades");
    assert!(bounties > 0, "the keeper collected bounties");
    let end = nav_and_supply(&mut s.h).await;
    not_lower(start, end, "all cycles");
    let gain = s.h.balance(&attacker.base).await as i128 - start_base as i128;
    eprintln!(
        "flow farming at {permille_of_nav}‰ of NAV, {cycles} cycles: {trades} trades, \
         bounties {bounties}, attacker gain {gain} base units, NAV per share {:.6} -> {:.6}",
        start.0 as f64 / start.1 as f64,
        end.0 as f64 / end.1 as f64
    );
}

fn farm_cycles() -> usize {
    std::env::var("FLOW_FARM_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

#[tokio::test]
async fn flow_farming_keeper_gains_nothing_at_4_5_percent() {
    // The size the attack report used: the deposit pushes cash out of its band.
    farm(45, farm_cycles()).await;
}

#[tokio::test]
async fn flow_farming_keeper_gains_nothing_at_12_percent() {
    // Large enough that the withdrawal needs divesting trades too.
    farm(120, farm_cycles()).await;
}
