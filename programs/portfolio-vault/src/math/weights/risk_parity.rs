//! Risk parity: equal risk contributions by damped Newton, warm-started and resumable.

#![allow(clippy::needless_range_loop)]

use super::*;

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
