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
        flows: true,
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

// ---- real histories (issue 18): prices, calendar time, the risk model's step, outcomes,
// ---- input errors, the report

/// A CSV of `rows` observations at times `t(k)` of `n` assets whose prices start at `start[i]`
/// and wander by a deterministic ±1.5 % a row.
fn history(names: &[&str], start: &[f64], rows: usize, t: impl Fn(usize) -> String) -> String {
    let mut s = format!("timestamp,{}\n", names.join(","));
    for k in 0..rows {
        s.push_str(&t(k));
        for (i, p) in start.iter().enumerate() {
            let wiggle = (((k * 7 + i * 3) % 11) as f64 - 5.0) * 0.003;
            let drift = 1.0 + 0.001 * (k as f64) * if i % 2 == 0 { 1.0 } else { -0.5 };
            s.push_str(&format!(",{}", p * drift * (1.0 + wiggle)));
        }
        s.push('\n');
    }
    s
}

fn run_path(path: &market::Path, setup: Setup, depositors: usize) -> vault_sim::run::RunResult {
    let cfg = RunConfig {
        setup,
        scenario: Scenario::Default,
        seed: 3,
        depositors,
        keeper_mode: KeeperMode::Band,
        progress: false,
        flows: true,
    };
    run(path, &cfg)
}

fn study_args(argv: &[&str]) -> Result<vault_sim::cli::Study, String> {
    vault_sim::cli::prepare(&vault_sim::cli::parse(argv)?)
}

fn csv_error(text: &str) -> String {
    market::from_csv(text).expect_err("the CSV is refused")
}

#[test]
fn sim_prices_from_cheap_and_huge_prices_run() {
    // 0.144 (9 decimals in the old set-up), a micro-cap at 2e-6 and a price above i64 at 1e-8.
    let csv = history(&["CHEAP", "MICRO", "HUGE"], &[0.144, 2e-6, 2e11], 48, |k| {
        (k as i64 * 3_600).to_string()
    });
    let path = market::from_csv(&csv).unwrap();
    let r = run_path(&path, Setup::default(), 3);
    assert!(r.stats.exits_ok, "{:?}", r.stats.notes);
    assert!(vault_sim::cli::reached_targets(&r), "the vault invested");
    // The huge asset's price moves in the vault's eyes (it saturated at i64 before).
    let last = r.series.t.len() - 1;
    assert!(r.stats.swaps > 0);
    assert!(
        r.series.weights[last][2] > 0.01,
        "{:?}",
        r.series.weights[last]
    );
}

#[test]
fn sim_report_annualises_trading_days_on_calendar_time() {
    // A year of weekday closes (about 261 rows) growing about 10 %, with alternating ±1 %
    // moves: a year's return is the total, and volatility uses the rows a year holds.
    let day = 86_400i64;
    let mut t = vec![];
    let mut v = vec![];
    let mut d = 0i64;
    while d <= 365 {
        // 1970-01-01 was a Thursday: days 2 and 3 of each week are the weekend.
        if !matches!(d % 7, 2 | 3) {
            t.push(d * day);
            v.push(1.0);
        }
        d += 1;
    }
    let n = v.len();
    let g = (1.1f64).ln() / (n - 1) as f64;
    for k in 1..n {
        let r = g + if k % 2 == 0 { 0.01 } else { -0.01 };
        v[k] = v[k - 1] * r.exp();
    }
    let p = vault_sim::report::perf(&v, &t);
    let years = (t[n - 1] - t[0]) as f64 / vault_sim::report::YEAR_S;
    let total = v[n - 1] / v[0];
    assert!((p.total_return - (total - 1.0)).abs() < 1e-12);
    assert!((p.annual_return - (total.powf(1.0 / years) - 1.0)).abs() < 1e-12);
    assert!((p.annual_return - 0.1).abs() < 0.02, "{}", p.annual_return);
    let per_year = (n - 1) as f64 / years;
    assert!((250.0..265.0).contains(&per_year), "{per_year}");
    let expected_vol = 0.01 * per_year.sqrt();
    assert!(
        (p.annual_vol / expected_vol - 1.0).abs() < 0.01,
        "{} against {expected_vol} (365 rows a year would say {})",
        p.annual_vol,
        0.01 * 365f64.sqrt()
    );
    // A constant series has no Sharpe ratio rather than a huge one.
    let flat = vault_sim::report::perf(&[1.0; 10], &(0..10).map(|k| k * day).collect::<Vec<_>>());
    assert_eq!((flat.annual_vol, flat.sharpe), (0.0, 0.0));
}

