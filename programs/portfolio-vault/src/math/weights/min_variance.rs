//! Long-only minimum variance by the primal active-set method, warm-started and resumable.

#![allow(clippy::needless_range_loop)]

use super::*;

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
