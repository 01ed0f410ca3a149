use anchor_lang::prelude::*;

use crate::constants::PERFORMANCE_SMOOTHING_S;
use crate::math::fees::{management_fee_shares, performance_fee, smooth_pps, PerformanceFee};
use crate::math::nav::PriceSide;
use crate::math::{fx_sub, ratio_floor, Fx, MathError};
use crate::pricing::PricedVault;
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
    let elapsed = now_ts
        .saturating_sub(vault.last_fee_ts)
        .max(0)
        .unsigned_abs();
    let supply = vault.pricing_supply(minted_supply)?;
    let exact = management_fee_shares(supply, vault.params.management_fee_bps, elapsed)?;
    let total = vault
        .pending_fee_fraction
        .get()
        .checked_add(exact)
        .ok_or(MathError::Overflow)?;
    let shares = total
        .int()
        .checked_to_num::<u64>()
        .ok_or(MathError::Overflow)?;
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
    /// NAV per share (low side) now, and its time-weighted average after this update.
    pub pps_now: Fx,
    pub pps_smoothed: Fx,
    pub elapsed_s: u64,
}

/// Crystallises fees: every pending management-fee share plus the performance fee on the gain
/// of the time-weighted NAV per share (low side of every band) above the high-water mark.
pub fn crystallize(
    vault: &Vault,
    priced: &PricedVault,
    minted_supply: u64,
    now_ts: i64,
) -> Result<CrystallizeEffects> {
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let pending = vault
        .pending_fee_shares
        .checked_add(management.shares)
        .ok_or(MathError::Overflow)?;
    let supply = minted_supply
        .checked_add(pending)
        .ok_or(MathError::Overflow)?;
    let nav_low = priced.nav(vault, PriceSide::Low)?;
    let pps_now = ratio_floor(nav_low, supply)?;
    let dt = now_ts.saturating_sub(vault.perf_ts).max(0).unsigned_abs();
    let pps_smoothed = smooth_pps(
        vault.perf_pps_ema.get(),
        vault.perf_pps_last.get(),
        pps_now,
        dt,
        PERFORMANCE_SMOOTHING_S,
    )?;
    let performance = performance_fee(
        nav_low,
        supply,
        vault.hwm_pps.get(),
        vault.params.performance_fee_bps,
        pps_smoothed,
    )?;
    let shares_to_mint = pending
        .checked_add(performance.fee_shares)
        .ok_or(MathError::Overflow)?;
    Ok(CrystallizeEffects {
        management,
        performance,
        shares_to_mint,
        nav_low,
        pps_now,
        pps_smoothed,
        elapsed_s: now_ts
            .saturating_sub(vault.last_crystallize_ts)
            .max(0)
            .unsigned_abs(),
    })
}

impl CrystallizeEffects {
    /// Records the crystallisation: no fee shares pending, the fraction carried, the new mark,
    /// and the smoothed NAV per share moved down by what the performance-fee shares took off
    /// NAV per share, like the mark.
    pub fn apply(&self, vault: &mut Vault, now_ts: i64) -> Result<()> {
        let drop = self.performance.pps_drop;
        let lower = |v: Fx| fx_sub(v, drop).map(|x| x.max(Fx::ZERO));
        vault.pending_fee_shares = 0;
        vault.pending_fee_fraction.set(self.management.fraction);
        vault.last_fee_ts = now_ts;
        vault.last_crystallize_ts = now_ts;
        vault.hwm_pps.set(self.performance.new_hwm);
        vault.perf_pps_ema.set(lower(self.pps_smoothed)?);
        vault.perf_pps_last.set(lower(self.pps_now)?);
        vault.perf_ts = now_ts;
        Ok(())
    }
}
