use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::RiskInitialized;
use crate::math::Fx;
use crate::state::{RiskParamsArgs, RiskState, Vault};

#[derive(Accounts)]
pub struct InitializeRisk<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(mut, seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Creates the risk account. The parameters must lie within their hard bounds and the fixed
/// weights (every strategy's warm-up targets) within every asset's weight bounds, so the
/// risk engine can always produce targets.
pub fn handle_initialize_risk<'info>(
    ctx: Context<'info, InitializeRisk<'info>>,
    args: RiskParamsArgs,
) -> Result<()> {
    let a = &ctx.accounts;
    let params = args.params();
    params.validate()?;
    let vault = a.vault.load()?;
    vault.check_version()?;
    params.check_fixed_weights(&vault)?;
    let vault_key = a.vault.key();
    let bump = ctx.bumps.risk;
    let seeds: &[&[u8]] = &[RISK_SEED, vault_key.as_ref(), &[bump]];
    account_init::create_pda(
        &a.payer.to_account_info(),
        &a.risk.to_account_info(),
        &a.system_program.to_account_info(),
        8usize.saturating_add(RiskState::SIZE),
        &crate::ID,
        seeds,
        VaultError::AccountAlreadyInitialized,
    )?;
    account_init::init_zero_copy(&a.risk, |risk: &mut RiskState| {
        risk.version = RISK_VERSION;
        risk.bump = bump;
        risk.vault = vault_key;
        risk.params = params;
        risk.reset_estimator(vault.num_assets);
        risk.target_cash.set(Fx::ONE);
        risk.targets_strategy = 0;
        risk.invariant()
    })?;
    emit!(RiskInitialized {
        vault: vault_key,
        params: args
    });
    Ok(())
}
