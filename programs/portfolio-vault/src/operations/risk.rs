//! Risk transitions: folding a price sample into the estimator, and computing targets from
//! the estimator and the vault's weight bounds. The keeper and the simulator call these same
//! functions off chain.

use anchor_lang::prelude::*;

use crate::constants::{BPS_DENOMINATOR, SECONDS_PER_YEAR};
use crate::error::VaultError;
use crate::math::linalg::{OpCount, SymMatrix, N};
use crate::math::risk::{scaled_return, Estimator};
use crate::math::weights::{
    target_weights_in, Budget, SolverSpace, SolverState, Strategy, TargetParams, Targets,
};
use crate::math::{ratio_floor, Fx};
use crate::state::{RiskParams, Vault};

fn bps(v: u64) -> Result<Fx> {
    Ok(ratio_floor(v, BPS_DENOMINATOR)?)
}

/// Folds the returns from `last` to `now` into `est`; returns the regime flag after it.
pub fn record_sample(
    ops: &mut OpCount,
    est: &mut Estimator,
    params: &RiskParams,
    last: &[Fx; N],
    now: &[Fx; N],
    n: usize,
) -> Result<(bool, [Fx; N])> {
    let mut r = [Fx::ZERO; N];
    for i in 0..n {
        r[i] = scaled_return(ops, last[i], now[i])?;
    }
    est.update(
        ops,
        &r,
        bps(params.ewma_decay_bps as u64)?,
        bps(params.ewma_short_decay_bps as u64)?,
    )?;
    let regime = est.high_vol_regime(ops, bps(params.regime_ratio_bps as u64)?)?;
    Ok((regime, r))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetEffects {
    /// `None` while an iterative solve continues on the next call (its state in the
    /// workspace's `solve`); the stored targets stay in force.
    pub targets: Option<Targets>,
    /// The strategy actually used: fixed weights while the estimator warms up.
    pub strategy: Strategy,
    pub warm_up: bool,
}

/// Per-asset bounds of the vault as fractions.
pub fn weight_bounds(vault: &Vault) -> Result<([Fx; N], [Fx; N])> {
    let mut min = [Fx::ZERO; N];
    let mut max = [Fx::ZERO; N];
    for (i, a) in vault.active_assets().iter().enumerate() {
        min[i] = bps(a.min_weight_bps as u64)?;
        max[i] = bps(a.max_weight_bps as u64)?;
    }
    Ok((min, max))
}

/// Scales every weight by `1 - cash_buffer` (never below its minimum) so the strategy holds
/// the buffer in the base token, and recomputes the cash target.
fn hold_cash_buffer(t: &mut Targets, min: &[Fx; N], n: usize, buffer_bps: u16) -> Result<()> {
    if buffer_bps == 0 {
        return Ok(());
    }
    let keep = crate::math::fx_sub(Fx::ONE, bps(buffer_bps as u64)?)?;
    let mut total = Fx::ZERO;
    for (w, lo) in t.weights.iter_mut().zip(min.iter()).take(n) {
        *w = crate::math::fx_mul(*w, keep)?.max(*lo);
        total = crate::math::fx_add(total, *w)?;
    }
    t.cash = crate::math::fx_sub(Fx::ONE, total)?.max(Fx::ZERO);
    Ok(())
}

/// Everything `compute_targets` works in (12 KB at 16 assets), on the heap: the estimator
/// read from the risk account, the covariance it gives, and the solvers' matrices.
pub struct RiskWorkspace {
    pub est: Estimator,
    pub cov: SymMatrix,
    pub solver: SolverSpace,
    /// The solve to continue or warm-start from (read from and written back to the risk
    /// account).
    pub solve: SolverState,
}

// SAFETY: estimators, matrices, factors and a solver state (fixed-point numbers, integers and
// `u8` enums whose zero is a variant: `Cold`, `Fixed`, `Free`); all zero bits are valid.
unsafe impl bytemuck::Zeroable for RiskWorkspace {}

impl RiskWorkspace {
    /// A workspace on the heap holding `est` (read by `load`, e.g. from the risk account).
    pub fn boxed(load: impl FnOnce(&mut Estimator, &mut SolverState)) -> Box<Self> {
        let mut ws: Box<Self> = bytemuck::zeroed_box();
        ws.solve = SolverState::cold();
        let RiskWorkspace { est, solve, .. } = &mut *ws;
        load(est, solve);
        ws
    }
}

/// What the estimator has seen: the assets it covers, the samples folded in, the regime flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    pub assets: usize,
    pub samples: u32,
    pub high_vol_regime: bool,
}

/// Target weights for `vault` from the estimator in `ws` (as `sampling` describes it) under
/// `params`, the iterative solvers working within `budget`.
pub fn compute_targets(
    ops: &mut OpCount,
    vault: &Vault,
    params: &RiskParams,
    ws: &mut RiskWorkspace,
    sampling: Sampling,
    budget: Budget,
) -> Result<TargetEffects> {
    let n = vault.num_assets as usize;
    let warm_up = sampling.samples < params.min_samples || sampling.assets != n;
    let strategy = if warm_up {
        Strategy::Fixed
    } else {
        params.strategy()
    };
    // Built in place: the parameters are 800 bytes.
    let mut p = TargetParams {
        n,
        strategy,
        min: [Fx::ZERO; N],
        max: [Fx::ZERO; N],
        fixed: [Fx::ZERO; N],
        vol_target: None,
    };
    (p.min, p.max) = weight_bounds(vault)?;
    if strategy == Strategy::Fixed {
        for i in 0..n {
            p.fixed[i] = bps(params.fixed_weights_bps[i] as u64)?;
            require!(
                p.fixed[i] >= p.min[i] && p.fixed[i] <= p.max[i],
                VaultError::RiskFixedWeightsOutOfBounds
            );
        }
    }
    if !warm_up && params.vol_target_bps != 0 {
        // Annual target scaled to one sampling period: divide by sqrt(periods per year).
        let periods = ratio_floor(SECONDS_PER_YEAR, params.min_interval_s as u64)?;
        let root = ops.sqrt(periods)?;
        let mut t = ops.div(Fx::from_num(params.vol_target_bps), root)?;
        if sampling.high_vol_regime {
            t = ops.mul(t, bps(params.regime_vol_scale_bps as u64)?)?;
        }
        p.vol_target = Some(t);
    }
    let RiskWorkspace {
        est,
        cov,
        solver,
        solve,
    } = ws;
    cov.n = n;
    if !warm_up {
        est.covariance_into(ops, bps(params.shrinkage_bps as u64)?, cov)?;
    }
    let mut targets = target_weights_in(ops, cov, &p, solver, solve, budget)?;
    if let Some(t) = targets.as_mut() {
        hold_cash_buffer(t, &p.min, n, vault.rebalance.cash_buffer_bps)?;
    }
    Ok(TargetEffects {
        targets,
        strategy,
        warm_up,
    })
}
