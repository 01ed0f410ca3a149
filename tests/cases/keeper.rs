//! End-to-end tests of the keeper (`vault-keeper`) on the in-process backend: the simulator's
//! world (three programs, Pyth accounts, pools, a vault configured through governance) and
//! the real keeper code, as on a cluster.

use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use vault_client::error::vault_code;
use vault_client::portfolio_vault::error::VaultError;
use vault_client::{ChainClient, OracleAddresses, Wait};
use vault_keeper::{ActionKind, Keeper, KeeperConfig, Metrics, Status};
use vault_sim::world::{Holder, Setup, World};

const PRICES: [f64; 3] = [3_000.0, 150.0, 25.0];

/// A world of three assets with 1,000,000 base tokens deposited (all idle).
fn world(setup: Setup) -> (World, Holder) {
    let mut w = World::build(setup, &PRICES);
    let d = w.new_holder(1_000_000_000);
    w.mint_to(&w.base_mint.clone(), &d.base, 2_000_000 * 1_000_000);
    let ix = w
        .keys
        .deposit(d.kp.pubkey(), d.base, d.shares, 1_000_000 * 1_000_000, 0);
    w.send(&[ix], &[&d.kp]).expect("deposit");
    (w, d)
}

fn keeper<'a>(
    w: &'a World,
    kp: &solana_keypair::Keypair,
    base: Pubkey,
    cfg: KeeperConfig,
) -> Keeper<'a> {
    Keeper::new(
        &w.chain as &dyn ChainClient,
        kp.insecure_clone(),
        w.vault,
        base,
        OracleAddresses::default(),
        cfg,
    )
}

fn cfg(w: &World) -> KeeperConfig {
    KeeperConfig::in_process(&w.vault.to_string())
}

/// A minute later with the same prices (fresh again), as the simulator does between ticks.
fn next_minute(w: &World, prices: &[f64]) {
    let t = w.now() + 61;
    w.chain.advance_slot();
    w.chain.set_unix_timestamp(t);
    w.post_all(prices, t, 0.0);
    vault_sim::run::arbitrage(w, prices);
}

/// Ticks until the keeper sends nothing more; returns the swaps sent.
fn run_until_quiet(w: &World, k: &Keeper, prices: &[f64]) -> usize {
    let mut swaps = 0;
    for _ in 0..60 {
        let r = k.tick().expect("tick");
        swaps += r.sent(ActionKind::Swap);
        if !r.sent_any() {
            return swaps;
        }
        next_minute(w, prices);
    }
    let r = k.tick().expect("tick");
    panic!(
        "the keeper did not settle in 60 ticks: {:?} {:?}",
        r.actions, r.waits
    );
}

/// Ticks until the weights are inside their bands, moving a day on whenever the keeper goes
/// quiet before that (the notional cap allows half of NAV a day); returns the swaps sent.
fn settle(w: &World, k: &Keeper, prices: &[f64]) -> usize {
    let mut swaps = 0;
    for _ in 0..5 {
        swaps += run_until_quiet(w, k, prices);
        if max_gap_bps(w) <= w.setup.band_bps as f64 {
            return swaps;
        }
        let t = w.now() + 86_400;
        w.chain.advance_slot();
        w.chain.set_unix_timestamp(t);
        w.post_all(prices, t, 1.0);
        vault_sim::run::arbitrage(w, prices);
    }
    let r = k.tick().unwrap();
    panic!(
        "not inside the bands after five days: {} ({:?}, {:?})",
        max_gap_bps(w),
        r.actions,
        r.waits
    );
}

fn max_gap_bps(w: &World) -> f64 {
    let s = w.snapshot().unwrap();
    let wts = s.current_weights().unwrap();
    let (t, cash) = s.targets();
    let mut tv: Vec<f64> = t[..s.n()].iter().map(|x| x.to_num::<f64>()).collect();
    tv.push(cash.to_num::<f64>());
    wts.iter()
        .zip(&tv)
        .map(|(a, b)| (a - b).abs() * 1e4)
        .fold(0.0, f64::max)
}

