use anchor_lang::prelude::*;

use crate::math::fees::{management_fee_shares, performance_fee, PerformanceFee};
use crate::math::nav::{nav, PriceSide, PricedHolding};
use crate::math::Fx;
use crate::state::Vault;

/// Management fee accrued since `last_fee_ts`: whole shares to add to `pending_fee_shares`
/// and the fraction of a share to carry to the next accrual.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManagementAccrual {
    pub shares: u64,
    pub fraction: Fx,
}

pub fn accrue_management(
    vault: &Vault,
    minted_supply: u64,
    now_ts: i64,
) -> Result<ManagementAccrual> {
    let elapsed = now_ts.saturating_sub(vault.last_fee_ts).max(0) as u64;
    let supply = vault.pricing_supply(minted_supply)?;
    let exact = management_fee_shares(supply, vault.params.management_fee_bps, elapsed)?;
    let total = vault
        .pending_fee_fraction
        .get()
        .checked_add(exact)
        .ok_or(crate::math::MathError::Overflow)?;
    let shares = total
        .int()
        .checked_to_num::<u64>()
        .ok_or(crate::math::MathError::Overflow)?;
    Ok(ManagementAccrual {
        shares,
        fraction: total.frac(),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrystallizeEffects {
    /// Management fee accrued by this call (on top of the pending shares).
    pub management: ManagementAccrual,
    pub performance: PerformanceFee,
    /// Pending + management + performance shares: what the fee recipient receives now.
    pub shares_to_mint: u64,
    pub nav_low: u64,
    pub elapsed_s: u64,
}

/// Crystallises fees: every pending management-fee share plus the performance fee on the gain
/// of NAV per share (low side of every band) above the high-water mark.
pub fn crystallize(
    vault: &Vault,
    holdings: &[PricedHolding],
    perp_value: i64,
    minted_supply: u64,
    now_ts: i64,
) -> Result<CrystallizeEffects> {
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let pending = vault
        .pending_fee_shares
        .checked_add(management.shares)
        .ok_or(crate::math::MathError::Overflow)?;
    let supply = minted_supply
        .checked_add(pending)
        .ok_or(crate::math::MathError::Overflow)?;
    let nav_low = crate::math::nav::nav_with_perp(
        nav(vault.idle_base, holdings, PriceSide::Low)?,
        perp_value,
    )?;
    let performance = performance_fee(
        nav_low,
        supply,
        vault.hwm_pps.get(),
        vault.params.performance_fee_bps,
    )?;
    let shares_to_mint = pending
        .checked_add(performance.fee_shares)
        .ok_or(crate::math::MathError::Overflow)?;
    Ok(CrystallizeEffects {
        management,
        performance,
        shares_to_mint,
        nav_low,
        elapsed_s: now_ts.saturating_sub(vault.last_crystallize_ts).max(0) as u64,
    })
}
