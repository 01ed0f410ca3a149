//! Target weights. Four base strategies on a covariance matrix, plus a volatility-targeting
//! overlay that scales any of them and holds the rest in the base token. Every result
//! respects the per-asset bounds and sums to one with cash included.
//!
//! Solvers have iteration caps and tolerances; a solver that does not converge returns
//! `MathError::NotConverged` so the caller keeps its previous targets.

// Index loops mirror the matrix formulas (l[i][k] * v[k]) and read clearer than iterators.
#![allow(clippy::needless_range_loop)]

use super::linalg::{
    add, dot, ldl_factor, ldl_solve, normalising_shift, sub, Ldl, OpCount, SymMatrix, N,
};
use super::{Fx, MathError, MathResult};

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

/// `1 / sqrt(C_ii)` for every asset.
pub fn inverse_vol(ops: &mut OpCount, cov: &SymMatrix, n: usize) -> MathResult<[Fx; N]> {
    let mut raw = [Fx::ZERO; N];
    for (i, r) in raw.iter_mut().enumerate().take(n) {
        let vol = ops.sqrt(cov.get(i, i))?;
        *r = ops.div(Fx::ONE, vol)?;
    }
    Ok(raw)
}

/// `clip(c * raw_i, min_i, max_i)` with `c` chosen so the weights sum to one, found exactly
/// from the breakpoints where assets hit a bound. When even all maximums add up to less than
/// one, every asset sits at its maximum and the remainder is cash.
pub fn fit_to_bounds(
    ops: &mut OpCount,
    raw: &[Fx; N],
    n: usize,
    min: &[Fx; N],
    max: &[Fx; N],
) -> MathResult<[Fx; N]> {
    // c at which asset i reaches its minimum and its maximum.
    let mut c_min = [Fx::ZERO; N];
    let mut c_max = [Fx::ZERO; N];
    let mut breaks = [Fx::ZERO; 2 * N];
    let mut count = 0;
    for i in 0..n {
        if raw[i] > Fx::ZERO {
            c_min[i] = ops.div(min[i], raw[i])?;
            c_max[i] = ops.div(max[i], raw[i])?;
            breaks[count] = c_min[i];
            breaks[count.saturating_add(1)] = c_max[i];
            count = count.saturating_add(2);
        }
    }
    let breaks = &mut breaks[..count];
    breaks.sort_unstable();
    let clip_sum = |ops: &mut OpCount, c: Fx| -> MathResult<Fx> {
        let mut s = Fx::ZERO;
        for i in 0..n {
            let v = ops.mul(c, raw[i])?.clamp(min[i], max[i]);
            s = add(s, v)?;
        }
        Ok(s)
    };
    // First breakpoint where the clipped sum reaches one (binary search: the sum rises with c).
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = lo.midpoint(hi);
        if clip_sum(ops, breaks[mid])? >= Fx::ONE {
            hi = mid;
        } else {
            lo = mid.saturating_add(1);
        }
    }
    if lo == count {
        // Cannot reach one: everything as high as it may go.
        let mut w = [Fx::ZERO; N];
        for i in 0..n {
            w[i] = if raw[i] > Fx::ZERO { max[i] } else { min[i] };
        }
        return Ok(w);
    }
    let seg_hi = breaks[lo];
    let seg_lo = match lo.checked_sub(1) {
        Some(prev) => breaks[prev],
        None => Fx::ZERO,
    };
    // On (seg_lo, seg_hi) the sum is A + c B: A from assets at a bound, B from the free ones.
    let (mut a, mut b) = (Fx::ZERO, Fx::ZERO);
    for i in 0..n {
        if raw[i] <= Fx::ZERO {
            a = add(a, min[i])?;
            continue;
        }
        if c_max[i] <= seg_lo {
            a = add(a, max[i])?;
        } else if c_min[i] >= seg_hi {
            a = add(a, min[i])?;
        } else {
            b = add(b, raw[i])?;
        }
    }
    let c = if b > Fx::ZERO {
        ops.div(sub(Fx::ONE, a)?, b)?
    } else {
        seg_hi
    };
    let mut w = [Fx::ZERO; N];
    for i in 0..n {
        w[i] = ops.mul(c, raw[i])?.clamp(min[i], max[i]);
    }
    Ok(w)
}

