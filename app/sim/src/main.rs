//! `vault-sim`: the strategy lab. Subcommands: `accuracy` (fixed-point weights against the f64
//! reference). The default market study arrives with the keeper/CLI/simulator issue.

use std::process::ExitCode;

use vault_sim::accuracy;

fn usage() -> ExitCode {
    eprintln!("usage: vault-sim accuracy [--matrices N] [--seed S]");
    eprintln!(
        "  accuracy   compare the program's fixed-point target weights with an f64 reference"
    );
    eprintln!(
        "             over N random covariance matrices (default 1000) per asset count 2..16"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("accuracy") {
        return usage();
    }
    let mut matrices = 1_000usize;
    let mut seed = 7u64;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--matrices", Some(v)) => matrices = v as usize,
            ("--seed", Some(v)) => seed = v,
            _ => return usage(),
        }
    }
    let started = std::time::Instant::now();
    let reports = accuracy::run(matrices, seed);
    println!("{matrices} random covariance matrices per asset count 2..16, seed {seed}");
    println!("strategy        cases  max_abs_err  certificate  max_iter | ops at 8 assets (max)                      | ops at 16 assets (max)");
    let mut worst = 0.0f64;
    for r in &reports {
        worst = worst.max(r.max_abs_weight_error);
        println!(
            "{:<14} {:>6}  {:>11.3e}  {:>11.3e}  {:>8} | {} | {}",
            r.name,
            r.cases,
            r.max_abs_weight_error,
            r.max_certificate,
            r.max_iterations,
            accuracy::format_ops(&r.ops_8),
            accuracy::format_ops(&r.ops_16)
        );
    }
    println!(
        "update-risk    (estimator step)                            | {} | {}",
        accuracy::format_ops(&accuracy::estimator_step_ops(8)),
        accuracy::format_ops(&accuracy::estimator_step_ops(16))
    );
    println!("elapsed: {:.1} s", started.elapsed().as_secs_f64());
    println!("max_abs_weight_error: {worst:.3e}");
    if worst < 1e-9 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
