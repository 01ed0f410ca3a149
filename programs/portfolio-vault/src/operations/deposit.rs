use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use crate::error::VaultError;
use crate::math::nav::{nav, nav_with_perp, PriceSide, PricedHolding};
use crate::math::shares::shares_for_deposit_floor;
use crate::math::MathError;
use crate::state::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositEffects {
    pub shares_to_mint: u64,
    pub management: ManagementAccrual,
    /// NAV at the high side, before the deposit.
    pub nav_before: u64,
    /// Pricing supply (minted + pending fee shares) before the deposit.
    pub supply_before: u64,
}

/// Prices a deposit of `amount` base units: shares at NAV with every asset at the high side of
/// its band (and the share holders' part of the perp account, `perp_value`, valued on the same
/// side), rounded down.
pub fn deposit(
    vault: &Vault,
    holdings: &[PricedHolding],
    minted_supply: u64,
    perp_value: i64,
    amount: u64,
    min_shares_out: u64,
    now_ts: i64,
) -> Result<DepositEffects> {
    require!(!vault.deposits_paused(), VaultError::DepositPaused);
    require!(
        amount >= vault.params.min_deposit,
        VaultError::DepositBelowMinimum
    );
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let supply_before = vault
        .pricing_supply(minted_supply)?
        .checked_add(management.shares)
        .ok_or(MathError::Overflow)?;
    let nav_before = nav_with_perp(nav(vault.idle_base, holdings, PriceSide::High)?, perp_value)?;
    require!(nav_before > 0, VaultError::VaultNavZero);
    let nav_after = nav_before
        .checked_add(amount)
        .ok_or(VaultError::DepositCapExceeded)?;
    require!(
        nav_after <= vault.params.deposit_cap,
        VaultError::DepositCapExceeded
    );
    let shares_to_mint = shares_for_deposit_floor(amount, nav_before, supply_before)?;
    require!(shares_to_mint > 0, VaultError::DepositZeroShares);
    supply_before
        .checked_add(shares_to_mint)
        .ok_or(MathError::Overflow)?;
    require!(
        shares_to_mint >= min_shares_out,
        VaultError::DepositSlippageExceeded
    );
    Ok(DepositEffects {
        shares_to_mint,
        management,
        nav_before,
        supply_before,
    })
}
