//! Accuracy study: the program's fixed-point target weights against the f64 reference, over
//! random positive-definite covariance matrices for every asset count from 2 to 16, with the
//! operation counts and compute-unit estimates of each strategy at 8 and 16 assets.

use nalgebra::DMatrix;
use portfolio_vault::math::linalg::{OpCount, SymMatrix, N};
use portfolio_vault::math::weights::{
    target_weights, target_weights_in, Budget, SolverSpace, SolverState, Strategy, TargetParams,
};
use portfolio_vault::math::Fx;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::reference::{self, RefStrategy};

/// The five strategies of the study: four base strategies and the volatility-targeting
/// overlay (on risk parity, at 70 % of its unscaled volatility).
pub const STRATEGIES: [(&str, Strategy, bool); 5] = [
    ("fixed", Strategy::Fixed, false),
    ("inverse-vol", Strategy::InverseVol, false),
    ("risk-parity", Strategy::RiskParity, false),
    ("min-variance", Strategy::MinVariance, false),
    ("vol-target", Strategy::RiskParity, true),
];

#[derive(Clone, Debug, Default)]
pub struct StrategyReport {
    pub name: &'static str,
    pub cases: usize,
    /// Largest |fixed-point - reference| over every weight and the cash weight.
    pub max_abs_weight_error: f64,
    /// Largest optimality-certificate residual of the reference (risk-contribution spread for
    /// risk parity, KKT violation for minimum variance; 0 where none applies).
    pub max_certificate: f64,
    /// Largest operation counts seen at 8 and 16 assets.
    pub ops_8: OpCount,
    pub ops_16: OpCount,
    pub max_iterations: u32,
}

/// A random covariance of per-period returns in basis points: a 3-factor correlation with
/// idiosyncratic noise, volatilities between 20 and 300 bps.
pub fn random_covariance(rng: &mut ChaCha8Rng, n: usize) -> DMatrix<f64> {
    let k = 3.min(n);
    let b = DMatrix::from_fn(n, k, |_, _| 0.7 * rng.sample::<f64, _>(StandardNormal));
    let mut c = &b * b.transpose();
    for i in 0..n {
        c[(i, i)] += rng.gen_range(0.1..1.0);
    }
    let d: Vec<f64> = (0..n).map(|i| c[(i, i)].sqrt()).collect();
    let vols: Vec<f64> = (0..n).map(|_| rng.gen_range(20.0..300.0)).collect();
    DMatrix::from_fn(n, n, |i, j| c[(i, j)] / (d[i] * d[j]) * vols[i] * vols[j])
}

/// Weight bounds: half the cases unconstrained, half with caps between 1.2/n and 3/n and
/// small floors.
pub fn random_bounds(rng: &mut ChaCha8Rng, n: usize) -> (Vec<f64>, Vec<f64>) {
    if rng.gen_bool(0.5) {
        return (vec![0.0; n], vec![1.0; n]);
    }
    let hi = (0..n)
        .map(|_| rng.gen_range(1.2 / n as f64..3.0 / n as f64).min(1.0))
        .collect();
    let lo = (0..n).map(|_| rng.gen_range(0.0..0.5 / n as f64)).collect();
    (lo, hi)
}

fn to_fx(v: &[f64]) -> [Fx; N] {
    let mut out = [Fx::ZERO; N];
    for (o, x) in out.iter_mut().zip(v) {
        *o = Fx::from_num(*x);
    }
    out
}

pub fn to_sym(c: &DMatrix<f64>) -> SymMatrix {
    let mut m = SymMatrix::zeros(c.nrows());
    for i in 0..c.nrows() {
        for j in 0..=i {
            m.set(i, j, Fx::from_num(c[(i, j)]));
        }
    }
    m
}

fn max_ops(a: OpCount, b: OpCount) -> OpCount {
    OpCount {
        mul: a.mul.max(b.mul),
        div: a.div.max(b.div),
        sqrt: a.sqrt.max(b.sqrt),
    }
}