/// Equal risk contribution: `y` minimising `y'Cy/2 - sum(ln y_i)/n` (so `y_i (Cy)_i = 1/n`),
/// by damped Newton (the objective is self-concordant: the step `1/(1 + decrement)` keeps
/// `y > 0` and converges from any start), normalised to sum to one. Starts from `st` (a
/// previous solution or a solve in progress; else inverse volatility) rescaled so
/// `y'Cy = 1`, which the solution satisfies, and works within `budget`: `Ok(None)` leaves a
/// solve in progress in `st`. At most `max_iterations` Newton steps per solve
/// (`MAX_NEWTON_ITERATIONS` on chain).
#[allow(clippy::too_many_arguments)]
pub fn risk_parity_in(
    ops: &mut OpCount,
    cov: &SymMatrix,
    n: usize,
    max_iterations: u32,
    st: &mut SolverState,
    budget: Budget,
    h: &mut SymMatrix,
    f: &mut Ldl,
) -> MathResult<Option<([Fx; N], u32)>> {
    let b = ops.div(Fx::ONE, Fx::from_num(n))?;
    let mut y = if st.resumes(Strategy::RiskParity, n) && st.x[..n].iter().all(|v| *v > Fx::ZERO) {
        st.x
    } else {
        st.restart(Strategy::RiskParity, n);
        inverse_vol(ops, cov, n)?
    };
    let q = cov.quad_form(ops, &y)?;
    let root = ops.sqrt(q)?;
    let s = ops.div(Fx::ONE, root)?;
    for yi in y.iter_mut().take(n) {
        *yi = ops.mul(*yi, s)?;
    }
    let quarter_sq = Fx::from_num(0.0625);
    let mut meter = budget.start(ops, st.iterations);
    loop {
        if st.iterations >= max_iterations {
            return Err(MathError::NotConverged);
        }
        if !meter.room_for_another(ops, st.iterations) {
            st.pause(&y);
            return Ok(None);
        }
        let cy = cov.mul_vec(ops, &y)?;
        let mut g = [Fx::ZERO; N];
        h.n = cov.n;
        h.a.copy_from_slice(&cov.a);
        for i in 0..n {
            let inv_y = ops.div(Fx::ONE, y[i])?;
            let b_inv_y = ops.mul(b, inv_y)?;
            g[i] = sub(cy[i], b_inv_y)?;
            h.set(i, i, add(h.get(i, i), ops.mul(b_inv_y, inv_y)?)?);
        }
        let idx: [usize; N] = core::array::from_fn(|i| i);
        ldl_factor(ops, h, &idx[..n], f)?;
        let mut step = ldl_solve(ops, f, &g)?; // H^-1 g; the Newton step is its negative
        let decrement_sq = dot(ops, &g, &step, n)?;
        let full = decrement_sq <= quarter_sq;
        if !full {
            let decrement = ops.sqrt(decrement_sq)?;
            let t = ops.div(Fx::ONE, add(Fx::ONE, decrement)?)?;
            for si in step.iter_mut().take(n) {
                *si = ops.mul(*si, t)?;
            }
        }
        // Converged once a full step is within the tolerance relative to every coordinate (at
        // least 1), or the Newton decrement is below fixed-point resolution (nothing left to
        // gain; after this full step the error is of its square). The second ends the solve
        // for a nearly riskless asset: its coordinate is large (about 1/its volatility) and
        // rounding in its gradient keeps its step above any tolerance.
        let mut converged = full;
        let exhausted = full && decrement_sq <= Fx::DELTA;
        for i in 0..n {
            let scale = y[i].max(Fx::ONE);
            y[i] = sub(y[i], step[i])?;
            if y[i] <= Fx::ZERO {
                return Err(MathError::NotConverged);
            }
            converged = converged && step[i].abs() <= ops.mul(SOLVER_TOLERANCE, scale)?;
        }
        st.iterations = st.iterations.saturating_add(1);
        if converged || exhausted {
            st.finish(&y);
            return Ok(Some((normalise(ops, &y, n)?, st.iterations)));
        }
    }
}

/// [`risk_parity_in`] from a cold start with no budget.
pub fn risk_parity(
    ops: &mut OpCount,
    cov: &SymMatrix,
    n: usize,
    max_iterations: u32,
    h: &mut SymMatrix,
    f: &mut Ldl,
) -> MathResult<([Fx; N], u32)> {
    let mut st = SolverState::cold();
    risk_parity_in(
        ops,
        cov,
        n,
        max_iterations,
        &mut st,
        Budget::UNLIMITED,
        h,
        f,
    )?
    .ok_or(MathError::NotConverged)
}

