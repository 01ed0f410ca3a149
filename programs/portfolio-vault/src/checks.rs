//! Post-CPI checks, in one module (cf. Kamino kvault's `vault_checks.rs`): after the token
//! moves and venue calls of an instruction, the handler re-reads the balances and supplies
//! they changed and requires exactly the intended change, and that internal accounting never
//! exceeds the real balances.

use anchor_lang::prelude::*;

use crate::cpi::{mint_supply, token_balance};
use crate::error::VaultError;

/// How a balance or supply must have moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Up(u64),
    Down(u64),
}

/// A token balance or mint supply read before the CPIs of an instruction.
#[derive(Clone, Copy, Debug)]
pub struct Before {
    value: u64,
}

impl Before {
    /// The balance of a token account now.
    pub fn balance(account: &AccountInfo) -> Result<Self> {
        Ok(Self {
            value: token_balance(account)?,
        })
    }

    /// The supply of a mint now.
    pub fn supply(mint: &AccountInfo) -> Result<Self> {
        Ok(Self {
            value: mint_supply(mint)?,
        })
    }

    pub fn value(&self) -> u64 {
        self.value
    }

    /// This value moved by `change`, or an error when that would leave `u64`.
    fn expected(&self, change: Change) -> Result<u64> {
        match change {
            Change::Up(d) => self.value.checked_add(d),
            Change::Down(d) => self.value.checked_sub(d),
        }
        .ok_or_else(|| error!(VaultError::VaultUnexpectedBalanceChange))
    }

    /// The token account's balance moved by exactly `change` since.
    pub fn expect_balance(&self, account: &AccountInfo, change: Change) -> Result<u64> {
        let now = token_balance(account)?;
        require!(
            now == self.expected(change)?,
            VaultError::VaultUnexpectedBalanceChange
        );
        Ok(now)
    }

    /// The mint's supply moved by exactly `change` since.
    pub fn expect_supply(&self, mint: &AccountInfo, change: Change) -> Result<u64> {
        let now = mint_supply(mint)?;
        require!(
            now == self.expected(change)?,
            VaultError::VaultUnexpectedBalanceChange
        );
        Ok(now)
    }

    /// What a venue took from (`taken`, the balance fell) an account, refusing a rise.
    pub fn taken_from(&self, account: &AccountInfo) -> Result<u64> {
        self.value
            .checked_sub(token_balance(account)?)
            .ok_or_else(|| error!(VaultError::VaultUnexpectedBalanceChange))
    }

    /// What a venue paid into an account, refusing a fall.
    pub fn received_by(&self, account: &AccountInfo) -> Result<u64> {
        token_balance(account)?
            .checked_sub(self.value)
            .ok_or_else(|| error!(VaultError::VaultUnexpectedBalanceChange))
    }
}

/// Internal accounting of a token account never exceeds its real balance.
pub fn accounting_within(accounted: u64, account: &AccountInfo) -> Result<()> {
    require!(
        accounted <= token_balance(account)?,
        VaultError::VaultAccountingExceedsBalance
    );
    Ok(())
}

/// The checks after a flow between a user and the vault's base account: the base balance
/// moved by exactly `base` and the share supply by exactly `shares`, the idle base is within
/// the balance, and the vault holds its invariant. Returns the vault, for the event.
pub fn after_flow<'a>(
    vault: &'a AccountLoader<crate::state::Vault>,
    base_vault: &AccountInfo,
    (base_before, base): (Before, Change),
    share_mint: &AccountInfo,
    (supply_before, shares): (Before, Change),
) -> Result<core::cell::Ref<'a, crate::state::Vault>> {
    base_before.expect_balance(base_vault, base)?;
    supply_before.expect_supply(share_mint, shares)?;
    let v = vault.load()?;
    accounting_within(v.base_accounted()?, base_vault)?;
    v.invariant()?;
    Ok(v)
}
