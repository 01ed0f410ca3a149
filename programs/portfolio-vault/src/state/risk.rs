//! The risk account: risk parameters, the EWMA estimator and the latest target weights of one
//! vault (PDA `[RISK_SEED, vault]`). Zero-copy, `#[repr(C)]`, versioned, reserved tail.

use anchor_lang::prelude::*;

use super::FxBits;
use crate::constants::*;
use crate::error::VaultError;
use crate::math::linalg::PACKED;
use crate::math::risk::Estimator;
use crate::math::weights::{Bound, SolveStatus, SolverState, Strategy};
use crate::math::Fx;
use crate::state::Vault;

/// Risk parameters, each within hard bounds checked by [`RiskParams::validate`].
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct RiskParams {
    /// Annualised volatility target in bps; 0 = no overlay.
    pub vol_target_bps: u32,
    /// Shortest time between two samples; also the period the volatility target is scaled to.
    pub min_interval_s: u32,
    /// Samples before covariance-based strategies are used (fixed weights until then).
    pub min_samples: u32,
    /// EWMA decay per sample of the covariance (e.g. 9400 = 0.94).
    pub ewma_decay_bps: u16,
    /// Faster decay of the short-horizon variances behind the regime flag.
    pub ewma_short_decay_bps: u16,
    /// Weight moved from off-diagonal covariances to zero (shrinkage toward the diagonal).
    pub shrinkage_bps: u16,
    /// Short-horizon volatility above this multiple of the long one raises the regime flag.
    pub regime_ratio_bps: u16,
    /// Multiplier on the volatility target while the regime flag is up.
    pub regime_vol_scale_bps: u16,
    /// [`Strategy`] as a byte.
    pub strategy: u8,
    pub _pad: [u8; 1],
    /// Weights of the fixed strategy, in asset order.
    pub fixed_weights_bps: [u16; MAX_ASSETS],
}

impl RiskParams {
    pub fn validate(&self) -> Result<()> {
        require!(
            Strategy::from_u8(self.strategy).is_some(),
            VaultError::ParamStrategyUnknown
        );
        require!(
            (MIN_EWMA_DECAY_BPS..=MAX_EWMA_DECAY_BPS).contains(&self.ewma_decay_bps),
            VaultError::ParamEwmaDecayOutOfBounds
        );
        require!(
            self.ewma_short_decay_bps >= MIN_EWMA_SHORT_DECAY_BPS
                && self.ewma_short_decay_bps < self.ewma_decay_bps,
            VaultError::ParamEwmaShortDecayOutOfBounds
        );
        require!(
            self.shrinkage_bps <= MAX_SHRINKAGE_BPS,
            VaultError::ParamShrinkageOutOfBounds
        );
        require!(
            (MIN_REGIME_RATIO_BPS..=MAX_REGIME_RATIO_BPS).contains(&self.regime_ratio_bps),
            VaultError::ParamRegimeRatioOutOfBounds
        );
        require!(
            (MIN_REGIME_VOL_SCALE_BPS..=MAX_REGIME_VOL_SCALE_BPS)
                .contains(&self.regime_vol_scale_bps),
            VaultError::ParamRegimeVolScaleOutOfBounds
        );
        require!(
            self.vol_target_bps <= MAX_VOL_TARGET_BPS,
            VaultError::ParamVolTargetOutOfBounds
        );
        require!(
            (MIN_RISK_INTERVAL_S..=MAX_RISK_INTERVAL_S).contains(&self.min_interval_s),
            VaultError::ParamRiskIntervalOutOfBounds
        );
        require!(
            (MIN_RISK_SAMPLES..=MAX_RISK_SAMPLES).contains(&self.min_samples),
            VaultError::ParamRiskSamplesOutOfBounds
        );
        let total: u32 = self.fixed_weights_bps.iter().map(|w| *w as u32).sum();
        require!(
            total as u64 <= BPS_DENOMINATOR,
            VaultError::RiskFixedWeightsOutOfBounds
        );
        Ok(())
    }

    pub fn strategy(&self) -> Strategy {
        Strategy::from_u8(self.strategy).unwrap_or(Strategy::Fixed)
    }

    /// The fixed weights (every strategy's warm-up targets) respect each of the vault's asset
    /// bounds: otherwise every `compute_targets` during warm-up would fail. Checked whenever
    /// either side changes (risk parameters, weight bounds, a new asset).
    pub fn check_fixed_weights(&self, vault: &Vault) -> Result<()> {
        for (i, a) in vault.active_assets().iter().enumerate() {
            let w = self.fixed_weights_bps[i];
            require!(
                w >= a.min_weight_bps && w <= a.max_weight_bps,
                VaultError::RiskFixedWeightsOutOfBounds
            );
        }
        Ok(())
    }
}

