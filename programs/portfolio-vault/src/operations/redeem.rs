use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use crate::constants::MAX_ASSETS;
use crate::error::VaultError;
use crate::math::shares::value_for_shares_floor;
use crate::math::MathError;
use crate::state::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedeemEffects {
    pub base_out: u64,
    /// Units of each asset paid, in asset order.
    pub assets_out: [u64; MAX_ASSETS],
    pub management: ManagementAccrual,
    pub supply_before: u64,
}

/// A pro-rata slice (rounded down) of the idle buffer and of every holding. Uses no price.
pub fn redeem_in_kind(
    vault: &Vault,
    minted_supply: u64,
    shares: u64,
    now_ts: i64,
) -> Result<RedeemEffects> {
    require!(shares > 0, VaultError::WithdrawZeroShares);
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let supply_before = vault
        .pricing_supply(minted_supply)?
        .checked_add(management.shares)
        .ok_or(MathError::Overflow)?;
    let base_out = value_for_shares_floor(shares, vault.idle_base, supply_before)?;
    let mut assets_out = [0u64; MAX_ASSETS];
    for (i, a) in vault.active_assets().iter().enumerate() {
        assets_out[i] = value_for_shares_floor(shares, a.holdings, supply_before)?;
    }
    require!(
        base_out > 0 || assets_out.iter().any(|x| *x > 0),
        VaultError::RedeemNothingToPay
    );
    Ok(RedeemEffects {
        base_out,
        assets_out,
        management,
        supply_before,
    })
}
