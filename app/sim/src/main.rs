//! `vault-sim`: the project's main job. With no arguments it runs the default study (365 days
//! of hourly steps for 8 assets through the real programs) and writes `target/report/`.
//!
//! ```text
//! vault-sim [--days N] [--assets N] [--seed S] [--strategy NAME] [--prices FILE.csv]
//!           [--scenario NAME] [--hedge-ratio-bps B] [--depositors N] [--out DIR]
//! vault-sim compare [same options]     band + cost-aware against daily calendar rebalancing
//! vault-sim accuracy [--matrices N] [--seed S]
//! ```

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use vault_sim::market::{self, MarketParams, Path};
use vault_sim::run::{run, KeeperMode, RunConfig, RunResult, Scenario};
use vault_sim::world::Setup;
use vault_sim::{accuracy, report, strategy_code};

/// Counts what each program allocates while it runs (`vault-sim budget` reads it).
#[global_allocator]
static ALLOC: cu_meter::CountingAlloc = cu_meter::CountingAlloc;

/// The real standard output. Natively compiled programs print their logs (`msg!`) to the
/// process's stdout; the simulator points fd 1 at /dev/null while the programs run and
/// prints through this duplicate (`VAULT_SIM_PROGRAM_LOGS=1` keeps the program logs).
static OUT: std::sync::OnceLock<std::sync::Mutex<std::fs::File>> = std::sync::OnceLock::new();

macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write;
        let mut f = OUT.get().expect("stdout taken").lock().unwrap();
        let _ = writeln!(f, $($t)*);
    }};
}

fn take_stdout() {
    use std::os::fd::FromRawFd;
    // SAFETY: plain fd duplication; the duplicate is owned by the File from here on.
    let real = unsafe { libc::dup(1) };
    assert!(real >= 0, "dup(stdout)");
    if std::env::var_os("VAULT_SIM_PROGRAM_LOGS").is_none() {
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null");
        use std::os::fd::AsRawFd;
        // SAFETY: both descriptors are open; fd 1 now points at /dev/null.
        unsafe { libc::dup2(null.as_raw_fd(), 1) };
    }
    let _ = OUT.set(std::sync::Mutex::new(unsafe {
        std::fs::File::from_raw_fd(real)
    }));
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

#[derive(Args, Clone)]
struct StudyArgs {
    /// Simulated days (default: 365, or 30 for a scenario).
    #[arg(long)]
    days: Option<usize>,
    #[arg(long, default_value_t = 8)]
    assets: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// fixed, inverse-vol, risk-parity, min-variance or vol-target.
    #[arg(long, default_value = "risk-parity")]
    strategy: String,
    /// Real price history: `timestamp,ASSET1,ASSET2,...` (unix seconds, prices per token).
    #[arg(long)]
    prices: Option<PathBuf>,
    /// flash-crash, oracle-outage, liquidity-crunch, keeper-outage or perp-halt.
    #[arg(long)]
    scenario: Option<String>,
    /// Delta-neutral hedge of this fraction of the spot book, bps (0: no hedge venue).
    #[arg(long, default_value_t = 0)]
    hedge_ratio_bps: u16,
    #[arg(long, default_value_t = 12)]
    depositors: usize,
    /// Where the report goes (default: target/report, or target/report/<scenario>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

struct Study {
    path: Path,
    cfg: RunConfig,
    out: PathBuf,
    title: String,
}

fn prepare(a: &StudyArgs) -> Result<Study, String> {
    let scenario = match &a.scenario {
        None => Scenario::Default,
        Some(s) => Scenario::parse(s).ok_or_else(|| format!("unknown scenario {s}: flash-crash, oracle-outage, liquidity-crunch, keeper-outage or perp-halt"))?,
    };
    let (strategy, vol_target_bps) = strategy_code(&a.strategy).ok_or_else(|| {
        format!(
            "unknown strategy {}: fixed, inverse-vol, risk-parity, min-variance or vol-target",
            a.strategy
        )
    })?;
    let days = a.days.unwrap_or(if scenario == Scenario::Default {
        365
    } else {
        30
    });
    let path = match &a.prices {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            market::from_csv(&text)?
        }
        None => {
            if !(1..=16).contains(&a.assets) {
                return Err("--assets must be 1..=16".into());
            }
            let steps = days * 24;
            let mut p = MarketParams::new(a.assets, steps, a.seed);
            if scenario == Scenario::FlashCrash {
                p.flash_crash = Some((steps / 2, 0.40));
            }
            market::generate(&p)
        }
    };
    let out = a.out.clone().unwrap_or_else(|| match scenario {
        Scenario::Default => PathBuf::from("target/report"),
        s => PathBuf::from("target/report").join(s.name()),
    });
    let setup = Setup {
        strategy,
        vol_target_bps,
        hedge_ratio_bps: a.hedge_ratio_bps,
        ..Setup::default()
    };
    let title = format!(
        "Portfolio vault simulation: {} assets, {} steps of {} s, strategy {}, scenario {}{}",
        path.n(),
        path.steps(),
        path.dt_s,
        a.strategy,
        scenario.name(),
        a.prices
            .as_ref()
            .map(|p| format!(", prices from {}", p.display()))
            .unwrap_or_else(|| format!(", seed {}", a.seed)),
    );
    Ok(Study {
        path,
        cfg: RunConfig {
            setup,
            scenario,
            seed: a.seed,
            depositors: a.depositors,
            keeper_mode: KeeperMode::Band,
            progress: !a.quiet,
        },
        out,
        title,
    })
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
    report::write(&s.out, &r, s.path.dt_s, &s.title, &extra)
        .map_err(|e| format!("writing the report: {e}"))?;
    say!("{}", s.title);
    say!("{}", report::summary_table(&r, s.path.dt_s));
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
    Ok(finish(&r))
}

fn compare(a: &StudyArgs) -> Result<bool, String> {
    let s = prepare(a)?;
    let band = run(&s.path, &s.cfg);
    let mut cal_cfg = s.cfg.clone();
    cal_cfg.keeper_mode = KeeperMode::Calendar;
    let cal = run(&s.path, &cal_cfg);
    let row = |name: &str, r: &RunResult| {
        let p = report::perf(&r.series.pps, s.path.dt_s);
        format!(
            "| {name} | {:.2} % | {:.2}× | {:.1} bps | {} | {:+.2} % | {:.2} % |",
            report::tracking_error(r) * 100.0,
            r.stats.turnover_base / r.stats.avg_nav.max(1e-9),
            (r.stats.cost_base + r.stats.bounty_base) / r.stats.avg_nav.max(1e-9) * 1e4,
            r.stats.swaps,
            p.total_return * 100.0,
            p.annual_vol * 100.0,
        )
    };
    let table = format!(
        "| rebalancing | tracking error (RMS weight gap) | turnover | costs incl. bounties | swaps | total return | volatility |\n|---|---:|---:|---:|---:|---:|---:|\n{}\n{}\n",
        row(&format!("band {} bps + cost-aware", band.band_bps), &band),
        row("daily calendar", &cal)
    );
    std::fs::create_dir_all(&s.out).map_err(|e| e.to_string())?;
    std::fs::write(
        s.out.join("compare.md"),
        format!("# {}\n\n{table}", s.title),
    )
    .map_err(|e| e.to_string())?;
    say!("{}", s.title);
    say!("{table}");
    say!("steps: {}", band.stats.steps + cal.stats.steps);
    Ok(finish(&band) & finish(&cal))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.cmd, Some(Cmd::Accuracy { .. })) {
        take_stdout();
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