fn normalise(ops: &mut OpCount, y: &[Fx; N], n: usize) -> MathResult<[Fx; N]> {
    let mut total = Fx::ZERO;
    for yi in y.iter().take(n) {
        total = add(total, *yi)?;
    }
    let inv = ops.div(Fx::ONE, total)?;
    let mut w = [Fx::ZERO; N];
    for i in 0..n {
        w[i] = ops.mul(y[i], inv)?;
    }
    Ok(w)
}

/// Where an asset stands in minimum variance's working set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Bound {
    Free = 0,
    Lower = 1,
    Upper = 2,
}

impl Bound {
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Lower,
            2 => Self::Upper,
            _ => Self::Free,
        }
    }
}

/// Long-only minimum variance, `min w'Cw` subject to `sum w = 1` and `min <= w <= max`, by the
/// primal active-set method (Nocedal and Wright, algorithm 16.3) from a feasible start: the
/// weights and working set in `st` when they are still feasible (a previous solution or a
/// solve in progress), else the bounded equal weights with every asset free. Works within
/// `budget` (`Ok(None)` leaves the solve in progress in `st`); at most `max_iterations`
/// working-set changes per solve (`MAX_ACTIVE_SET_ITERATIONS` on chain).
#[allow(clippy::too_many_arguments)]
pub fn min_variance_in(
    ops: &mut OpCount,
    cov: &SymMatrix,
    n: usize,
    min: &[Fx; N],
    max: &[Fx; N],
    max_iterations: u32,
    st: &mut SolverState,
    budget: Budget,
    f: &mut Ldl,
) -> MathResult<Option<([Fx; N], u32)>> {
    let mut sum_max = Fx::ZERO;
    for m in max.iter().take(n) {
        sum_max = add(sum_max, *m)?;
    }
    if sum_max <= Fx::ONE {
        // The only way to stay within the bounds: everything at its maximum, rest in cash.
        st.restart(Strategy::MinVariance, n);
        return Ok(Some((*max, 0)));
    }
    let (mut w, mut state) = if st.resumes(Strategy::MinVariance, n) && st.feasible(n, min, max)? {
        (st.x, st.bounds)
    } else {
        st.restart(Strategy::MinVariance, n);
        let ones = [Fx::ONE; N];
        (fit_to_bounds(ops, &ones, n, min, max)?, [Bound::Free; N])
    };
    let mut meter = budget.start(ops, st.iterations);
    loop {
        if st.iterations >= max_iterations {
            return Err(MathError::NotConverged);
        }
        if !meter.room_for_another(ops, st.iterations) {
            st.pause(&w);
            st.bounds = state;
            return Ok(None);
        }
        st.iterations = st.iterations.saturating_add(1);
        let mut free = [0usize; N];
        let mut m = 0;
        let mut budget = Fx::ONE;
        for i in 0..n {
            if state[i] == Bound::Free {
                free[m] = i;
                m = m.saturating_add(1);
            } else {
                budget = sub(budget, w[i])?;
            }
        }
        let g = cov.mul_vec(ops, &w)?;
        if m == 0 {
            // A vertex: release the bound the gradient most wants to leave.
            let release = pick_release_at_vertex(&state, &g, n);
            state[release] = Bound::Free;
            continue;
        }
        // Equality-constrained minimum on the free set: w_F = lambda x - z.
        let (target, lambda) = free_set_minimum(ops, cov, &free[..m], &state, &w, budget, n, f)?;
        let mut largest_step = Fx::ZERO;
        for &i in &free[..m] {
            largest_step = largest_step.max(sub(target[i], w[i])?.abs());
        }
        if largest_step <= SOLVER_TOLERANCE {
            for &i in &free[..m] {
                w[i] = target[i];
            }
            // Stationary on the working set: check the bound multipliers.
            let g = cov.mul_vec(ops, &w)?;
            let mut worst = Fx::ZERO;
            let mut release = None;
            for i in 0..n {
                let violation = match state[i] {
                    Bound::Lower => sub(lambda, g[i])?,
                    Bound::Upper => sub(g[i], lambda)?,
                    Bound::Free => Fx::ZERO,
                };
                if violation > worst.max(SOLVER_TOLERANCE) {
                    worst = violation;
                    release = Some(i);
                }
            }
            match release {
                Some(i) => state[i] = Bound::Free,
                None => {
                    st.finish(&w);
                    st.bounds = state;
                    return Ok(Some((w, st.iterations)));
                }
            }
            continue;
        }
        // Move toward the free-set minimum until the first bound blocks.
        let mut alpha = Fx::ONE;
        let mut blocking = None;
        for &i in &free[..m] {
            let p = sub(target[i], w[i])?;
            let room = if p < Fx::ZERO {
                Some((sub(min[i], w[i])?, Bound::Lower))
            } else if p > Fx::ZERO {
                Some((sub(max[i], w[i])?, Bound::Upper))
            } else {
                None
            };
            if let Some((room, bound)) = room {
                let a = ops.div(room, p)?.max(Fx::ZERO);
                if a < alpha {
                    alpha = a;
                    blocking = Some((i, bound));
                }
            }
        }
        for &i in &free[..m] {
            w[i] = if blocking.is_none() {
                target[i]
            } else {
                add(w[i], ops.mul(alpha, sub(target[i], w[i])?)?)?
            };
        }
        if let Some((i, bound)) = blocking {
            state[i] = bound;
            w[i] = if bound == Bound::Lower {
                min[i]
            } else {
                max[i]
            };
        }
    }
}