#[test]
fn sim_prices_from_csv_fills_gaps_with_the_last_price() {
    // Daily rows, a weekend (3 days: one longer step) and a 365-day hole.
    let day = 86_400;
    let times = [0, 1, 2, 5, 6, 371, 372];
    let mut csv = String::from("time,A\n");
    for (k, d) in times.iter().enumerate() {
        csv.push_str(&format!("{},{}\n", d * day, 10 + k));
    }
    let p = market::from_csv(&csv).unwrap();
    assert_eq!(p.dt_s, day);
    assert_eq!(
        p.t.len(),
        7 + 364,
        "the weekend stays one step, the hole is filled daily"
    );
    assert!(p.t.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(p.t[4], 6 * day);
    assert_eq!(p.t[5], 7 * day);
    // Through the hole the price holds at the last observation.
    assert!(p.prices[5..=368].iter().all(|row| row[0] == 14.0));
    assert_eq!(p.prices[369][0], 15.0);
    assert_eq!(p.span_s(), 372 * day);
}

#[test]
fn sim_risk_model_follows_the_data_step() {
    let daily = history(&["A", "B"], &[10.0, 20.0], 30, |k| {
        format!("2024-01-{:02}", k + 1)
    });
    let dir = std::env::temp_dir().join(format!("vault-sim-daily-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("daily.csv");
    std::fs::write(&file, daily).unwrap();
    let s = study_args(&["--prices", file.to_str().unwrap()]).unwrap();
    assert_eq!(s.path.dt_s, 86_400);
    assert_eq!(s.cfg.setup.sample_interval_s, 86_400, "one sample a row");
    // A ten-day half-life: 0.5^(1/10) a daily sample; 0.5^(1/240) an hourly one.
    let d = s.cfg.setup.decay_bps(s.cfg.setup.ewma_half_life_s, 0);
    assert_eq!(d, (0.5f64.powf(0.1) * 1e4).round() as u16);
    let hourly = study_args(&["--days", "2"]).unwrap();
    assert_eq!(hourly.cfg.setup.sample_interval_s, 3_600);
    assert!(
        hourly
            .cfg
            .setup
            .decay_bps(hourly.cfg.setup.ewma_half_life_s, 0)
            > d
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sim_never_investing_run_is_not_reported_ok() {
    // A keeper that values tracking at almost nothing: no trade is worth its cost.
    let mut p = MarketParams::new(2, 24, 9);
    p.flash_crash = None;
    let path = market::generate(&p);
    let setup = Setup {
        tracking_aversion_bps: 1,
        ..Setup::default()
    };
    let r = run_path(&path, setup, 2);
    assert!(
        !vault_sim::cli::reached_targets(&r),
        "in band {} steps",
        r.stats.in_band_steps
    );
}

#[test]
fn sim_two_assets_reach_their_targets() {
    let path = market::generate(&MarketParams::new(2, 36, 9));
    let r = run_path(&path, Setup::default(), 2);
    assert!(
        vault_sim::cli::reached_targets(&r),
        "{:?}",
        r.stats.keeper_waits
    );
    assert!(r.stats.exits_ok);
}

#[test]
fn sim_prices_from_csv_fails_naming_row_and_column() {
    let many: Vec<String> = (0..17).map(|i| format!("A{i}")).collect();
    let cases: Vec<(String, &str)> = vec![
        (
            format!("t,{}\n0,{}\n", many.join(","), vec!["1"; 17].join(",")),
            "row 1: 17 asset columns; the vault holds at most 16",
        ),
        ("0,1,2\n1,1,2\n2,1,2\n3,1,2\n".into(), "row 1: no header"),
        (
            "t,A,A\n0,1,2\n1,1,2\n2,1,2\n".into(),
            "row 1 column 3: asset `A` is named twice",
        ),
        (
            "t,A,\n0,1,2\n1,1,2\n2,1,2\n".into(),
            "row 1 column 3: an asset column has no name",
        ),
        (
            "t,A\n0,1\n1,x\n2,1\n".into(),
            "row 3 column 2 (A): `x` is not a number",
        ),
        (
            "t,A\n0,1\n1,0\n2,1\n".into(),
            "row 3 column 2 (A): a price must be positive",
        ),
        (
            "t,A\n0,1\nyesterday,1\n2,1\n".into(),
            "row 3 column 1 (t): `yesterday` is not a time",
        ),
        (
            "t,A\n0,1\n2,1\n1,1\n".into(),
            "row 4 column 1 (t): times must increase",
        ),
        (
            "t,A\n0,1\n1,1,1\n2,1\n".into(),
            "row 3: 3 fields, the header has 2",
        ),
        ("t,\"A\n0,1\n".into(), "row 1: a quoted field is not closed"),
        ("t,A\n0,1\n".into(), "at least three rows"),
        ("".into(), "empty"),
    ];
    for (text, want) in cases {
        let e = csv_error(&text);
        assert!(e.contains(want), "{text:?}: {e:?} does not say {want:?}");
    }
}

#[test]
fn sim_prices_from_csv_reads_real_formats() {
    // Milliseconds, `;` and quoted names (one holding the delimiter).
    let ms = "\"time\";\"SOL; spot\";\"B\"\"TC\"\n1700000000000;100;50000\n1700003600000;101;50100\n1700007200000;102;50200\n";
    let p = market::from_csv(ms).unwrap();
    assert_eq!(p.names, vec!["SOL; spot", "B\"TC"]);
    assert_eq!((p.dt_s, p.t[0]), (3_600, 1_700_000_000));
    // ISO dates and date-times, tab-separated, CRLF line ends.
    let iso = "date\tA\r\n2024-01-31\t1.5\r\n2024-02-01\t1.6\r\n2024-02-02\t1.7\r\n";
    let p = market::from_csv(iso).unwrap();
    assert_eq!((p.dt_s, p.t[0]), (86_400, 1_706_659_200));
    let rfc = "t,A\n2024-01-31T16:00:00Z,1\n2024-01-31T17:00:00+00:00,2\n2024-01-31 18:00:00,3\n";
    let p = market::from_csv(rfc).unwrap();
    assert_eq!(p.t, vec![1_706_716_800, 1_706_720_400, 1_706_724_000]);
}

#[test]
fn sim_args_fail_naming_the_argument() {
    let e = |argv: &[&str]| study_args(argv).err().expect("refused");
    assert!(e(&["--days", "0"]).contains("--days must be at least 1"));
    assert!(e(&["--hedge-ratio-bps", "20000"]).contains("--hedge-ratio-bps 20000 is above 10000"));
    assert!(e(&["--assets", "17"]).contains("--assets must be 1..=16"));
    assert!(e(&["--strategy", "yolo"]).contains("unknown strategy yolo"));
    assert!(e(&["--scenario", "meteor"]).contains("unknown scenario meteor"));
    assert!(e(&["--prices", "/nonexistent/p.csv"]).contains("/nonexistent/p.csv"));
    assert!(e(&["--hedge-ratio-bps", "lots"]).contains("--hedge-ratio-bps"));
}

#[test]
fn sim_twelve_assets_exit_in_kind() {
    // More accounts than a legacy transaction holds: the world's lookup table carries them.
    let path = market::generate(&MarketParams::new(12, 6, 4));
    let r = run_path(&path, Setup::default(), 2);
    assert!(r.stats.exits_ok, "{:?}", r.stats.notes);
}

#[test]
fn sim_report_reads_at_a_glance() {
    use vault_sim::report;
    assert!(report::wants_log(1.0, 3.5) && !report::wants_log(1.0, 2.9));
    let path = market::generate(&MarketParams::new(3, 48, 21));
    let r = run_path(&path, Setup::default(), 2);
    let turn = &r.series.turnover_cum;
    assert!(
        turn.windows(2).all(|w| w[1] >= w[0]),
        "cumulative turnover never falls"
    );
    // Against the first NAV, not a running average (costs are signed: a fill better than the
    // oracle is a gain).
    let last = turn.len() - 1;
    assert!((turn[last] - r.stats.turnover_base / r.series.nav[0]).abs() < 1e-9);
    let dir = std::env::temp_dir().join(format!("vault-sim-report-{}", std::process::id()));
    report::write(&dir, &r, "test", "").unwrap();
    let csv = std::fs::read_to_string(dir.join("series.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("timestamp,nav_per_share,"), "{header}");
    assert!(header.ends_with("weight_cash,target_cash"), "{header}");
    assert_eq!(lines.count(), r.series.t.len());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("are not meaningful"),
        "two days are not annualised silently"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    // The daily 1/N benchmark moves only at day ends: between them it is buy-and-hold.
    assert_eq!(r.series.equal_daily.len(), r.series.buy_hold.len());
}

#[test]
fn sim_without_flows_measures_rebalancing_alone() {
    let path = market::generate(&MarketParams::new(3, 72, 8));
    let cfg = RunConfig {
        setup: Setup::default(),
        scenario: Scenario::Default,
        seed: 3,
        depositors: 6,
        keeper_mode: KeeperMode::Band,
        progress: false,
        flows: false,
    };
    let r = run(&path, &cfg);
    assert_eq!(
        (r.stats.deposits, r.stats.withdrawals),
        (3, 0),
        "the founding cohort only"
    );
    assert!(r.stats.exits_ok);
    let at = r
        .stats
        .invested
        .expect("the founding deposits were invested");
    assert!(at.turnover_base > 0.0 && at.records < r.series.t.len());
    let (te, turnover, _) = vault_sim::report::rebalancing_figures(&r, Some(at));
    let (te_all, turnover_all, _) = vault_sim::report::rebalancing_figures(&r, None);
    assert!(
        turnover < turnover_all && te < te_all,
        "the first investment is left out"
    );
}

#[test]
fn sim_monthly_history_invests_and_samples_each_row() {
    // Three years of month ends (BTC-like): one risk sample a row, targets kept between them.
    let csv = history(&["BTC", "ETH"], &[30_000.0, 2_000.0], 36, |k| {
        format!("{}-{:02}-28", 2021 + k / 12, k % 12 + 1)
    });
    let path = market::from_csv(&csv).unwrap();
    assert!(
        (27 * 86_400..=31 * 86_400).contains(&path.dt_s),
        "{}",
        path.dt_s
    );
    assert_eq!(
        path.sampling_interval_s(),
        28 * 86_400,
        "February's step is sampled too"
    );
    let setup = Setup {
        sample_interval_s: path.sampling_interval_s() as u32,
        ..Setup::default()
    };
    let r = run_path(&path, setup, 2);
    assert!(
        vault_sim::cli::reached_targets(&r),
        "{:?}",
        r.stats.keeper_waits
    );
    assert_eq!(r.stats.risk_updates, 35, "one sample a row");
    assert!(r.stats.exits_ok);
}