/// The covariance one EWMA sample (`λ = 0.94`) later: `0.94 C + 0.06 r r'` with a return `r`
/// drawn at each asset's volatility.
pub fn one_sample_on(rng: &mut ChaCha8Rng, c: &DMatrix<f64>) -> DMatrix<f64> {
    let n = c.nrows();
    let r: Vec<f64> = (0..n)
        .map(|i| c[(i, i)].sqrt() * rng.sample::<f64, _>(StandardNormal))
        .collect();
    DMatrix::from_fn(n, n, |i, j| 0.94 * c[(i, j)] + 0.06 * r[i] * r[j])
}

/// Warm starts: each iterative strategy solved on `cov`, then on the covariance one sample on
/// from the last solution (its state carried over, as `compute_targets` keeps it), against the
/// reference on the moved covariance. Updates `report` with the warm solve's error, iterations
/// and operations.
fn warm_case(
    rng: &mut ChaCha8Rng,
    report: &mut StrategyReport,
    strategy: Strategy,
    cov: &DMatrix<f64>,
    params: &TargetParams,
    lo: &[f64],
    hi: &[f64],
) {
    let n = cov.nrows();
    let mut ws = SolverSpace::boxed();
    let mut st = SolverState::cold();
    let mut ops = OpCount::default();
    target_weights_in(
        &mut ops,
        &to_sym(cov),
        params,
        &mut ws,
        &mut st,
        Budget::UNLIMITED,
    )
    .expect("cold solve")
    .expect("unlimited budget");
    let moved = one_sample_on(rng, cov);
    let ref_strategy = match strategy {
        Strategy::RiskParity => RefStrategy::RiskParity,
        _ => RefStrategy::MinVariance,
    };
    let expected = reference::weights(ref_strategy, &moved, lo, hi, &vec![0.0; n]);
    let mut ops = OpCount::default();
    let got = target_weights_in(
        &mut ops,
        &to_sym(&moved),
        params,
        &mut ws,
        &mut st,
        Budget::UNLIMITED,
    )
    .unwrap_or_else(|e| panic!("warm {strategy:?} at n={n} failed: {e:?}"))
    .expect("unlimited budget");
    report.cases += 1;
    let expected_cash = (1.0 - expected.iter().sum::<f64>()).max(0.0);
    let mut err = (got.cash.to_num::<f64>() - expected_cash).abs();
    for (g, e) in got.weights.iter().zip(&expected) {
        err = err.max((g.to_num::<f64>() - e).abs());
    }
    report.max_abs_weight_error = report.max_abs_weight_error.max(err);
    report.max_iterations = report.max_iterations.max(got.iterations);
    if n == 8 {
        report.ops_8 = max_ops(report.ops_8, ops);
    }
    if n == 16 {
        report.ops_16 = max_ops(report.ops_16, ops);
    }
}

