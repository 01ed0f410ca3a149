//! The risk engine: the risk account, samples and targets.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::MAX_ASSETS;
use portfolio_vault::state::{RiskParamsArgs, RiskState};
use solana_instruction::Instruction;
use solana_signer::Signer;
use vault_client::pda;

use crate::{Harness, TxResult};

impl Harness {
    pub fn risk(&self) -> Pubkey {
        pda::risk(&self.vault)
    }

    /// Inverse volatility, hourly samples, 3-sample warm-up, equal fixed weights.
    pub fn default_risk_args(&self) -> RiskParamsArgs {
        let n = self.assets.len().max(1) as u16;
        let mut fixed = [0u16; MAX_ASSETS];
        for w in fixed.iter_mut().take(self.assets.len()) {
            *w = 10_000 / n;
        }
        RiskParamsArgs {
            strategy: 1,
            ewma_decay_bps: 9_400,
            ewma_short_decay_bps: 7_000,
            shrinkage_bps: 0,
            regime_ratio_bps: 15_000,
            regime_vol_scale_bps: 5_000,
            vol_target_bps: 0,
            min_interval_s: 3_600,
            min_samples: 3,
            fixed_weights_bps: fixed,
        }
    }

    pub fn ix_initialize_risk(&self, admin: &Pubkey, args: RiskParamsArgs) -> Instruction {
        vault_client::ix::initialize_risk(self.vault, *admin, self.ctx.payer.pubkey(), args)
    }

    pub async fn initialize_risk(&mut self, args: RiskParamsArgs) -> TxResult {
        let admin = self.admin.insecure_clone();
        let ix = self.ix_initialize_risk(&admin.pubkey(), args);
        self.process(&[ix], &[&admin]).await
    }

    pub fn ix_update_risk(&self) -> Instruction {
        self.keys().update_risk()
    }

    pub async fn update_risk(&mut self) -> TxResult {
        let ix = self.ix_update_risk();
        self.process(&[ix], &[]).await
    }

    pub fn ix_compute_targets(&self) -> Instruction {
        self.keys().compute_targets()
    }

    pub async fn compute_targets(&mut self) -> TxResult {
        let ix = self.ix_compute_targets();
        self.process(&[ix], &[]).await
    }

    /// `compute_targets` call after call until the solve publishes targets (one call unless it
    /// passes the per-call budget); returns the number of calls.
    pub async fn compute_targets_until_published(&mut self) -> usize {
        for calls in 1..=32 {
            self.compute_targets().await.expect("compute_targets");
            let pending = portfolio_vault::math::weights::SolveStatus::Pending as u8;
            if self.risk_state().await.solve_status != pending {
                return calls;
            }
        }
        panic!("no targets after 32 compute_targets calls");
    }

    pub async fn risk_state(&mut self) -> RiskState {
        let key = self.risk();
        let data = self.account(&key).await.expect("risk account").data;
        *bytemuck::from_bytes::<RiskState>(&data[8..8 + RiskState::SIZE])
    }

    /// Moves the clock by `secs`, multiplies every asset's price by `factors` (EMA follows),
    /// and samples the risk model.
    pub async fn step_prices(&mut self, secs: i64, factors: &[f64]) -> TxResult {
        self.warp_seconds(secs).await;
        for (i, f) in factors.iter().enumerate() {
            let p = (self.assets[i].price.price as f64 * f).round() as i64;
            self.move_price(i, p).await;
        }
        self.update_risk().await
    }
}
