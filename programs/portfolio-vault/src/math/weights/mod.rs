//! Target weights. Four base strategies on a covariance matrix, plus a volatility-targeting
//! overlay that scales any of them and holds the rest in the base token. Every result
//! respects the per-asset bounds and sums to one with cash included.
//!
//! Solvers have iteration caps and tolerances; a solver that does not converge returns
//! `MathError::NotConverged` so the caller keeps its previous targets.
//!
//! One file per solver (`inverse_vol`, `risk_parity`, `min_variance`); here the shared solver
//! state, budget and workspace, the dispatch and the volatility overlay.

// Index loops mirror the matrix formulas (l[i][k] * v[k]) and read clearer than iterators.
#![allow(clippy::needless_range_loop)]

use super::linalg::{
    add, dot, ldl_factor, ldl_solve, normalising_shift, sub, Ldl, OpCount, SymMatrix, N,
};
use super::{Fx, MathError, MathResult};

mod inverse_vol;
mod min_variance;
mod risk_parity;

pub use inverse_vol::{fit_to_bounds, inverse_vol};
pub use min_variance::{min_variance, min_variance_in, Bound};
pub use risk_parity::{risk_parity, risk_parity_in};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Strategy {
    /// Governance's fixed weights; needs no covariance.
    Fixed = 0,
    /// Weights proportional to 1 / volatility.
    InverseVol = 1,
    /// Equal risk contribution on the full covariance.
    RiskParity = 2,
    /// Long-only minimum variance within the per-asset bounds.
    MinVariance = 3,
}

impl Strategy {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Fixed),
            1 => Some(Self::InverseVol),
            2 => Some(Self::RiskParity),
            3 => Some(Self::MinVariance),
            _ => None,
        }
    }
}

/// Newton iterations for risk parity (it converges quadratically in fewer than ten).
pub const MAX_NEWTON_ITERATIONS: u32 = 40;
/// Working-set changes for minimum variance.
pub const MAX_ACTIVE_SET_ITERATIONS: u32 = 4 * N as u32 + 8;
/// Convergence tolerance on a solver step, 2^-36 (about 1.5e-11).
pub const SOLVER_TOLERANCE: Fx = Fx::from_bits(1 << 12);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetParams {
    pub n: usize,
    pub strategy: Strategy,
    pub min: [Fx; N],
    pub max: [Fx; N],
    /// Weights of the `Fixed` strategy (already within bounds, summing to at most one).
    pub fixed: [Fx; N],
    /// Volatility target per sampling period, in return units (bps); `None` disables the
    /// overlay.
    pub vol_target: Option<Fx>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    pub weights: [Fx; N],
    /// `1 - sum(weights)`, held in the base token.
    pub cash: Fx,
    /// Ex-ante volatility of the final weights per sampling period, in return units (bps).
    pub portfolio_vol: Fx,
    /// Solver iterations used (0 for the closed-form strategies).
    pub iterations: u32,
}

/// The matrices the solvers work in (7 KB at 16 assets), allocated once on the heap and
/// reused across iterations: SBF stack frames are 4 KB.
pub struct SolverSpace {
    /// The covariance scaled so its largest variance is near one.
    pub scaled: SymMatrix,
    /// Risk parity's Hessian.
    pub h: SymMatrix,
    pub ldl: Ldl,
}

// SAFETY: matrices and factors only (see `SymMatrix`); zero is valid.
unsafe impl bytemuck::Zeroable for SolverSpace {}

impl SolverSpace {
    /// A zeroed workspace on the heap, never built on the stack.
    pub fn boxed() -> Box<Self> {
        bytemuck::zeroed_box()
    }
}

/// Where an iterative solve stands between `compute_targets` calls; the risk account keeps
/// it. A finished solve is the next one's warm start (the covariance moves little between
/// samples, so Newton and active-set steps are few); an unfinished one continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolverState {
    pub status: SolveStatus,
    pub strategy: Strategy,
    pub n: usize,
    /// Risk parity: the Newton iterate `y`; minimum variance: the weights.
    pub x: [Fx; N],
    /// Minimum variance: the working set.
    pub bounds: [Bound; N],
    /// Iterations of the solve in progress (or of the last one).
    pub iterations: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SolveStatus {
    /// Nothing to start from.
    Cold = 0,
    /// A converged solution.
    Warm = 1,
    /// A solve that ran out of budget and continues on the next call.
    Pending = 2,
}

