//! The withdrawal queue: depositors whom the idle base cannot pay at once get their base token
//! later, without redeeming in kind.
//!
//! - `request_withdraw` moves shares into the vault's escrow and records what they are owed
//!   at most: their value now at the low side, less the flow levy ([`request`]). The request
//!   is a flow out like a withdrawal: it pays the levy and nets against deposits.
//! - The queued value raises the base target of every rebalance
//!   (`operations::rebalance::portfolio`), so keepers sell into base through the usual checks;
//!   `withdraw` may not take the idle base the queue is owed (`Vault::free_idle`).
//! - `fill_withdraw`, permissionless, pays the request at the head of the queue from the idle
//!   base ([`fill`]): requests are served first in, first out, in part when the idle base is
//!   short, and nobody can be paid ahead of an earlier request. A fill pays the lower of the
//!   value at request and the value now (scaled by the same levy), the rule of Drift's vaults:
//!   a request is never a free option on the price. It burns the shares it pays for and moves
//!   the payment out of the idle base into `queue_payable`.
//! - `claim_withdraw`, permissionless, sends what was filled to the receiver fixed at request,
//!   and closes the request once it is done. Filling never depends on the receiver, so a closed
//!   or frozen receiver delays no one else.
//! - `cancel_withdraw`, by the owner, returns the unfilled shares ([`cancel`]). Before the
//!   governed `max_withdraw_wait_s` it keeps the levy (as shares burned), which pays for the
//!   trades the request caused; after it, it keeps nothing, so a holder whom the queue did not
//!   serve in time redeems in kind at no extra cost (cancel and `redeem_in_kind` in one
//!   transaction; neither needs an oracle).

use anchor_lang::prelude::*;

use super::fees::ManagementAccrual;
use super::flow::{self, Flow};
use super::withdraw::{exit_value, ExitValue};
use crate::error::VaultError;
use crate::math::nav::PriceSide;
use crate::math::shares::value_for_shares_floor;
use crate::math::{mul_div_floor, MathError};
use crate::pricing::PricedVault;
use crate::state::{Vault, WithdrawRequest};

/// A new request of `shares`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestEffects {
    pub exit: ExitValue,
    /// Base units owed at most: the value less the levy.
    pub owed: u64,
}

/// Values a request of `shares` ([`exit_value`]); refuses one owed nothing or less than
/// `min_owed`.
pub fn request(
    vault: &Vault,
    priced: &PricedVault,
    minted_supply: u64,
    shares: u64,
    min_owed: u64,
    now_ts: i64,
) -> Result<RequestEffects> {
    let exit = exit_value(vault, priced, minted_supply, shares, now_ts)?;
    let owed = exit.net();
    require!(owed > 0, VaultError::QueueZeroOwed);
    require!(owed >= min_owed, VaultError::QueueSlippageExceeded);
    Ok(RequestEffects { exit, owed })
}

impl RequestEffects {
    /// Queues the request: the fee accrual, the escrowed shares and owed value, the waiting
    /// flow. Returns the request's id.
    pub fn apply(&self, vault: &mut Vault, now_ts: i64) -> Result<u64> {
        vault.apply_management_accrual(&self.exit.management, now_ts)?;
        vault.queue_shares = add(vault.queue_shares, self.exit.shares)?;
        vault.queue_owed = add(vault.queue_owed, self.owed)?;
        let id = vault.queue_next;
        vault.queue_next = add(id, 1)?;
        flow::record(vault, Flow::Out(self.owed), now_ts)?;
        Ok(id)
    }

    /// The request account it opens.
    pub fn request_account(
        &self,
        vault: Pubkey,
        owner: Pubkey,
        receiver: Pubkey,
        id: u64,
        now_ts: i64,
        bump: u8,
    ) -> WithdrawRequest {
        WithdrawRequest {
            vault,
            owner,
            receiver,
            id,
            shares: self.exit.shares,
            owed: self.owed,
            gross: self.exit.gross,
            payable: 0,
            requested_ts: now_ts,
            bump,
        }
    }
}

/// A fill of the request at the head of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillEffects {
    /// Escrowed shares burned.
    pub shares: u64,
    /// Base units moved from the idle base to the request's payable.
    pub paid: u64,
    /// The part of the request's owed value (and of its gross) this fill settles.
    pub owed_released: u64,
    pub gross_released: u64,
    /// What the whole request would be paid now.
    pub full: u64,
    pub management: ManagementAccrual,
    pub nav_before: u64,
    pub supply_before: u64,
}

/// The lower of the request value and the value now of `shares` of `r`, both net of the
/// request's levy; the first term is also the owed value the shares settle.
fn payout(r: &WithdrawRequest, shares: u64, nav: u64, supply: u64) -> Result<(u64, u64)> {
    let at_request = part(r.owed, shares, r.shares)?;
    let now = value_for_shares_floor(shares, nav, supply)?;
    let at_fill = if r.gross == 0 {
        0
    } else {
        mul_div_floor(now, r.owed, r.gross)?
    };
    Ok((at_request.min(at_fill), at_request))
}

/// `whole × k / of`, rounded down, and exactly `whole` for all of it.
fn part(whole: u64, k: u64, of: u64) -> Result<u64> {
    if k == of {
        Ok(whole)
    } else {
        Ok(mul_div_floor(whole, k, of)?)
    }
}

