//! A queued withdrawal: shares in the vault's escrow, waiting for the idle base to pay them.

use anchor_lang::prelude::*;

/// One request of the withdrawal queue, at `[WITHDRAW_REQUEST_SEED, vault, id]`. The amounts
/// shrink as fills pay it; it closes (rent to `owner`) once filled or cancelled, passed by the
/// queue's head and paid out.
#[account]
#[derive(Debug, InitSpace, PartialEq, Eq)]
pub struct WithdrawRequest {
    pub vault: Pubkey,
    pub owner: Pubkey,
    /// Base token account every payment of this request goes to (fixed at request).
    pub receiver: Pubkey,
    /// Position in the queue: requests are filled in this order.
    pub id: u64,
    /// Shares in escrow, not yet filled.
    pub shares: u64,
    /// Base units those shares are owed at most: their value at request (low side), less the
    /// flow levy.
    pub owed: u64,
    /// Their value at request before the levy: `owed / gross` is the share a fill pays of the
    /// value at fill, so a fall in price is shared and a rise is not.
    pub gross: u64,
    /// Filled and not yet paid out to `receiver`.
    pub payable: u64,
    pub requested_ts: i64,
    pub bump: u8,
}

impl WithdrawRequest {
    /// Checks the account belongs to `vault` (and, when given, to `owner`).
    pub fn check(&self, vault: &Pubkey, owner: Option<&Pubkey>) -> Result<()> {
        require!(
            self.vault == *vault && owner.is_none_or(|o| *o == self.owner),
            crate::error::VaultError::QueueRequestMismatch
        );
        Ok(())
    }
}
