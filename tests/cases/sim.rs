//! The simulator end to end at small scale: every scenario runs through the real programs and
//! the real keeper, the invariants hold at every step (a broken one panics), and every
//! depositor exits in kind at the end. The year-long study is `cargo run --release -p vault-sim`.

use vault_sim::market::{self, MarketParams};
use vault_sim::run::{run, KeeperMode, RunConfig, Scenario};
use vault_sim::world::Setup;

fn scenario(s: Scenario, days: usize, mode: KeeperMode) -> vault_sim::run::RunResult {
    let steps = days * 24;
    let mut p = MarketParams::new(3, steps, 11);
    p.flash_crash = Some((steps / 2, 0.40));
    let path = market::generate(&p);
    let cfg = RunConfig {
        setup: Setup::default(),
        scenario: s,
        seed: 5,
        depositors: 4,
        keeper_mode: mode,
        progress: false,
    };
    let r = run(&path, &cfg);
    assert!(
        r.stats.exits_ok,
        "{:?}: every depositor exits: {:?}",
        s, r.stats.notes
    );
    assert_eq!(
        r.stats.invariant_checks,
        steps + 1,
        "checked every step and after the exits"
    );
    // A step is recorded when the program can price the vault (not while an oracle is refused).
    assert!(
        r.series.t.len() * 4 >= steps * 3 && r.series.t.len() <= steps,
        "records: {}",
        r.series.t.len()
    );
    r
}

#[test]
fn sim_default_rebalances_and_everyone_exits() {
    let r = scenario(Scenario::Default, 6, KeeperMode::Band);
    assert!(r.stats.swaps > 0, "the keeper rebalanced");
    assert!(
        r.stats.risk_updates >= 6 * 24 - 2,
        "sampled every hour: {}",
        r.stats.risk_updates
    );
    assert!(
        r.stats.in_band_steps * 2 > r.stats.steps,
        "inside the bands most of the time"
    );
}

#[test]
fn sim_calendar_rebalances_once_a_day() {
    let r = scenario(Scenario::Default, 4, KeeperMode::Calendar);
    assert!(r.stats.swaps > 0);
}

#[test]
fn sim_scenario_oracle_outage_keeper_waits_exits_work() {
    let r = scenario(Scenario::OracleOutage, 4, KeeperMode::Band);
    assert!(
        r.stats
            .keeper_waits
            .get("oracle refused")
            .copied()
            .unwrap_or(0)
            >= 10,
        "{:?}",
        r.stats.keeper_waits
    );
    assert!(
        r.stats
            .notes
            .iter()
            .any(|n| n.contains("redeemed in kind during the oracle-outage event: ok")),
        "{:?}",
        r.stats.notes
    );
}

#[test]
fn sim_scenario_keeper_outage_exits_work() {
    let r = scenario(Scenario::KeeperOutage, 4, KeeperMode::Band);
    assert!(
        r.stats.notes.iter().any(|n| n.contains(": ok")),
        "{:?}",
        r.stats.notes
    );
}

#[test]
fn sim_scenario_liquidity_crunch_exits_work() {
    let r = scenario(Scenario::LiquidityCrunch, 5, KeeperMode::Band);
    assert!(r
        .stats
        .notes
        .iter()
        .any(|n| n.contains("liquidity restored")));
    assert!(
        r.stats.notes.iter().any(|n| n.contains(": ok")),
        "{:?}",
        r.stats.notes
    );
}

#[test]
fn sim_scenario_perp_halt_hedged_exits_work() {
    let r = scenario(Scenario::PerpHalt, 4, KeeperMode::Band);
    assert!(
        r.stats.hedge_trades + r.stats.collateral_moves > 0,
        "the vault hedged"
    );
    assert!(r.stats.notes.iter().any(|n| n.contains("halted")));
    assert!(
        r.stats
            .notes
            .iter()
            .any(|n| n.contains("redeemed in kind during the perp-halt event: ok")),
        "{:?}",
        r.stats.notes
    );
}

#[test]
fn sim_scenario_flash_crash_hedged() {
    let r = scenario(Scenario::FlashCrash, 4, KeeperMode::Band);
    assert!(
        r.stats.max_abs_net_delta < 0.9,
        "half hedged: net delta {}",
        r.stats.max_abs_net_delta
    );
}

#[test]
fn sim_prices_from_csv() {
    let csv = "timestamp,SOL,BTC\n0,100,50000\n3600,101,50100\n7200,99,49900\n10800,102,50500\n";
    let p = market::from_csv(csv).unwrap();
    assert_eq!((p.n(), p.steps(), p.dt_s), (2, 3, 3_600));
    assert_eq!(p.names, vec!["SOL", "BTC"]);
    assert!(market::from_csv("timestamp,A\n0,1\n0,2\n5,3\n")
        .unwrap_err()
        .contains("increase"));
    assert!(market::from_csv("timestamp,A\n0,1\n1,-2\n2,3\n")
        .unwrap_err()
        .contains("positive"));
    assert!(market::from_csv("timestamp,A\n0,1,2\n")
        .unwrap_err()
        .contains("fields"));
}