impl SolveStatus {
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Warm,
            2 => Self::Pending,
            _ => Self::Cold,
        }
    }
}

impl SolverState {
    pub fn cold() -> Self {
        Self {
            status: SolveStatus::Cold,
            strategy: Strategy::Fixed,
            n: 0,
            x: [Fx::ZERO; N],
            bounds: [Bound::Free; N],
            iterations: 0,
        }
    }

    /// The state is one `strategy` can start from for `n` assets (a pending solve keeps its
    /// iteration count; a finished one starts a new count).
    fn resumes(&mut self, strategy: Strategy, n: usize) -> bool {
        let ok = self.status != SolveStatus::Cold && self.strategy == strategy && self.n == n;
        if ok && self.status == SolveStatus::Warm {
            self.iterations = 0;
        }
        ok
    }

    fn restart(&mut self, strategy: Strategy, n: usize) {
        *self = Self::cold();
        self.strategy = strategy;
        self.n = n;
    }

    fn pause(&mut self, x: &[Fx; N]) {
        self.status = SolveStatus::Pending;
        self.x = *x;
    }

    fn finish(&mut self, x: &[Fx; N]) {
        self.status = SolveStatus::Warm;
        self.x = *x;
    }

    /// The stored weights and working set are a feasible start under `min`/`max`: within the
    /// bounds, summing to one, and at their bound where the working set says so.
    fn feasible(&self, n: usize, min: &[Fx; N], max: &[Fx; N]) -> MathResult<bool> {
        let mut total = Fx::ZERO;
        for i in 0..n {
            let w = self.x[i];
            let at_bound = match self.bounds[i] {
                Bound::Free => true,
                Bound::Lower => w == min[i],
                Bound::Upper => w == max[i],
            };
            if w < min[i] || w > max[i] || !at_bound {
                return Ok(false);
            }
            total = add(total, w)?;
        }
        Ok(sub(total, Fx::ONE)?.abs() <= SOLVER_TOLERANCE)
    }
}

/// The work one call may do, in compute units at the high prices of the counted operations
/// (`cu_meter::CU_HIGH`): iterations continue while the next one, costing what the last did,
/// fits; the first always runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub cu: u64,
}

impl Budget {
    pub const UNLIMITED: Budget = Budget { cu: u64::MAX };

    fn start(self, ops: &OpCount, first: u32) -> Meter {
        let now = ops.high_units();
        Meter {
            budget: self.cu,
            call_start: now,
            mark: now,
            first,
        }
    }
}

struct Meter {
    budget: u64,
    call_start: u64,
    mark: u64,
    first: u32,
}

impl Meter {
    /// Whether iteration `it` may run: measures the iteration just finished and checks that
    /// one more like it stays within the budget.
    fn room_for_another(&mut self, ops: &OpCount, it: u32) -> bool {
        let now = ops.high_units();
        let last = now.saturating_sub(self.mark);
        self.mark = now;
        it == self.first || now.saturating_sub(self.call_start).saturating_add(last) <= self.budget
    }
}

/// [`target_weights_in`] from a cold start with no budget, in a workspace of its own
/// (off-chain callers and tests).
pub fn target_weights(ops: &mut OpCount, cov: &SymMatrix, p: &TargetParams) -> MathResult<Targets> {
    let mut st = SolverState::cold();
    target_weights_in(
        ops,
        cov,
        p,
        &mut SolverSpace::boxed(),
        &mut st,
        Budget::UNLIMITED,
    )?
    .ok_or(MathError::NotConverged)
}

