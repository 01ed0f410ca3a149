//! Risk estimation: an EWMA covariance of simple returns (RiskMetrics), a faster EWMA of
//! each asset's variance for the regime flag, bias correction for the zero start, and
//! shrinkage toward the diagonal for heavy tails.
//!
//! Returns are scaled by [`RETURN_SCALE`] (basis points), so squared hourly returns of 1e-4
//! (1 bp) are 1.0 rather than 1e-8 and keep full fixed-point precision.

// Index loops mirror the matrix formulas (l[i][k] * v[k]) and read clearer than iterators.
#![allow(clippy::needless_range_loop)]

use super::linalg::{add, sub, OpCount, SymMatrix, N};
use super::{Fx, MathError, MathResult};

/// Returns are stored in basis points: `r = (p_now / p_prev - 1) * 10_000`.
pub const RETURN_SCALE: i32 = 10_000;

/// Smallest variance an asset is given, in bps² per sampling period: 2^-13 (a volatility of
/// about 0.011 bp a period). An asset whose price never moves (a stablecoin held beside a
/// stablecoin base) would otherwise make the covariance singular and stall every
/// covariance-based strategy. With the floor it looks nearly riskless: inverse volatility,
/// risk parity and minimum variance give it as much weight as its `max_weight_bps` allows,
/// the volatility target leaves it unscaled, and fixed weights ignore it. Real assets' daily
/// or hourly variances are many orders of magnitude above it, so it changes nothing else.
pub const VARIANCE_FLOOR: Fx = Fx::from_bits(1 << 35);

/// Scaled simple return between two positive prices.
pub fn scaled_return(ops: &mut OpCount, prev: Fx, now: Fx) -> MathResult<Fx> {
    if prev <= Fx::ZERO || now <= Fx::ZERO {
        return Err(MathError::Domain);
    }
    let ratio = ops.div(now, prev)?;
    ops.mul(sub(ratio, Fx::ONE)?, Fx::from_num(RETURN_SCALE))
}

/// The estimator's state, held in the risk account between samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimator {
    pub cov: SymMatrix,
    pub short_var: [Fx; N],
    /// `lambda^k` and `lambda_short^k` after k samples, for bias correction.
    pub decay_pow: Fx,
    pub short_decay_pow: Fx,
}

// SAFETY: a matrix, fixed-point vectors and numbers only (see `SymMatrix`); all zero bits are
// a valid (if not fresh: `reset` sets the decay powers) estimator.
unsafe impl bytemuck::Zeroable for Estimator {}

impl Estimator {
    /// A fresh estimator for `n` assets, in place.
    pub fn reset(&mut self, n: usize) {
        self.cov.n = n;
        self.cov.a.fill(Fx::ZERO);
        self.short_var.fill(Fx::ZERO);
        self.decay_pow = Fx::ONE;
        self.short_decay_pow = Fx::ONE;
    }

    /// A fresh estimator for `n` assets on the heap.
    pub fn boxed(n: usize) -> Box<Self> {
        let mut e: Box<Self> = bytemuck::zeroed_box();
        e.reset(n);
        e
    }

    pub fn new(n: usize) -> Self {
        Self {
            cov: SymMatrix::zeros(n),
            short_var: [Fx::ZERO; N],
            decay_pow: Fx::ONE,
            short_decay_pow: Fx::ONE,
        }
    }

    /// One sample: `C <- l C + (1 - l) r r'` and `s_i <- ls s_i + (1 - ls) r_i^2`.
    pub fn update(
        &mut self,
        ops: &mut OpCount,
        r: &[Fx; N],
        lambda: Fx,
        lambda_short: Fx,
    ) -> MathResult<()> {
        let n = self.cov.n;
        let w_new = sub(Fx::ONE, lambda)?;
        let w_short = sub(Fx::ONE, lambda_short)?;
        let mut wr = [Fx::ZERO; N];
        for i in 0..n {
            wr[i] = ops.mul(w_new, r[i])?;
        }
        for i in 0..n {
            for j in 0..=i {
                let old = ops.mul(lambda, self.cov.get(i, j))?;
                self.cov.set(i, j, add(old, ops.mul(wr[i], r[j])?)?);
            }
            let sq = ops.mul(r[i], r[i])?;
            self.short_var[i] = add(
                ops.mul(lambda_short, self.short_var[i])?,
                ops.mul(w_short, sq)?,
            )?;
        }
        self.decay_pow = ops.mul(self.decay_pow, lambda)?;
        self.short_decay_pow = ops.mul(self.short_decay_pow, lambda_short)?;
        Ok(())
    }

    /// The bias-corrected covariance `C / (1 - lambda^k)`, shrunk toward its diagonal
    /// (off-diagonal entries times `1 - shrinkage`), every variance at least
    /// [`VARIANCE_FLOOR`].
    pub fn covariance_into(
        &self,
        ops: &mut OpCount,
        shrinkage: Fx,
        out: &mut SymMatrix,
    ) -> MathResult<()> {
        let n = self.cov.n;
        let correction = ops.div(Fx::ONE, sub(Fx::ONE, self.decay_pow)?)?;
        let keep = sub(Fx::ONE, shrinkage)?;
        out.n = n;
        for i in 0..n {
            for j in 0..=i {
                let c = ops.mul(self.cov.get(i, j), correction)?;
                let v = if i == j {
                    c.max(VARIANCE_FLOOR)
                } else {
                    ops.mul(c, keep)?
                };
                out.set(i, j, v);
            }
        }
        Ok(())
    }

    /// Regime flag: short-horizon variance, summed over assets, above `ratio^2` times the
    /// long-horizon one (both bias-corrected): realised volatility has jumped by `ratio`.
    pub fn high_vol_regime(&self, ops: &mut OpCount, ratio: Fx) -> MathResult<bool> {
        let n = self.cov.n;
        let (mut short, mut long) = (Fx::ZERO, Fx::ZERO);
        for i in 0..n {
            short = add(short, self.short_var[i])?;
            long = add(long, self.cov.get(i, i))?;
        }
        let short = ops.div(short, sub(Fx::ONE, self.short_decay_pow)?)?;
        let long = ops.div(long, sub(Fx::ONE, self.decay_pow)?)?;
        let ratio_sq = ops.mul(ratio, ratio)?;
        let threshold = ops.mul(ratio_sq, long)?;
        Ok(short > threshold)
    }
}