/// Runs the study over `matrices` random matrices for each asset count 2..=16.
pub fn run(matrices: usize, seed: u64) -> Vec<StrategyReport> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut reports: Vec<StrategyReport> = STRATEGIES
        .iter()
        .map(|(name, _, _)| StrategyReport {
            name,
            ..Default::default()
        })
        .collect();
    let mut warm = [
        StrategyReport {
            name: "risk-parity (warm)",
            ..Default::default()
        },
        StrategyReport {
            name: "min-variance (warm)",
            ..Default::default()
        },
    ];
    for n in 2..=N {
        for _ in 0..matrices {
            let cov = random_covariance(&mut rng, n);
            let (lo, hi) = random_bounds(&mut rng, n);
            let fixed = reference::fit_to_bounds(&vec![1.0; n], &lo, &hi);
            let sym = to_sym(&cov);
            for (k, strategy) in [Strategy::RiskParity, Strategy::MinVariance]
                .into_iter()
                .enumerate()
            {
                let params = TargetParams {
                    n,
                    strategy,
                    min: to_fx(&lo),
                    max: to_fx(&hi),
                    fixed: [Fx::ZERO; N],
                    vol_target: None,
                };
                warm_case(&mut rng, &mut warm[k], strategy, &cov, &params, &lo, &hi);
            }
            for (k, (_, strategy, overlay)) in STRATEGIES.iter().enumerate() {
                let ref_strategy = match strategy {
                    Strategy::Fixed => RefStrategy::Fixed,
                    Strategy::InverseVol => RefStrategy::InverseVol,
                    Strategy::RiskParity => RefStrategy::RiskParity,
                    Strategy::MinVariance => RefStrategy::MinVariance,
                };
                let base = reference::weights(ref_strategy, &cov, &lo, &hi, &fixed);
                let (expected, target) = if *overlay {
                    let t = 0.7 * reference::portfolio_vol(&cov, &base);
                    (reference::vol_target(&cov, &base, &lo, t), Some(t))
                } else {
                    (base, None)
                };
                let params = TargetParams {
                    n,
                    strategy: *strategy,
                    min: to_fx(&lo),
                    max: to_fx(&hi),
                    fixed: to_fx(&fixed),
                    vol_target: target.map(Fx::from_num),
                };
                let mut ops = OpCount::default();
                let got = target_weights(&mut ops, &sym, &params)
                    .unwrap_or_else(|e| panic!("{} at n={n} failed: {e:?}", STRATEGIES[k].0));
                let r = &mut reports[k];
                r.cases += 1;
                let expected_cash = (1.0 - expected.iter().sum::<f64>()).max(0.0);
                let mut err = (got.cash.to_num::<f64>() - expected_cash).abs();
                for (g, e) in got.weights.iter().zip(&expected) {
                    err = err.max((g.to_num::<f64>() - e).abs());
                }
                r.max_abs_weight_error = r.max_abs_weight_error.max(err);
                let certificate = match (
                    strategy,
                    overlay,
                    lo.iter().all(|l| *l == 0.0) && hi.iter().all(|h| *h == 1.0),
                ) {
                    (Strategy::RiskParity, false, true) => {
                        reference::risk_contribution_spread(&cov, &expected)
                    }
                    (Strategy::MinVariance, _, _) => {
                        reference::min_variance_kkt_violation(&cov, &expected, &lo, &hi)
                    }
                    _ => 0.0,
                };
                r.max_certificate = r.max_certificate.max(certificate);
                r.max_iterations = r.max_iterations.max(got.iterations);
                if n == 8 {
                    r.ops_8 = max_ops(r.ops_8, ops);
                }
                if n == 16 {
                    r.ops_16 = max_ops(r.ops_16, ops);
                }
            }
        }
    }
    reports.extend(warm);
    reports
}

pub fn format_ops(o: &OpCount) -> String {
    format!(
        "mul {:>6} div {:>4} sqrt {:>3} = {:>9}–{:<9} CU",
        o.mul,
        o.div,
        o.sqrt,
        o.units(&cu_meter::CU_LOW),
        o.units(&cu_meter::CU_HIGH)
    )
}

/// Operation counts of one `update_risk` estimator step (returns, covariance and regime
/// flag) at `n` assets.
pub fn estimator_step_ops(n: usize) -> OpCount {
    use portfolio_vault::math::risk::{scaled_return, Estimator};
    let mut ops = OpCount::default();
    let mut est = Estimator::new(n);
    let mut r = [Fx::ZERO; N];
    for (i, ri) in r.iter_mut().enumerate().take(n) {
        *ri = scaled_return(
            &mut ops,
            Fx::from_num(100),
            Fx::from_num(100.0 + i as f64 * 0.1),
        )
        .unwrap();
    }
    est.update(&mut ops, &r, Fx::from_num(0.94), Fx::from_num(0.7))
        .unwrap();
    est.high_vol_regime(&mut ops, Fx::from_num(1.5)).unwrap();
    ops
}

/// The `accuracy` subcommand: prints the study and returns whether every error is below 1e-9.
pub fn main(matrices: usize, seed: u64) -> bool {
    let started = std::time::Instant::now();
    let reports = run(matrices, seed);
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
            format_ops(&r.ops_8),
            format_ops(&r.ops_16)
        );
    }
    println!(
        "update-risk    (estimator step)                            | {} | {}",
        format_ops(&estimator_step_ops(8)),
        format_ops(&estimator_step_ops(16))
    );
    println!("elapsed: {:.1} s", started.elapsed().as_secs_f64());
    println!("max_abs_weight_error: {worst:.3e}");
    worst < 1e-9
}