/// [`min_variance_in`] from a cold start with no budget.
pub fn min_variance(
    ops: &mut OpCount,
    cov: &SymMatrix,
    n: usize,
    min: &[Fx; N],
    max: &[Fx; N],
    max_iterations: u32,
    f: &mut Ldl,
) -> MathResult<([Fx; N], u32)> {
    let mut st = SolverState::cold();
    min_variance_in(
        ops,
        cov,
        n,
        min,
        max,
        max_iterations,
        &mut st,
        Budget::UNLIMITED,
        f,
    )?
    .ok_or(MathError::NotConverged)
}

/// The minimum of `w'Cw` over the free assets `free` with the others held at `w` and the free
/// ones summing to `budget`: `w_F = lambda x - z` with `C_FF x = 1` and `C_FF z = C_FB w_B`.
/// Returns the target weights (free entries only) and `lambda`. Its own frame: the solves'
/// vectors do not add to the active-set loop's (SBF frames are 4 KB).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn free_set_minimum(
    ops: &mut OpCount,
    cov: &SymMatrix,
    free: &[usize],
    state: &[Bound; N],
    w: &[Fx; N],
    budget: Fx,
    n: usize,
    f: &mut Ldl,
) -> MathResult<([Fx; N], Fx)> {
    let m = free.len();
    ldl_factor(ops, cov, free, f)?;
    let mut rhs_ones = [Fx::ZERO; N];
    let mut rhs_fixed = [Fx::ZERO; N];
    for (k, &i) in free.iter().enumerate() {
        rhs_ones[k] = Fx::ONE;
        let mut s = Fx::ZERO;
        for j in 0..n {
            if state[j] != Bound::Free {
                s = add(s, ops.mul(cov.get(i, j), w[j])?)?;
            }
        }
        rhs_fixed[k] = s;
    }
    let x = ldl_solve(ops, f, &rhs_ones)?;
    let z = ldl_solve(ops, f, &rhs_fixed)?;
    let (mut sx, mut sz) = (Fx::ZERO, Fx::ZERO);
    for k in 0..m {
        sx = add(sx, x[k])?;
        sz = add(sz, z[k])?;
    }
    let lambda = ops.div(add(budget, sz)?, sx)?;
    let mut target = [Fx::ZERO; N];
    for (k, &i) in free.iter().enumerate() {
        target[i] = sub(ops.mul(lambda, x[k])?, z[k])?;
    }
    Ok((target, lambda))
}

fn pick_release_at_vertex(state: &[Bound; N], g: &[Fx; N], n: usize) -> usize {
    // Prefer the asset at its lower bound with the smallest marginal variance.
    let mut best: Option<usize> = None;
    for i in 0..n {
        if state[i] == Bound::Lower && best.is_none_or(|b| g[i] < g[b]) {
            best = Some(i);
        }
    }
    best.unwrap_or_else(|| (0..n).max_by_key(|&i| g[i]).unwrap_or(0))
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
