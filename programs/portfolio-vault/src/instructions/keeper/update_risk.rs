use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::events::RiskUpdated;
use crate::math::linalg::{OpCount, N};
use crate::math::risk::Estimator;
use crate::math::Fx;
use crate::state::{RiskState, Vault};
use crate::{operations, pricing};

/// Permissionless. Remaining accounts: one oracle account per asset, in asset order (each is
/// checked against the asset's oracle configuration, so missing, reordered or duplicated
/// accounts fail).
#[derive(Accounts)]
pub struct UpdateRisk<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, seeds = [RISK_SEED, vault.key().as_ref()], bump = risk.load()?.bump, has_one = vault @ VaultError::RiskAccountWrongVault)]
    pub risk: AccountLoader<'info, RiskState>,
}

/// Samples every asset's validated mid price and folds the returns since the last sample into
/// the EWMA covariance; at most once per `min_interval_s`.
pub fn handle_update_risk<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.check_version()?;
    vault.check_not_paused(PAUSE_UPDATE_RISK)?;
    let mut risk = ctx.accounts.risk.load_mut()?;
    if risk.num_assets != vault.num_assets {
        // The asset list changed: the old estimates no longer describe the portfolio.
        risk.reset_estimator(vault.num_assets);
    }
    if risk.has_prices == 1 {
        let due = risk
            .last_sample_ts
            .saturating_add(risk.params.min_interval_s as i64);
        require!(now >= due, VaultError::RiskUpdateTooEarly);
    }
    let priced = pricing::load(&mut vault, ctx.remaining_accounts, None, now)?;
    let n = vault.num_assets as usize;
    let mut last = [Fx::ZERO; N];
    for (i, l) in last.iter_mut().enumerate().take(n) {
        *l = risk.last_prices[i].get();
    }
    let mid = priced.mids();
    let regime_before = risk.high_vol_regime == 1;
    let first = risk.has_prices == 0;
    let mut returns = [Fx::ZERO; N];
    if !first {
        let mut est = Estimator::boxed(0);
        risk.load_estimator(&mut est);
        let mut ops = OpCount::default();
        let (regime, r) =
            operations::risk::record_sample(&mut ops, &mut est, &risk.params, &last, &mid, n)?;
        returns = r;
        risk.store_estimator(&est);
        risk.on_new_sample();
        risk.sample_count = risk.sample_count.saturating_add(1);
        risk.high_vol_regime = regime as u8;
    }
    for (stored, price) in risk.last_prices.iter_mut().zip(mid.iter()).take(n) {
        stored.set(*price);
    }
    risk.has_prices = 1;
    risk.last_sample_ts = now;
    vault.invariant()?;
    risk.invariant()?;
    let mut returns_bps = [0i128; MAX_ASSETS];
    for (o, r) in returns_bps.iter_mut().zip(returns.iter()).take(n) {
        *o = r.to_bits();
    }
    emit!(RiskUpdated {
        vault: ctx.accounts.vault.key(),
        first_observation: first,
        sample_count: risk.sample_count,
        regime_before,
        regime_after: risk.high_vol_regime == 1,
        returns_bps,
        prices_mid: priced.price_bits(crate::math::nav::PriceSide::Mid),
    });
    Ok(())
}