/// Computes target weights from a covariance matrix of scaled returns, in `ws`, starting the
/// iterative solvers from `st` and stopping them at `budget`: `Ok(None)` when the solve
/// continues on the next call (its state in `st`).
pub fn target_weights_in(
    ops: &mut OpCount,
    cov: &SymMatrix,
    p: &TargetParams,
    ws: &mut SolverSpace,
    st: &mut SolverState,
    budget: Budget,
) -> MathResult<Option<Targets>> {
    let n = p.n;
    check_bounds(p)?;
    let mut iterations = 0;
    let mut w = match p.strategy {
        Strategy::Fixed => p.fixed,
        _ => {
            for i in 0..n {
                if cov.get(i, i) <= Fx::ZERO {
                    return Err(MathError::NotPositiveDefinite);
                }
            }
            // Solve on a copy scaled by a power of two so the largest variance is near one:
            // exact, and the weights do not depend on the scale.
            cov.scaled_into(normalising_shift(cov.max_diag()), &mut ws.scaled)?;
            let SolverSpace { scaled, h, ldl } = ws;
            match p.strategy {
                Strategy::InverseVol => {
                    let raw = inverse_vol(ops, scaled, n)?;
                    fit_to_bounds(ops, &raw, n, &p.min, &p.max)?
                }
                Strategy::RiskParity => {
                    let max_it = MAX_NEWTON_ITERATIONS;
                    let Some((raw, it)) =
                        risk_parity_in(ops, scaled, n, max_it, st, budget, h, ldl)?
                    else {
                        return Ok(None);
                    };
                    iterations = it;
                    fit_to_bounds(ops, &raw, n, &p.min, &p.max)?
                }
                Strategy::MinVariance => {
                    let max_it = MAX_ACTIVE_SET_ITERATIONS;
                    let (lo, hi) = (&p.min, &p.max);
                    let Some((w, it)) =
                        min_variance_in(ops, scaled, n, lo, hi, max_it, st, budget, ldl)?
                    else {
                        return Ok(None);
                    };
                    iterations = it;
                    w
                }
                Strategy::Fixed => unreachable!(),
            }
        }
    };
    // Ex-ante volatility of whatever the strategy chose (zero while the covariance is empty).
    let mut vol = portfolio_vol(ops, cov, &w)?;
    if let Some(target) = p.vol_target {
        if vol > target {
            // Scale risk down to the target; minimum weights stay hard limits.
            let k = ops.div(target, vol)?;
            for i in 0..n {
                w[i] = ops.mul(w[i], k)?.max(p.min[i]);
            }
            vol = portfolio_vol(ops, cov, &w)?;
        }
    }
    let mut total = Fx::ZERO;
    for wi in w.iter().take(n) {
        total = add(total, *wi)?;
    }
    Ok(Some(Targets {
        weights: w,
        cash: sub(Fx::ONE, total)?.max(Fx::ZERO),
        portfolio_vol: vol,
        iterations,
    }))
}

/// `sqrt(w'Cw)`.
pub fn portfolio_vol(ops: &mut OpCount, cov: &SymMatrix, w: &[Fx; N]) -> MathResult<Fx> {
    let var = cov.quad_form(ops, w)?.max(Fx::ZERO);
    ops.sqrt(var)
}

