use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use crate::error::VaultError;
use crate::math::nav::{nav, nav_with_perp, PriceSide, PricedHolding};
use crate::math::shares::value_for_shares_floor;
use crate::math::MathError;
use crate::state::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawEffects {
    pub assets_out: u64,
    pub management: ManagementAccrual,
    /// NAV at the low side, before the withdrawal.
    pub nav_before: u64,
    pub supply_before: u64,
}

/// Prices burning `shares` for base tokens: NAV with every asset at the low side of its band,
/// rounded down, paid only from the idle buffer.
pub fn withdraw(
    vault: &Vault,
    holdings: &[PricedHolding],
    minted_supply: u64,
    perp_value: i64,
    shares: u64,
    min_assets_out: u64,
    now_ts: i64,
) -> Result<WithdrawEffects> {
    require!(shares > 0, VaultError::WithdrawZeroShares);
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let supply_before = vault
        .pricing_supply(minted_supply)?
        .checked_add(management.shares)
        .ok_or(MathError::Overflow)?;
    let nav_before = nav_with_perp(nav(vault.idle_base, holdings, PriceSide::Low)?, perp_value)?;
    let assets_out = value_for_shares_floor(shares, nav_before, supply_before)?;
    require!(assets_out > 0, VaultError::WithdrawZeroAssets);
    require!(
        assets_out <= vault.idle_base,
        VaultError::WithdrawInsufficientIdle
    );
    require!(
        assets_out >= min_assets_out,
        VaultError::WithdrawSlippageExceeded
    );
    Ok(WithdrawEffects {
        assets_out,
        management,
        nav_before,
        supply_before,
    })
}
