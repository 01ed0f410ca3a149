use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::RiskInitialized;
use crate::math::Fx;
use crate::state::{RiskParams, RiskState, Vault};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct RiskParamsArgs {
    pub strategy: u8,
    pub ewma_decay_bps: u16,
    pub ewma_short_decay_bps: u16,
    pub shrinkage_bps: u16,
    pub regime_ratio_bps: u16,
    pub regime_vol_scale_bps: u16,
    pub vol_target_bps: u32,
    pub min_interval_s: u32,
    pub min_samples: u32,
    pub fixed_weights_bps: [u16; MAX_ASSETS],
}

impl RiskParamsArgs {
    pub fn params(&self) -> RiskParams {
        RiskParams {
            vol_target_bps: self.vol_target_bps,
            min_interval_s: self.min_interval_s,
            min_samples: self.min_samples,
            ewma_decay_bps: self.ewma_decay_bps,
            ewma_short_decay_bps: self.ewma_short_decay_bps,
            shrinkage_bps: self.shrinkage_bps,
            regime_ratio_bps: self.regime_ratio_bps,
            regime_vol_scale_bps: self.regime_vol_scale_bps,
            strategy: self.strategy,
            _pad: [0],
            fixed_weights_bps: self.fixed_weights_bps,
        }
    }
}

#[derive(Accounts)]
pub struct InitializeRisk<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(init, payer = payer, space = 8 + RiskState::SIZE, seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: AccountLoader<'info, RiskState>,
    pub system_program: Program<'info, System>,
}

pub fn handle_initialize_risk<'info>(
    ctx: Context<'info, InitializeRisk<'info>>,
    args: RiskParamsArgs,
) -> Result<()> {
    let params = args.params();
    params.validate()?;
    let vault = ctx.accounts.vault.load()?;
    vault.check_version()?;
    let mut risk = ctx.accounts.risk.load_init()?;
    risk.version = RISK_VERSION;
    risk.bump = ctx.bumps.risk;
    risk.vault = ctx.accounts.vault.key();
    risk.params = params;
    risk.reset_estimator(vault.num_assets);
    risk.target_cash.set(Fx::ONE);
    risk.targets_strategy = 0;
    risk.invariant()?;
    emit!(RiskInitialized {
        vault: risk.vault,
        params: args
    });
    Ok(())
}
