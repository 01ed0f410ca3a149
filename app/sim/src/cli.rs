//! The simulator's command-line arguments and their checks, shared by the binary and the
//! tests (every refusal is one clear message; the binary exits 2 on it).

use clap::Args;
use std::path::PathBuf;

use crate::market::{self, MarketParams, Path};
use crate::run::{KeeperMode, RunConfig, Scenario};
use crate::strategy_code;
use crate::world::Setup;

#[derive(Args, Clone, Debug)]
pub struct StudyArgs {
    /// Simulated days (default: 365, or 30 for a scenario).
    #[arg(long)]
    pub days: Option<usize>,
    #[arg(long, default_value_t = 8)]
    pub assets: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// fixed, inverse-vol, risk-parity, min-variance or vol-target.
    #[arg(long, default_value = "risk-parity")]
    pub strategy: String,
    /// Real price history: `timestamp,ASSET1,ASSET2,...` (unix seconds, prices per token).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// flash-crash, oracle-outage, liquidity-crunch, keeper-outage or perp-halt.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Delta-neutral hedge of this fraction of the spot book, bps (0: no hedge venue).
    #[arg(long, default_value_t = 0)]
    pub hedge_ratio_bps: u16,
    #[arg(long, default_value_t = 12)]
    pub depositors: usize,
    /// The band keeper's band: weights this far from their targets are rebalanced (bps).
    #[arg(long, default_value_t = 400)]
    pub band_bps: u16,
    /// Where the report goes (default: target/report, or target/report/<scenario>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// A study ready to run: its path, configuration, report folder and title.
pub struct Study {
    pub path: Path,
    pub cfg: RunConfig,
    pub out: PathBuf,
    pub title: String,
}

/// Checks the arguments and builds the study; every refusal names the argument (or the CSV's
/// row and column).
pub fn prepare(a: &StudyArgs) -> Result<Study, String> {
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
    if days == 0 {
        return Err("--days must be at least 1".into());
    }
    let (lo, hi) = (
        portfolio_vault::constants::MIN_BAND_BPS,
        portfolio_vault::constants::MAX_BAND_BPS,
    );
    if !(lo..=hi).contains(&a.band_bps) {
        return Err(format!("--band-bps {} is outside {lo}..={hi}", a.band_bps));
    }
    if a.hedge_ratio_bps > 10_000 {
        return Err(format!(
            "--hedge-ratio-bps {} is above 10000 (100 % of the spot book)",
            a.hedge_ratio_bps
        ));
    }
    let path = match &a.prices {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            market::from_csv(&text).map_err(|e| format!("{}: {e}", file.display()))?
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
    // The risk model samples every row of the data (within the program's bounds).
    let interval = (path.sampling_interval_s().clamp(
        portfolio_vault::constants::MIN_RISK_INTERVAL_S as i64,
        portfolio_vault::constants::MAX_RISK_INTERVAL_S as i64,
    )) as u32;
    let setup = Setup {
        strategy,
        vol_target_bps,
        hedge_ratio_bps: a.hedge_ratio_bps,
        band_bps: a.band_bps,
        sample_interval_s: interval,
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
            flows: true,
        },
        out,
        title,
    })
}

#[derive(clap::Parser)]
struct Argv {
    #[command(flatten)]
    study: StudyArgs,
}

/// The study arguments from `argv` (without the program name), as the binary reads them.
pub fn parse(argv: &[&str]) -> Result<StudyArgs, String> {
    use clap::Parser;
    Argv::try_parse_from(std::iter::once("vault-sim").chain(argv.iter().copied()))
        .map(|a| a.study)
        .map_err(|e| e.to_string())
}

/// Whether the run ever held its targets: a run that never invests is not a success.
pub fn reached_targets(r: &crate::run::RunResult) -> bool {
    r.stats.in_band_steps > 0
}
