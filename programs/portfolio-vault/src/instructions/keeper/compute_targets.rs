use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::{TargetsComputed, TargetsSolveContinues};
use crate::math::linalg::OpCount;
use crate::math::weights::Budget;
use crate::operations::{
    self,
    risk::{RiskWorkspace, Sampling},
};
use crate::state::{RiskState, Vault};

/// Permissionless. Needs no oracle: targets depend only on the estimator and the parameters.
#[derive(Accounts)]
pub struct ComputeTargets<'info> {
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, seeds = [RISK_SEED, vault.key().as_ref()], bump = risk.load()?.bump, has_one = vault @ VaultError::RiskAccountWrongVault)]
    pub risk: AccountLoader<'info, RiskState>,
}

/// Computes and stores target weights with the configured strategy (fixed weights while the
/// estimator warms up). Risk parity and minimum variance start from the last solution and stop
/// at `COMPUTE_TARGETS_SOLVER_CU` (high estimate): a solve that needs more continues on the
/// next call, the previous targets staying in force until it converges. A solver that fails
/// leaves everything as it was.
pub fn handle_compute_targets<'info>(ctx: Context<'info, ComputeTargets<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let vault = ctx.accounts.vault.load()?;
    vault.check_version()?;
    vault.check_not_paused(PAUSE_COMPUTE_TARGETS)?;
    let mut risk = ctx.accounts.risk.load_mut()?;
    let mut ws = RiskWorkspace::boxed(|e, st| {
        risk.load_estimator(e);
        risk.load_solve(st);
    });
    let mut ops = OpCount::default();
    let effects = operations::risk::compute_targets(
        &mut ops,
        &vault,
        &risk.params,
        &mut ws,
        Sampling {
            assets: risk.num_assets as usize,
            samples: risk.sample_count,
            high_vol_regime: risk.high_vol_regime == 1,
        },
        Budget {
            cu: COMPUTE_TARGETS_SOLVER_CU,
        },
    )?;
    risk.store_solve(&ws.solve);
    let Some(targets) = effects.targets else {
        risk.invariant()?;
        emit!(TargetsSolveContinues {
            vault: ctx.accounts.vault.key(),
            strategy: effects.strategy as u8,
            iterations: ws.solve.iterations,
        });
        return Ok(());
    };
    let n = vault.num_assets as usize;
    let mut weights = [0i128; MAX_ASSETS];
    for (i, bits) in weights.iter_mut().enumerate() {
        let w = if i < n {
            targets.weights[i]
        } else {
            crate::math::Fx::ZERO
        };
        risk.target_weights[i].set(w);
        *bits = w.to_bits();
    }
    risk.target_cash.set(targets.cash);
    risk.target_vol_bps.set(targets.portfolio_vol);
    risk.targets_ts = now;
    risk.targets_strategy = effects.strategy as u8;
    risk.targets_iterations = targets.iterations;
    risk.invariant()?;
    emit!(TargetsComputed {
        vault: ctx.accounts.vault.key(),
        strategy: effects.strategy as u8,
        warm_up: effects.warm_up,
        high_vol_regime: risk.high_vol_regime == 1,
        weights,
        cash: targets.cash.to_bits(),
        vol_bps_per_period: targets.portfolio_vol.to_bits(),
        iterations: targets.iterations,
    });
    Ok(())
}