#[test]
fn keeper_tick_ok_restores_bands_then_sends_nothing() {
    let (w, _d) = world(Setup::default());
    let start = w.now();
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    let swaps = settle(&w, &k, &PRICES);
    assert!(swaps >= 2, "the idle deposit is invested ({swaps} swaps)");
    assert!(
        max_gap_bps(&w) <= w.setup.band_bps as f64,
        "every weight is inside its band: {}",
        max_gap_bps(&w)
    );
    let before = w.chain.get_account(&w.vault).unwrap();
    let r = k.tick().unwrap();
    assert!(
        !r.sent_any(),
        "nothing to do, nothing sent: {:?}",
        r.actions
    );
    assert!(
        r.waits
            .iter()
            .any(|x| matches!(x, Wait::NothingToDo | Wait::Cooldown(_))),
        "{:?}",
        r.waits
    );
    assert_eq!(
        w.chain.get_account(&w.vault).unwrap(),
        before,
        "the vault did not change"
    );
    // Bounties were paid to the keeper, within the per-interval cap of each interval.
    let bounty =
        vault_client::decode::token_account(&w.chain.account(&w.keeper.base).unwrap().data)
            .unwrap()
            .amount;
    let p = w.snapshot().unwrap().vault.rebalance;
    let intervals = (w.now() - start) as u64 / p.cap_interval_s as u64 + 1;
    assert!(
        bounty > 0 && bounty <= intervals * p.bounty_cap_per_interval,
        "bounty {bounty} over {intervals} intervals"
    );
    assert_eq!(
        k.metrics
            .bounty_base_units
            .load(std::sync::atomic::Ordering::Relaxed),
        bounty,
        "the metric counts every bounty"
    );
}

/// A request larger than the idle buffer: the queued value raises the base target, the
/// keeper sells into base through `rebalance_swap`, fills the request in order and claims it
/// for the holder, who is paid at most its value at request.
#[test]
fn keeper_tick_ok_fills_the_queue_by_rebalancing_and_claims() {
    let (w, d) = world(Setup::default());
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    settle(&w, &k, &PRICES);
    let s = w.snapshot().unwrap();
    let held = vault_client::decode::token_account(&w.chain.account(&d.shares).unwrap().data)
        .unwrap()
        .amount;
    let shares = held / 2;
    let owed = s.preview_request(shares).unwrap().owed;
    assert!(owed > s.vault.free_idle() * 2, "the buffer cannot pay it");
    let id = s.vault.queue_next;
    let ix = w
        .keys
        .request_withdraw(d.kp.pubkey(), d.shares, d.base, id, shares, owed);
    w.send(&[ix], &[&d.kp]).expect("request");
    let balance = |key: &Pubkey| {
        vault_client::decode::token_account(&w.chain.account(key).unwrap().data)
            .unwrap()
            .amount
    };
    let before = balance(&d.base);
    let request = vault_client::pda::withdraw_request(&w.vault, id);
    let mut swaps = 0;
    for _ in 0..5 {
        swaps += run_until_quiet(&w, &k, &PRICES);
        if w.chain.get_account(&request).unwrap().is_none() {
            break;
        }
        let t = w.now() + 86_400;
        w.chain.advance_slot();
        w.chain.set_unix_timestamp(t);
        w.post_all(&PRICES, t, 1.0);
        vault_sim::run::arbitrage(&w, &PRICES);
    }
    assert!(
        w.chain.get_account(&request).unwrap().is_none(),
        "filled, claimed and closed"
    );
    assert!(swaps >= 1, "the keeper sold into base");
    let paid = balance(&d.base) - before;
    assert!(
        paid <= owed && paid >= owed - owed / 100,
        "paid {paid} of {owed}"
    );
    let m = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    assert!(m(&k.metrics.fills) >= 1 && m(&k.metrics.claims) >= 1);
    let v = w.snapshot().unwrap().vault;
    assert_eq!((v.queue_head, v.queue_owed, v.queue_payable), (1, 0, 0));
    vault_sim::run::check_invariants(&w).unwrap();
}