/// Pays as much of the head request `r` as the idle base covers, at the lower of its value at
/// request and its value now (low side).
pub fn fill(
    vault: &Vault,
    r: &WithdrawRequest,
    priced: &PricedVault,
    minted_supply: u64,
    now_ts: i64,
) -> Result<FillEffects> {
    require!(r.id == vault.queue_head, VaultError::QueueNotHead);
    require!(r.shares > 0, VaultError::QueueRequestEmpty);
    let management = super::fees::accrue_management(vault, minted_supply, now_ts)?;
    let supply_before = add(vault.pricing_supply(minted_supply)?, management.shares)?;
    let nav_before = priced.nav(vault, PriceSide::Low)?;
    let (full, _) = payout(r, r.shares, nav_before, supply_before)?;
    let shares = if full <= vault.idle_base {
        r.shares
    } else {
        mul_div_floor(r.shares, vault.idle_base, full)?
    };
    require!(shares > 0, VaultError::QueueNotFunded);
    let (paid, owed_released) = payout(r, shares, nav_before, supply_before)?;
    // A part that pays nothing (idle dust against shares worth less than a base unit each)
    // would burn shares for nothing; the whole of a request worth nothing may settle at 0.
    require!(paid > 0 || shares == r.shares, VaultError::QueueNotFunded);
    Ok(FillEffects {
        shares,
        paid: paid.min(vault.idle_base),
        owed_released,
        gross_released: part(r.gross, shares, r.shares)?,
        full,
        management,
        nav_before,
        supply_before,
    })
}

impl FillEffects {
    /// Records the fill in the vault and the request; a request filled in full passes the
    /// head of the queue on.
    pub fn apply(&self, vault: &mut Vault, r: &mut WithdrawRequest, now_ts: i64) -> Result<()> {
        vault.apply_management_accrual(&self.management, now_ts)?;
        vault.debit_idle(self.paid)?;
        vault.queue_payable = add(vault.queue_payable, self.paid)?;
        vault.queue_owed = sub(vault.queue_owed, self.owed_released)?;
        vault.queue_shares = sub(vault.queue_shares, self.shares)?;
        r.shares = sub(r.shares, self.shares)?;
        r.owed = sub(r.owed, self.owed_released)?;
        r.gross = sub(r.gross, self.gross_released)?;
        r.payable = add(r.payable, self.paid)?;
        if r.shares == 0 {
            pass(vault, r)?;
        }
        Ok(())
    }

    pub fn supply_after(&self) -> u64 {
        self.supply_before.saturating_sub(self.shares)
    }
}

/// Moves the head past `r` once it holds no shares (filled or cancelled).
pub fn pass(vault: &mut Vault, r: &WithdrawRequest) -> Result<()> {
    require!(r.id == vault.queue_head, VaultError::QueueNotHead);
    require!(r.shares == 0, VaultError::QueueNotFunded);
    vault.queue_head = add(vault.queue_head, 1)?;
    Ok(())
}

/// A cancellation of what is left of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelEffects {
    /// Escrowed shares returned to the owner.
    pub returned: u64,
    /// Escrowed shares burned: the levy, kept by the holders who stay (none after the
    /// longest wait).
    pub burned: u64,
    /// The owed value the request gives up.
    pub owed_released: u64,
    /// The longest wait had passed.
    pub late: bool,
    pub management: ManagementAccrual,
}

/// Cancels the unfilled part of `r` at `now_ts`. Uses no price.
pub fn cancel(
    vault: &Vault,
    r: &WithdrawRequest,
    minted_supply: u64,
    now_ts: i64,
) -> Result<CancelEffects> {
    require!(r.shares > 0, VaultError::QueueRequestEmpty);
    let management = super::fees::accrue_management(vault, minted_supply, now_ts)?;
    let deadline = r
        .requested_ts
        .saturating_add(i64::from(vault.rebalance.max_withdraw_wait_s));
    let late = now_ts >= deadline;
    let returned = if late || r.gross == 0 {
        r.shares
    } else {
        mul_div_floor(r.shares, r.owed, r.gross)?.min(r.shares)
    };
    Ok(CancelEffects {
        returned,
        burned: r.shares.saturating_sub(returned),
        owed_released: r.owed,
        late,
        management,
    })
}

impl CancelEffects {
    /// Takes the request out of the queue's totals (its waiting flow with it), empties it, and
    /// passes the head on when it was the head.
    pub fn apply(&self, vault: &mut Vault, r: &mut WithdrawRequest, now_ts: i64) -> Result<()> {
        vault.apply_management_accrual(&self.management, now_ts)?;
        vault.queue_shares = sub(vault.queue_shares, add(self.returned, self.burned)?)?;
        vault.queue_owed = sub(vault.queue_owed, self.owed_released)?;
        flow::record(vault, Flow::In(self.owed_released), now_ts)?;
        r.shares = 0;
        r.owed = 0;
        r.gross = 0;
        if r.id == vault.queue_head {
            pass(vault, r)?;
        }
        Ok(())
    }
}

/// What `claim_withdraw` pays out of `r`, and whether the request is then done: empty,
/// passed by the head, and paid.
pub fn claim(vault: &Vault, r: &WithdrawRequest) -> Result<(u64, bool)> {
    let done = r.shares == 0 && r.id < vault.queue_head;
    require!(r.payable > 0 || done, VaultError::QueueNothingToClaim);
    Ok((r.payable, done))
}

/// Records a payout of `amount` from `r`.
pub fn apply_claim(vault: &mut Vault, r: &mut WithdrawRequest, amount: u64) -> Result<()> {
    vault.queue_payable = sub(vault.queue_payable, amount)?;
    r.payable = sub(r.payable, amount)?;
    Ok(())
}

fn add(a: u64, b: u64) -> Result<u64> {
    Ok(a.checked_add(b).ok_or(MathError::Overflow)?)
}

fn sub(a: u64, b: u64) -> Result<u64> {
    Ok(a.checked_sub(b).ok_or(MathError::Overflow)?)
}
