use anchor_lang::prelude::*;

use crate::math::fees::{management_fee_shares_ceil, performance_fee, PerformanceFee};
use crate::math::nav::{nav, PriceSide, PricedHolding};
use crate::state::Vault;

/// Management-fee shares accrued since `last_fee_ts`; the handler adds them to
/// `pending_fee_shares` and moves `last_fee_ts` to now.
pub fn accrue_management(vault: &Vault, minted_supply: u64, now_ts: i64) -> Result<u64> {
    let elapsed = now_ts.saturating_sub(vault.last_fee_ts).max(0) as u64;
    let supply = vault.pricing_supply(minted_supply)?;
    Ok(management_fee_shares_ceil(
        supply,
        vault.params.management_fee_bps,
        elapsed,
    )?)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrystallizeEffects {
    /// Management-fee shares accrued by this call (on top of the pending ones).
    pub management_shares: u64,
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
    minted_supply: u64,
    now_ts: i64,
) -> Result<CrystallizeEffects> {
    let management_shares = accrue_management(vault, minted_supply, now_ts)?;
    let pending = vault
        .pending_fee_shares
        .checked_add(management_shares)
        .ok_or(crate::math::MathError::Overflow)?;
    let supply = minted_supply
        .checked_add(pending)
        .ok_or(crate::math::MathError::Overflow)?;
    let nav_low = nav(vault.idle_base, holdings, PriceSide::Low)?;
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
        management_shares,
        performance,
        shares_to_mint,
        nav_low,
        elapsed_s: now_ts.saturating_sub(vault.last_crystallize_ts).max(0) as u64,
    })
}