#[account(zero_copy)]
#[derive(Debug)]
pub struct RiskState {
    pub version: u8,
    pub bump: u8,
    /// Assets the estimator covers; a change of the vault's asset count restarts it.
    pub num_assets: u8,
    /// 1 while short-horizon volatility exceeds the long one by `regime_ratio_bps`.
    pub high_vol_regime: u8,
    /// 1 once `last_prices` holds a first observation.
    pub has_prices: u8,
    /// Strategy actually used for the stored targets (fixed during warm-up).
    pub targets_strategy: u8,
    pub _pad0: [u8; 2],
    pub vault: Pubkey,
    pub params: RiskParams,
    /// Returns folded into the estimator since it (re)started.
    pub sample_count: u32,
    /// Iterations the last solver took.
    pub targets_iterations: u32,
    pub last_sample_ts: i64,
    pub targets_ts: i64,
    /// Mid prices of the last sample (base units per asset unit).
    pub last_prices: [FxBits; MAX_ASSETS],
    /// EWMA covariance of returns in bps^2 (packed lower triangle, not bias-corrected).
    pub cov: [FxBits; PACKED],
    pub short_var: [FxBits; MAX_ASSETS],
    pub decay_pow: FxBits,
    pub short_decay_pow: FxBits,
    pub target_weights: [FxBits; MAX_ASSETS],
    pub target_cash: FxBits,
    /// Ex-ante volatility of the targets per `min_interval_s`, in bps.
    pub target_vol_bps: FxBits,
    /// The iterative solve to continue or warm-start from (`math::weights::SolverState`):
    /// its status (0 none, 1 a converged solution, 2 in progress), strategy and asset count.
    pub solve_status: u8,
    pub solve_strategy: u8,
    pub solve_n: u8,
    pub _pad1: u8,
    /// Iterations of the solve in progress.
    pub solve_iterations: u32,
    /// Minimum variance's working set (0 free, 1 at the minimum, 2 at the maximum).
    pub solve_bounds: [u8; MAX_ASSETS],
    /// Risk parity's Newton iterate, or minimum variance's weights.
    pub solve_x: [FxBits; MAX_ASSETS],
    pub _reserved: [u8; 232],
}

impl RiskState {
    pub const SIZE: usize = core::mem::size_of::<RiskState>();

    /// Reads the estimator into `e` (a heap or workspace copy: it is 2.5 KB).
    pub fn load_estimator(&self, e: &mut Estimator) {
        e.cov.n = self.num_assets as usize;
        for (dst, src) in e.cov.a.iter_mut().zip(self.cov.iter()) {
            *dst = src.get();
        }
        for i in 0..MAX_ASSETS {
            e.short_var[i] = self.short_var[i].get();
        }
        e.decay_pow = self.decay_pow.get();
        e.short_decay_pow = self.short_decay_pow.get();
    }

    pub fn store_estimator(&mut self, e: &Estimator) {
        for (dst, src) in self.cov.iter_mut().zip(e.cov.a.iter()) {
            dst.set(*src);
        }
        for i in 0..MAX_ASSETS {
            self.short_var[i].set(e.short_var[i]);
        }
        self.decay_pow.set(e.decay_pow);
        self.short_decay_pow.set(e.short_decay_pow);
    }

    /// The solve to continue or warm-start from.
    pub fn load_solve(&self, st: &mut SolverState) {
        st.status = SolveStatus::from_u8(self.solve_status);
        st.strategy = Strategy::from_u8(self.solve_strategy).unwrap_or(Strategy::Fixed);
        st.n = self.solve_n as usize;
        st.iterations = self.solve_iterations;
        for i in 0..MAX_ASSETS {
            st.x[i] = self.solve_x[i].get();
            st.bounds[i] = Bound::from_u8(self.solve_bounds[i]);
        }
    }

    pub fn store_solve(&mut self, st: &SolverState) {
        self.solve_status = st.status as u8;
        self.solve_strategy = st.strategy as u8;
        self.solve_n = u8::try_from(st.n).unwrap_or(0);
        self.solve_iterations = st.iterations;
        for i in 0..MAX_ASSETS {
            self.solve_x[i].set(st.x[i]);
            self.solve_bounds[i] = st.bounds[i] as u8;
        }
    }

    /// A new sample moves the covariance: a solve in progress continues from where it is,
    /// with a fresh iteration allowance (so a solve that ran out of iterations recovers).
    pub fn on_new_sample(&mut self) {
        if self.solve_status == SolveStatus::Pending as u8 {
            self.solve_iterations = 0;
        }
    }

    /// Restarts the estimator for `n` assets (on creation and when the asset count changes).
    pub fn reset_estimator(&mut self, n: u8) {
        self.num_assets = n;
        self.sample_count = 0;
        self.has_prices = 0;
        self.high_vol_regime = 0;
        self.last_sample_ts = 0;
        for c in self.cov.iter_mut() {
            c.set(Fx::ZERO);
        }
        for v in self.short_var.iter_mut() {
            v.set(Fx::ZERO);
        }
        self.decay_pow.set(Fx::ONE);
        self.short_decay_pow.set(Fx::ONE);
        self.solve_status = SolveStatus::Cold as u8;
        self.solve_iterations = 0;
        for p in self.last_prices.iter_mut() {
            p.set(Fx::ZERO);
        }
    }

    pub fn invariant(&self) -> Result<()> {
        let ok = self.version == RISK_VERSION
            && self.num_assets as usize <= MAX_ASSETS
            && self.high_vol_regime <= 1
            && self.has_prices <= 1
            && Strategy::from_u8(self.targets_strategy).is_some()
            && self.params.validate().is_ok()
            // λ^k underflows to exactly zero after a few hundred samples (about 540 at
            // λ = 0.94): the bias correction is then 1, which is right, so zero is valid.
            && self.decay_pow.get() >= Fx::ZERO
            && self.decay_pow.get() <= Fx::ONE
            && self.target_cash.get() >= Fx::ZERO;
        require!(ok, VaultError::VaultInvariantViolated);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_has_no_implicit_padding() {
        assert_eq!(
            core::mem::size_of::<RiskParams>(),
            4 * 3 + 2 * 5 + 2 + 2 * MAX_ASSETS
        );
        assert_eq!(
            RiskState::SIZE,
            8 + 32
                + core::mem::size_of::<RiskParams>()
                + 4
                + 4
                + 8
                + 8
                + 16 * (MAX_ASSETS * 3 + PACKED + 4)
                + 4
                + 4
                + MAX_ASSETS
                + 16 * MAX_ASSETS
                + 232
        );
        assert_eq!(RiskState::SIZE % 8, 0);
    }
}
