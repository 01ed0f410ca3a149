use anchor_lang::prelude::*;

use super::fees::{accrue_management, ManagementAccrual};
use super::flow::{self, Flow, FlowLevy};
use crate::error::VaultError;
use crate::math::nav::PriceSide;
use crate::math::shares::value_for_shares_floor;
use crate::math::MathError;
use crate::pricing::PricedVault;
use crate::state::Vault;

/// What `shares` are worth leaving for base now: NAV with every asset at the low side of its
/// band, rounded down, and the flow levy on that value. `withdraw` pays it at once;
/// `request_withdraw` records it as the most the queue will pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitValue {
    pub shares: u64,
    /// The shares' value before the levy.
    pub gross: u64,
    pub levy: FlowLevy,
    pub management: ManagementAccrual,
    /// NAV at the low side, before the exit.
    pub nav_before: u64,
    pub supply_before: u64,
}

impl ExitValue {
    /// The value less the levy.
    pub fn net(&self) -> u64 {
        self.gross.saturating_sub(self.levy.levy)
    }
}

/// Values an exit of `shares` (see [`ExitValue`]).
pub fn exit_value(
    vault: &Vault,
    priced: &PricedVault,
    minted_supply: u64,
    shares: u64,
    now_ts: i64,
) -> Result<ExitValue> {
    require!(shares > 0, VaultError::WithdrawZeroShares);
    let management = accrue_management(vault, minted_supply, now_ts)?;
    let supply_before = vault
        .pricing_supply(minted_supply)?
        .checked_add(management.shares)
        .ok_or(MathError::Overflow)?;
    let nav_before = priced.nav(vault, PriceSide::Low)?;
    let gross = value_for_shares_floor(shares, nav_before, supply_before)?;
    let levy = flow::levy(
        vault,
        Flow::Out(gross),
        nav_before.saturating_sub(gross),
        now_ts,
    )?;
    Ok(ExitValue {
        shares,
        gross,
        levy,
        management,
        nav_before,
        supply_before,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawEffects {
    pub shares: u64,
    /// Base units paid: the shares' value less the flow levy.
    pub assets_out: u64,
    /// The shares' value before the levy.
    pub gross: u64,
    pub levy: FlowLevy,
    pub management: ManagementAccrual,
    /// NAV at the low side, before the withdrawal.
    pub nav_before: u64,
    pub supply_before: u64,
}

/// Prices burning `shares` for base tokens ([`exit_value`]), paid only from the idle buffer
/// the queued requests have not reserved.
pub fn withdraw(
    vault: &Vault,
    priced: &PricedVault,
    minted_supply: u64,
    shares: u64,
    min_assets_out: u64,
    now_ts: i64,
) -> Result<WithdrawEffects> {
    let exit = exit_value(vault, priced, minted_supply, shares, now_ts)?;
    let assets_out = exit.net();
    require!(assets_out > 0, VaultError::WithdrawZeroAssets);
    require!(
        assets_out <= vault.free_idle(),
        VaultError::WithdrawInsufficientIdle
    );
    require!(
        assets_out >= min_assets_out,
        VaultError::WithdrawSlippageExceeded
    );
    Ok(WithdrawEffects {
        shares,
        assets_out,
        gross: exit.gross,
        levy: exit.levy,
        management: exit.management,
        nav_before: exit.nav_before,
        supply_before: exit.supply_before,
    })
}

impl WithdrawEffects {
    /// Records the withdrawal: the fee accrual, the idle base paid, the waiting flow.
    pub fn apply(&self, vault: &mut Vault, now_ts: i64) -> Result<()> {
        vault.apply_management_accrual(&self.management, now_ts)?;
        vault.debit_idle(self.assets_out)?;
        flow::record(vault, Flow::Out(self.assets_out), now_ts)?;
        Ok(())
    }

    pub fn supply_after(&self) -> u64 {
        self.supply_before.saturating_sub(self.shares)
    }
}
