use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use super::flow;
use crate::constants::MAX_ASSETS;
use crate::error::VaultError;
use crate::math::shares::value_for_shares_floor;
use crate::math::MathError;
use crate::state::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedeemEffects {
    pub shares: u64,
    pub base_out: u64,
    /// Units of each asset paid, in asset order.
    pub assets_out: [u64; MAX_ASSETS],
    /// Units of the margin account that become the leaver's claim.
    pub claim_units: u64,
    pub management: ManagementAccrual,
    pub supply_before: u64,
}

/// A pro-rata slice (rounded down) of the idle buffer, of every holding and of the share
/// holders' units of the margin account. Uses no price and no venue.
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
    let claim_units = value_for_shares_floor(shares, vault.hedge.owners_units(), supply_before)?;
    require!(
        base_out > 0 || claim_units > 0 || assets_out.iter().any(|x| *x > 0),
        VaultError::RedeemNothingToPay
    );
    Ok(RedeemEffects {
        shares,
        base_out,
        assets_out,
        claim_units,
        management,
        supply_before,
    })
}

impl RedeemEffects {
    /// Takes the slice out of the vault's records: idle base, holdings, the owners' units
    /// (now claimed) and the waiting flow's share.
    pub fn apply(&self, vault: &mut Vault, now_ts: i64) -> Result<()> {
        vault.apply_management_accrual(&self.management, now_ts)?;
        vault.debit_idle(self.base_out)?;
        for (i, slot) in vault.active_assets_mut().iter_mut().enumerate() {
            slot.holdings = slot
                .holdings
                .checked_sub(self.assets_out[i])
                .ok_or(VaultError::MathOverflow)?;
        }
        vault.hedge.units_claimed = vault
            .hedge
            .units_claimed
            .checked_add(self.claim_units)
            .filter(|c| *c <= vault.hedge.units_total)
            .ok_or(VaultError::MathOverflow)?;
        flow::scale_on_redeem(vault, self.shares, self.supply_before)?;
        Ok(())
    }

    pub fn supply_after(&self) -> u64 {
        self.supply_before.saturating_sub(self.shares)
    }
}
