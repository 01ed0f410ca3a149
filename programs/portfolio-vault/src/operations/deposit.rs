use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use super::flow::{self, Flow, FlowLevy};
use crate::error::VaultError;
use crate::math::nav::PriceSide;
use crate::math::shares::shares_for_deposit_floor;
use crate::math::MathError;
use crate::pricing::PricedVault;
use crate::state::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositEffects {
    /// Base units the depositor pays.
    pub amount: u64,
    pub shares_to_mint: u64,
    /// The anti-dilution levy kept by the vault (shares are priced on `amount - levy`).
    pub levy: FlowLevy,
    pub management: ManagementAccrual,
    /// NAV at the high side, before the deposit.
    pub nav_before: u64,
    /// Pricing supply (minted + pending fee shares) before the deposit.
    pub supply_before: u64,
}

/// Prices a deposit of `amount` base units: shares for the amount less the flow levy, at NAV
/// with every asset (and the share holders' part of the margin account) on the high side of
/// its band, rounded down.
pub fn deposit(
    vault: &Vault,
    priced: &PricedVault,
    minted_supply: u64,
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
    let nav_before = priced.nav(vault, PriceSide::High)?;
    require!(nav_before > 0, VaultError::VaultNavZero);
    let nav_after = nav_before
        .checked_add(amount)
        .ok_or(VaultError::DepositCapExceeded)?;
    require!(
        nav_after <= vault.params.deposit_cap,
        VaultError::DepositCapExceeded
    );
    let levy = flow::levy(vault, Flow::In(amount), nav_after, now_ts)?;
    let priced_amount = amount.saturating_sub(levy.levy);
    let shares_to_mint = shares_for_deposit_floor(priced_amount, nav_before, supply_before)?;
    require!(shares_to_mint > 0, VaultError::DepositZeroShares);
    supply_before
        .checked_add(shares_to_mint)
        .ok_or(MathError::Overflow)?;
    require!(
        shares_to_mint >= min_shares_out,
        VaultError::DepositSlippageExceeded
    );
    Ok(DepositEffects {
        amount,
        shares_to_mint,
        levy,
        management,
        nav_before,
        supply_before,
    })
}

impl DepositEffects {
    /// Records the deposit in the vault: the fee accrual, the idle base, the waiting flow.
    pub fn apply(&self, vault: &mut Vault, now_ts: i64) -> Result<()> {
        vault.apply_management_accrual(&self.management, now_ts)?;
        vault.credit_idle(self.amount)?;
        flow::record(vault, Flow::In(self.amount), now_ts)?;
        Ok(())
    }

    pub fn supply_after(&self) -> u64 {
        self.supply_before.saturating_add(self.shares_to_mint)
    }
}
