//! `vault-sim`: the project's main job. With no arguments it runs the default study (365 days
//! of hourly steps for 8 assets through the real programs) and writes `target/report/`.
//!
//! ```text
//! vault-sim [--days N] [--assets N] [--seed S] [--strategy NAME] [--prices FILE.csv]
//!           [--scenario NAME] [--hedge-ratio-bps B] [--depositors N] [--out DIR]
//! vault-sim compare [same options]     band + cost-aware against daily calendar rebalancing
//! vault-sim accuracy [--matrices N] [--seed S]
//! ```

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use vault_sim::cli::{prepare, StudyArgs};
use vault_sim::run::{run, KeeperMode, RunResult};
use vault_sim::{accuracy, report};

/// Counts what each program allocates while it runs (`vault-sim budget` reads it).
#[global_allocator]
static ALLOC: cu_meter::CountingAlloc = cu_meter::CountingAlloc;

/// Prints a line to the real stdout (`vault_sim::stdout`; `VAULT_SIM_PROGRAM_LOGS=1` keeps the
/// programs' logs).
macro_rules! say {
    ($($t:tt)*) => {{
        vault_sim::stdout::line(&format!($($t)*));
    }};
}

#[derive(Parser)]
#[command(
    name = "vault-sim",
    about = "Market simulator and strategy lab of the portfolio vault"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    study: StudyArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// The same paths under band + cost-aware rebalancing and under daily calendar rebalancing.
    Compare(StudyArgs),
    /// Estimated compute units, heap, stack, accounts and bytes of every instruction at 8 and
    /// 16 assets against their budgets; the last line is `budget: ok` or `budget: over ...`.
    Budget {
        /// Rewrite the client's compute-unit limits (`app/client/src/cu_limits.rs`).
        #[arg(long)]
        write: bool,
    },
    /// The program's fixed-point target weights against an f64 reference.
    Accuracy {
        #[arg(long, default_value_t = 1_000)]
        matrices: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

/// The lines every run prints after its table: volatility on calendar time, the vol target
/// when there is one, refused transactions and time in the bands. False when the vault never
/// reached its targets (a run that never invests is not a success).
fn outcome(r: &RunResult, vol_target_bps: u32) -> bool {
    let p = report::perf(&r.series.pps, &r.series.t);
    say!("annualised volatility: {:.2} %", p.annual_vol * 100.0);
    if vol_target_bps > 0 {
        say!("vol target: {:.2} %", vol_target_bps as f64 / 100.0);
    }
    say!("refused transactions: {}", r.stats.refused);
    let in_band = r.stats.in_band_steps as f64 / r.stats.steps.max(1) as f64;
    say!("time within the bands: {:.1} %", in_band * 100.0);
    if !vault_sim::cli::reached_targets(r) {
        say!("targets reached: NEVER (the vault never held its target weights)");
        return false;
    }
    true
}

fn finish(r: &RunResult) -> bool {
    say!(
        "invariants: {}",
        if r.stats.invariant_checks > r.stats.steps {
            "ok"
        } else {
            "NOT CHECKED"
        }
    );
    say!(
        "all depositors exited: {}",
        if r.stats.exits_ok { "ok" } else { "FAILED" }
    );
    r.stats.exits_ok
}

fn study(a: &StudyArgs) -> Result<bool, String> {
    let s = prepare(a)?;
    let r = run(&s.path, &s.cfg);
    let extra = format!(
        "Run by `vault-sim` in {:.1} s ({:.0} steps/s). Every step: Pyth accounts written, pools arbitraged to the oracle, depositors act, the keeper ticks (the real `vault-keeper` code against the in-process bank), the global invariants are checked.",
        r.stats.elapsed_s,
        r.stats.steps as f64 / r.stats.elapsed_s.max(1e-9)
    );
    report::write(&s.out, &r, &s.title, &extra).map_err(|e| format!("writing the report: {e}"))?;
    say!("{}", s.title);
    say!("{}", report::summary_table(&r));
    for n in &r.stats.notes {
        say!("event: {n}");
    }
    say!("report: {}", s.out.join("report.md").display());
    say!(
        "elapsed: {:.1} s ({:.0} steps/s)",
        r.stats.elapsed_s,
        r.stats.steps as f64 / r.stats.elapsed_s.max(1e-9)
    );
    say!("steps: {}", r.stats.steps);
    say!(
        "exits paid in base: {}",
        report::exits_in_base_pct(&r.stats).map_or("no exits".into(), |p| format!("{p:.1} %"))
    );
    let reached = outcome(&r, s.cfg.setup.vol_target_bps);
    Ok(finish(&r) & reached)
}

fn compare(a: &StudyArgs) -> Result<bool, String> {
    let s = prepare(a)?;
    let runs: Vec<(KeeperMode, bool)> = vec![
        (KeeperMode::Band, true),
        (KeeperMode::Calendar, true),
        (KeeperMode::Band, false),
        (KeeperMode::Calendar, false),
    ];
    let results: Vec<RunResult> = runs
        .iter()
        .map(|&(keeper_mode, flows)| {
            let mut cfg = s.cfg.clone();
            cfg.keeper_mode = keeper_mode;
            cfg.flows = flows;
            run(&s.path, &cfg)
        })
        .collect();
    let name = |r: &RunResult| match r.band_bps {
        b if b == portfolio_vault::constants::MIN_BAND_BPS => "daily calendar".to_string(),
        b => format!("band {b} bps + cost-aware"),
    };
    let with_flows = report::compare_table(&[
        (name(&results[0]), &results[0], None),
        (name(&results[1]), &results[1], None),
    ]);
    // Without flows, from the step each first held its targets: rebalancing alone.
    let alone = report::compare_table(&[
        (name(&results[2]), &results[2], results[2].stats.invested),
        (name(&results[3]), &results[3], results[3].stats.invested),
    ]);
    let text = format!(
        "With the depositors' flows (both keepers invest the same deposits):\n\n{with_flows}\nRebalancing alone (the founding cohort stays; from the step each keeper first held the targets):\n\n{alone}"
    );
    std::fs::create_dir_all(&s.out).map_err(|e| e.to_string())?;
    std::fs::write(s.out.join("compare.md"), format!("# {}\n\n{text}", s.title))
        .map_err(|e| e.to_string())?;
    say!("{}", s.title);
    say!("{text}");
    say!(
        "steps: {}",
        results.iter().map(|r| r.stats.steps).sum::<usize>()
    );
    Ok(results.iter().fold(true, |ok, r| finish(r) & ok))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.cmd, Some(Cmd::Accuracy { .. })) {
        vault_sim::stdout::take("VAULT_SIM_PROGRAM_LOGS");
    }
    let res = match &cli.cmd {
        None => study(&cli.study),
        Some(Cmd::Compare(a)) => compare(a),
        Some(Cmd::Accuracy { matrices, seed }) => Ok(accuracy::main(*matrices, *seed)),
        Some(Cmd::Budget { write }) => {
            let (table, ok) = vault_sim::budget::main(*write);
            say!("{table}");
            Ok(ok)
        }
    };
    match res {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("vault-sim: {e}");
            ExitCode::from(2)
        }
    }
}