fn check_bounds(p: &TargetParams) -> MathResult<()> {
    let mut sum_min = Fx::ZERO;
    for i in 0..p.n {
        if p.min[i] < Fx::ZERO || p.min[i] > p.max[i] || p.max[i] > Fx::ONE {
            return Err(MathError::Infeasible);
        }
        sum_min = add(sum_min, p.min[i])?;
    }
    if sum_min > Fx::ONE {
        return Err(MathError::Infeasible);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn cov2(v1: f64, v2: f64, rho: f64) -> SymMatrix {
        let mut c = SymMatrix::zeros(2);
        c.set(0, 0, Fx::from_num(v1));
        c.set(1, 1, Fx::from_num(v2));
        c.set(1, 0, Fx::from_num(rho * (v1 * v2).sqrt()));
        c
    }

    fn params(n: usize, strategy: Strategy) -> TargetParams {
        TargetParams {
            n,
            strategy,
            min: [Fx::ZERO; N],
            max: [Fx::ONE; N],
            fixed: [Fx::ZERO; N],
            vol_target: None,
        }
    }

    fn close(a: Fx, b: f64) -> bool {
        (a.to_num::<f64>() - b).abs() < 1e-9
    }

    #[test]
    fn two_assets_by_hand() {
        // Vols 1 and 2 (variances 1 and 4), uncorrelated.
        let c = cov2(1.0, 4.0, 0.0);
        let mut ops = OpCount::default();
        // Inverse vol: 1 : 1/2 -> 2/3, 1/3. Risk parity is the same when uncorrelated.
        for s in [Strategy::InverseVol, Strategy::RiskParity] {
            let t = target_weights(&mut ops, &c, &params(2, s)).unwrap();
            assert!(
                close(t.weights[0], 2.0 / 3.0) && close(t.weights[1], 1.0 / 3.0),
                "{s:?}"
            );
        }
        // Min variance: w1 = v2 / (v1 + v2) = 0.8.
        let t = target_weights(&mut ops, &c, &params(2, Strategy::MinVariance)).unwrap();
        assert!(close(t.weights[0], 0.8) && close(t.weights[1], 0.2));
        assert!(close(t.cash, 0.0));
    }

    #[test]
    fn three_uncorrelated_assets_by_hand() {
        // Variances 1, 4, 9 (vols 1, 2, 3), no correlation.
        let mut c = SymMatrix::zeros(3);
        for (i, v) in [1.0, 4.0, 9.0].iter().enumerate() {
            c.set(i, i, Fx::from_num(*v));
        }
        let mut ops = OpCount::default();
        // Inverse vol and risk parity: 1 : 1/2 : 1/3 -> 6/11, 3/11, 2/11.
        for s in [Strategy::InverseVol, Strategy::RiskParity] {
            let t = target_weights(&mut ops, &c, &params(3, s)).unwrap();
            for (i, want) in [6.0 / 11.0, 3.0 / 11.0, 2.0 / 11.0].iter().enumerate() {
                assert!(close(t.weights[i], *want), "{s:?} asset {i}");
            }
        }
        // Minimum variance: 1 : 1/4 : 1/9 -> 36/49, 9/49, 4/49.
        let t = target_weights(&mut ops, &c, &params(3, Strategy::MinVariance)).unwrap();
        for (i, want) in [36.0 / 49.0, 9.0 / 49.0, 4.0 / 49.0].iter().enumerate() {
            assert!(close(t.weights[i], *want), "min variance asset {i}");
        }
        // With a 50 % cap on the first asset the rest is split in proportion 9 : 4.
        let mut p = params(3, Strategy::MinVariance);
        p.max[0] = Fx::from_num(0.5);
        let t = target_weights(&mut ops, &c, &p).unwrap();
        assert!(
            close(t.weights[0], 0.5)
                && close(t.weights[1], 0.5 * 9.0 / 13.0)
                && close(t.weights[2], 0.5 * 4.0 / 13.0)
        );
    }

    #[test]
    fn risk_parity_converges_with_a_nearly_riskless_asset() {
        // A constant-price asset at the variance floor, scaled as `target_weights` scales it:
        // rounding in its gradient keeps its step near 1e-6 forever, so the solve ends on the
        // Newton decrement. Every asset contributes the same risk.
        let mut c = SymMatrix::zeros(3);
        let vals = [
            [0.70, -0.022, 0.0],
            [-0.022, 0.265, 0.0],
            [0.0, 0.0, 1.86e-9],
        ];
        for i in 0..3 {
            for j in 0..=i {
                c.set(i, j, Fx::from_num(vals[i][j]));
            }
        }
        let mut ops = OpCount::default();
        let mut ws = SolverSpace::boxed();
        let (w, used) = risk_parity(
            &mut ops,
            &c,
            3,
            MAX_NEWTON_ITERATIONS,
            &mut ws.h,
            &mut ws.ldl,
        )
        .unwrap();
        assert!(used < MAX_NEWTON_ITERATIONS);
        let w: Vec<f64> = (0..3).map(|i| w[i].to_num::<f64>()).collect();
        let rc: Vec<f64> = (0..3)
            .map(|i| w[i] * (0..3).map(|j| vals[i][j] * w[j]).sum::<f64>())
            .collect();
        for k in 1..3 {
            assert!(
                (rc[k] / rc[0] - 1.0).abs() < 1e-6,
                "risk contributions {rc:?}"
            );
        }
    }

    /// A 16-asset covariance with correlations and unequal variances (deterministic).
    fn cov16() -> SymMatrix {
        let n = 16;
        let mut c = SymMatrix::zeros(n);
        for i in 0..n {
            for j in 0..=i {
                let vi = 0.2 + 0.1 * i as f64;
                let vj = 0.2 + 0.1 * j as f64;
                let rho = if i == j {
                    1.0
                } else {
                    0.3 + 0.02 * ((i * j) % 7) as f64
                };
                c.set(i, j, Fx::from_num(rho * vi * vj));
            }
        }
        c
    }

    /// Runs `target_weights_in` call after call with `budget` until it publishes; returns the
    /// targets, the number of calls and the largest cost of one call.
    fn solve_in_calls(
        c: &SymMatrix,
        p: &TargetParams,
        st: &mut SolverState,
        budget: Budget,
    ) -> (Targets, usize, u64) {
        let mut ws = SolverSpace::boxed();
        let mut worst = 0;
        for calls in 1..=100 {
            let mut ops = OpCount::default();
            let t = target_weights_in(&mut ops, c, p, &mut ws, st, budget).unwrap();
            worst = worst.max(ops.high_units());
            if let Some(t) = t {
                return (t, calls, worst);
            }
            assert_eq!(st.status, SolveStatus::Pending);
        }
        panic!("no convergence in 100 calls");
    }

    #[test]
    fn solvers_resume_across_calls_to_the_same_answer() {
        let c = cov16();
        let mut p = params(16, Strategy::MinVariance);
        p.max = [Fx::from_num(0.15); N];
        for strategy in [Strategy::RiskParity, Strategy::MinVariance] {
            p.strategy = strategy;
            let whole = target_weights(&mut OpCount::default(), &c, &p).unwrap();
            let budget = Budget { cu: 300_000 };
            let mut st = SolverState::cold();
            let (t, calls, worst) = solve_in_calls(&c, &p, &mut st, budget);
            assert!(
                calls > 1,
                "{strategy:?} needs more than one call at this budget"
            );
            for i in 0..16 {
                assert!(
                    (t.weights[i] - whole.weights[i]).abs() < Fx::from_num(1e-12),
                    "{strategy:?} asset {i}"
                );
            }
            assert_eq!(st.status, SolveStatus::Warm);
            // One call never does more than the budget plus one iteration's worth (what a
            // call with no budget at all does: a single iteration).
            let (_, _, one) = solve_in_calls(&c, &p, &mut SolverState::cold(), Budget { cu: 0 });
            assert!(
                worst <= budget.cu + one,
                "{strategy:?}: {worst} > {} + {one}",
                budget.cu
            );
        }
    }

    #[test]
    fn solvers_warm_start_from_the_last_solution() {
        let c = cov16();
        let p = params(16, Strategy::RiskParity);
        let mut st = SolverState::cold();
        let (_, _, _) = solve_in_calls(&c, &p, &mut st, Budget::UNLIMITED);
        let cold = st.iterations;
        // One sample later the covariance has moved a little: a few steps from the last solution.
        let mut moved = c;
        for i in 0..16 {
            let v = moved.get(i, i);
            moved.set(i, i, v + v / Fx::from_num(50));
        }
        let (warm, _, _) = solve_in_calls(&moved, &p, &mut st, Budget::UNLIMITED);
        let fresh = target_weights(&mut OpCount::default(), &moved, &p).unwrap();
        assert!(
            st.iterations < cold,
            "warm {} vs cold {cold}",
            st.iterations
        );
        for i in 0..16 {
            assert!((warm.weights[i] - fresh.weights[i]).abs() < Fx::from_num(1e-11));
        }
        // A warm state of another strategy or asset count is not used.
        let mut other = st;
        other.n = 15;
        let mut ws = SolverSpace::boxed();
        let t = target_weights_in(
            &mut OpCount::default(),
            &moved,
            &p,
            &mut ws,
            &mut other,
            Budget::UNLIMITED,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.weights, fresh.weights);
    }

    #[test]
    fn solvers_stop_at_their_iteration_cap() {
        // Correlated assets with unequal variances: both solvers need several steps.
        let mut c = SymMatrix::zeros(3);
        let vals = [[1.0, 0.3, 0.1], [0.3, 2.0, 0.5], [0.1, 0.5, 4.0]];
        for i in 0..3 {
            for j in 0..=i {
                c.set(i, j, Fx::from_num(vals[i][j]));
            }
        }
        let mut ops = OpCount::default();
        let mut ws = SolverSpace::boxed();
        assert_eq!(
            risk_parity(&mut ops, &c, 3, 1, &mut ws.h, &mut ws.ldl).unwrap_err(),
            MathError::NotConverged
        );
        let (_, used) = risk_parity(
            &mut ops,
            &c,
            3,
            MAX_NEWTON_ITERATIONS,
            &mut ws.h,
            &mut ws.ldl,
        )
        .unwrap();
        assert!(used > 1);
        let (min, mut max) = ([Fx::ZERO; N], [Fx::ONE; N]);
        max[0] = Fx::from_num(0.4); // binding: needs a working-set change
        assert_eq!(
            min_variance(&mut ops, &c, 3, &min, &max, 1, &mut ws.ldl).unwrap_err(),
            MathError::NotConverged
        );
        let (_, used) = min_variance(
            &mut ops,
            &c,
            3,
            &min,
            &max,
            MAX_ACTIVE_SET_ITERATIONS,
            &mut ws.ldl,
        )
        .unwrap();
        assert!(used > 1);
    }

    #[test]
    fn min_variance_respects_a_binding_cap() {
        let c = cov2(1.0, 4.0, 0.0);
        let mut p = params(2, Strategy::MinVariance);
        p.max[0] = Fx::from_num(0.6);
        let t = target_weights(&mut OpCount::default(), &c, &p).unwrap();
        assert!(close(t.weights[0], 0.6) && close(t.weights[1], 0.4));
    }

    #[test]
    fn vol_target_holds_cash() {
        let c = cov2(1.0, 4.0, 0.0);
        let mut p = params(2, Strategy::InverseVol);
        // Inverse-vol portfolio vol: sqrt((2/3)^2 + (1/3)^2 * 4) = sqrt(8)/3.
        let vol = (8.0f64).sqrt() / 3.0;
        p.vol_target = Some(Fx::from_num(vol / 2.0));
        let t = target_weights(&mut OpCount::default(), &c, &p).unwrap();
        assert!(close(t.weights[0], 1.0 / 3.0) && close(t.cash, 0.5));
        assert!(close(t.portfolio_vol, vol / 2.0));
    }

    #[test]
    fn degenerate_inputs_give_clear_errors() {
        let mut ops = OpCount::default();
        // Zero variance.
        let c = cov2(0.0, 1.0, 0.0);
        assert_eq!(
            target_weights(&mut ops, &c, &params(2, Strategy::InverseVol)).unwrap_err(),
            MathError::NotPositiveDefinite
        );
        // Perfectly correlated.
        let c = cov2(1.0, 1.0, 1.0);
        assert_eq!(
            target_weights(&mut ops, &c, &params(2, Strategy::MinVariance)).unwrap_err(),
            MathError::NotPositiveDefinite
        );
        // Risk parity stays well defined on a singular covariance (its Newton matrix adds a
        // positive diagonal): two perfectly correlated assets of equal volatility split 50/50.
        let t = target_weights(&mut ops, &c, &params(2, Strategy::RiskParity)).unwrap();
        assert!(close(t.weights[0], 0.5) && close(t.weights[1], 0.5));
        // Minimums that cannot all hold.
        let mut p = params(2, Strategy::InverseVol);
        p.min = [Fx::from_num(0.6); N];
        assert_eq!(
            target_weights(&mut ops, &cov2(1.0, 1.0, 0.0), &p).unwrap_err(),
            MathError::Infeasible
        );
    }

    #[test]
    fn one_asset_and_caps_below_one() {
        let mut c = SymMatrix::zeros(1);
        c.set(0, 0, Fx::from_num(2.5));
        for s in [
            Strategy::InverseVol,
            Strategy::RiskParity,
            Strategy::MinVariance,
        ] {
            let t = target_weights(&mut OpCount::default(), &c, &params(1, s)).unwrap();
            assert!(close(t.weights[0], 1.0), "{s:?}");
            let mut p = params(1, s);
            p.max[0] = Fx::from_num(0.7);
            let t = target_weights(&mut OpCount::default(), &c, &p).unwrap();
            assert!(
                close(t.weights[0], 0.7) && close(t.cash, 0.3),
                "{s:?}: documented fallback"
            );
        }
    }
}