#[test]
fn keeper_tick_ok_after_prices_move() {
    let (w, _d) = world(Setup::default());
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    settle(&w, &k, &PRICES);
    // An hour later asset 0 is up 60 % (its EMA has caught up), the others flat.
    let moved = [PRICES[0] * 1.6, PRICES[1], PRICES[2]];
    let t = w.now() + 3_600;
    w.chain.advance_slot();
    w.chain.set_unix_timestamp(t);
    w.post_all(&moved, t, 1.0);
    vault_sim::run::arbitrage(&w, &moved);
    assert!(
        max_gap_bps(&w) > w.setup.band_bps as f64,
        "the move pushes a weight out of its band"
    );
    let swaps = settle(&w, &k, &moved);
    assert!(swaps >= 1);
    assert!(
        max_gap_bps(&w) <= w.setup.band_bps as f64,
        "restored: {}",
        max_gap_bps(&w)
    );
    assert!(k.metrics.swaps.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

#[test]
fn keeper_tick_waits_on_stale_oracle_and_says_why() {
    let (w, _d) = world(Setup::default());
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    // Five minutes pass without a price: older than every asset's max age (300 s).
    w.chain.set_unix_timestamp(w.now() + 301);
    let before = w.chain.get_account(&w.vault).unwrap();
    let r = k.tick().unwrap();
    assert!(r.actions.is_empty(), "nothing is sent on a stale oracle");
    match &r.waits[..] {
        [Wait::Oracle { asset: 0, reason }] => assert!(reason.contains("OracleStale"), "{reason}"),
        other => panic!("expected an oracle wait, got {other:?}"),
    }
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
}

#[test]
fn keeper_race_loser_fails_cleanly() {
    let (mut w, _d) = world(Setup::default());
    let rival = w.new_holder(1_000_000_000);
    let a = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    let b = keeper(&w, &rival.kp, rival.base, cfg(&w));
    // Both read the same state and plan the same trade.
    let r = a.tick_with(0).unwrap(); // risk sample and targets only
    assert!(r.sent(ActionKind::UpdateRisk) == 1);
    let (sa, sb) = (a.snapshot().unwrap(), b.snapshot().unwrap());
    let (pa, pb) = (a.plan_swap(&sa).unwrap(), b.plan_swap(&sb).unwrap());
    assert!(matches!(a.execute(pa).status, Status::Sent(_)));
    let before = w.chain.get_account(&w.vault).unwrap();
    let lost = b.execute(pb);
    match lost.status {
        Status::Refused(e) => assert_eq!(
            e.code(),
            Some(vault_code(VaultError::RebalanceCooldown)),
            "{e}"
        ),
        other => panic!("the second keeper must be refused, got {other:?}"),
    }
    assert_eq!(
        w.chain.get_account(&w.vault).unwrap(),
        before,
        "the loser changed nothing"
    );
    assert_eq!(
        b.metrics.refused.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    // ... and moves on: its next tick, a minute later, plans from the new state.
    next_minute(&w, &PRICES);
    assert!(b.tick().is_ok());
}

#[test]
fn keeper_dry_run_simulates_and_sends_nothing() {
    let (w, _d) = world(Setup::default());
    let mut c = cfg(&w);
    c.dry_run = true;
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, c);
    let before = w.chain.get_account(&w.vault).unwrap();
    let risk_before = w.chain.get_account(&w.keys.risk).unwrap();
    let r = k.tick().unwrap();
    assert!(!r.actions.is_empty());
    assert!(
        r.actions
            .iter()
            .all(|a| matches!(a.status, Status::Simulated { units } if units > 0)),
        "{:?}",
        r.actions
    );
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
    assert_eq!(w.chain.get_account(&w.keys.risk).unwrap(), risk_before);
}

#[test]
fn keeper_tick_ok_hedges_to_delta_neutral() {
    let setup = Setup {
        hedge_ratio_bps: 10_000,
        ..Setup::default()
    };
    let (w, _d) = world(setup);
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    // Collateral on the venue counts as cash no swap can move, so the cash weight stays above
    // its target here: settle on "nothing more to send", a day at a time.
    for _ in 0..3 {
        run_until_quiet(&w, &k, &PRICES);
        let t = w.now() + 86_400;
        w.chain.advance_slot();
        w.chain.set_unix_timestamp(t);
        w.post_all(&PRICES, t, 1.0);
        vault_sim::run::arbitrage(&w, &PRICES);
    }
    let mut hedges = k.metrics.hedges.load(std::sync::atomic::Ordering::Relaxed);
    for _ in 0..40 {
        let r = k.tick().unwrap();
        hedges += r.sent(ActionKind::Hedge) as u64;
        if !r.sent_any() {
            break;
        }
        next_minute(&w, &PRICES);
    }
    assert!(hedges >= 1, "the keeper hedged");
    let s = w.snapshot().unwrap();
    assert!(s.plan_hedge().is_err(), "no hedge trade left to do");
    let report = s.hedge_report().unwrap();
    let nav = report.nav.to_num::<f64>();
    let spot: f64 = (0..3).map(|i| report.spot_delta[i].to_num::<f64>()).sum();
    assert!(spot > 0.5 * nav, "the vault holds spot");
    assert!(
        report.portfolio_delta.to_num::<f64>().abs() < 0.07 * nav,
        "net delta {} of NAV {nav}",
        report.portfolio_delta
    );
}

#[test]
fn keeper_tick_ok_samples_although_compute_targets_fails() {
    // A state in which every `compute_targets` fails (a weight cap below the warm-up weights,
    // written directly: no instruction reaches it). The sample goes in its own transaction, so
    // the risk model keeps learning while the keeper reports the refusal.
    use vault_client::portfolio_vault::state::Vault;
    let (w, _d) = world(Setup::default());
    let mut acc = w.chain.get_account(&w.vault).unwrap().unwrap();
    let mut v = *bytemuck::from_bytes::<Vault>(&acc.data[8..8 + Vault::SIZE]);
    v.assets[0].max_weight_bps = 1;
    acc.data[8..8 + Vault::SIZE].copy_from_slice(bytemuck::bytes_of(&v));
    w.chain.set_account(&w.vault, acc);
    let k = keeper(&w, &w.keeper.kp, w.keeper.base, cfg(&w));
    for round in 1..=3u32 {
        let r = k.tick_with(0).unwrap();
        let kinds: Vec<_> = r.actions.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [ActionKind::UpdateRisk, ActionKind::ComputeTargets],
            "round {round}"
        );
        assert!(matches!(r.actions[0].status, Status::Sent(_)));
        match &r.actions[1].status {
            Status::Refused(e) => assert_eq!(
                e.code(),
                Some(vault_code(VaultError::RiskFixedWeightsOutOfBounds)),
                "{e}"
            ),
            other => panic!("compute_targets should be refused: {other:?}"),
        }
        let risk = w.snapshot().unwrap().risk.unwrap();
        // The first observation only records prices; each later one adds a sample.
        assert_eq!(risk.has_prices, 1);
        assert_eq!(risk.sample_count, round - 1, "a sample every round");
        // An hour later with fresh prices, the next sample is due.
        let t = w.now() + 3_600;
        w.chain.advance_slot();
        w.chain.set_unix_timestamp(t);
        w.post_all(&PRICES, t, 1.0);
    }
}

#[test]
fn keeper_config_parses_toml_and_metrics_render() {
    let c = KeeperConfig::from_toml(
        "rpc_url = \"http://127.0.0.1:8899\"\nkeypair_path = \"k.json\"\nvault = \"11111111111111111111111111111111\"\ninterval_s = 10\ndry_run = true\n[oracles]\n\"0xab\" = \"11111111111111111111111111111111\"\n",
    )
    .unwrap();
    assert_eq!(
        (
            c.interval_s,
            c.dry_run,
            c.priority_fee_percentile,
            c.metrics_port
        ),
        (10, true, 75, 9464)
    );
    assert!(KeeperConfig::from_toml("rpc_url = 1")
        .unwrap_err()
        .contains("keeper config"));
    assert!(
        KeeperConfig::from_toml("rpc_url = \"x\"\nkeypair_path = \"k\"\nvault = \"v\"\nbogus = 1")
            .is_err(),
        "unknown keys are refused"
    );
    let m = Metrics::default();
    Metrics::inc(&m.swaps);
    let text = m.render();
    assert!(text.contains("# TYPE vault_keeper_swaps_total counter\nvault_keeper_swaps_total 1\n"));
    assert!(!m.healthy(1_000, 60), "no tick yet: unhealthy");
    m.last_success_ts
        .store(990, std::sync::atomic::Ordering::Relaxed);
    assert!(m.healthy(1_000, 60));
}

#[test]
fn keeper_metrics_served_over_http() {
    let m = std::sync::Arc::new(Metrics::default());
    let port = 19_464 + (std::process::id() % 1_000) as u16;
    vault_keeper::metrics::serve(m.clone(), port, 60).expect("bind");
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get("/health").starts_with("HTTP/1.1 503") || get("/health").contains("503"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    m.last_success_ts
        .store(now, std::sync::atomic::Ordering::Relaxed);
    assert!(get("/health").contains("200"));
    assert!(get("/metrics").contains("vault_keeper_ticks_total 0"));
}
