//! The global invariants of the security model, in one place for the simulator and the tests:
//! the share mint's supply equals the sum of every share balance (dead and fee shares
//! and escrowed shares included), internal accounting never exceeds the real token balances
//! (the queue's escrow and payable base included), and the vault account's own `invariant()`
//! holds.

use anchor_lang::prelude::Pubkey;
use solana_account::Account;

use crate::decode;
use crate::keys::VaultKeys;

/// The accounts [`check_accounts`] reads, in its order: the vault, the share mint, the base
/// account, every asset's token account, the withdrawal queue's share escrow (absent before
/// the first request), then `share_accounts`.
pub fn accounts(keys: &VaultKeys, share_accounts: &[Pubkey]) -> Vec<Pubkey> {
    let mut out = vec![keys.vault, keys.share_mint, keys.base_vault];
    out.extend(keys.assets.iter().map(|a| a.token_account));
    out.push(crate::pda::share_escrow(&keys.vault));
    out.extend_from_slice(share_accounts);
    out
}

/// Checks the invariants over `fetched`, the accounts of [`accounts`] in that order.
pub fn check_accounts(
    keys: &VaultKeys,
    share_accounts: &[Pubkey],
    fetched: &[Option<Account>],
) -> Result<(), String> {
    let wanted = accounts(keys, share_accounts);
    if fetched.len() != wanted.len() {
        return Err(format!(
            "{} accounts read for {} wanted",
            fetched.len(),
            wanted.len()
        ));
    }
    let get = |i: usize| {
        fetched[i]
            .as_ref()
            .ok_or_else(|| format!("account {} missing", wanted[i]))
    };
    let amount = |i: usize| -> Result<u64, String> {
        Ok(decode::token_account(&get(i)?.data)
            .map_err(|e| format!("{}: {e}", wanted[i]))?
            .amount)
    };
    let v = decode::vault(&get(0)?.data).map_err(|e| e.to_string())?;
    let supply = decode::mint(&get(1)?.data)
        .map_err(|e| e.to_string())?
        .supply;
    let base = amount(2)?;
    let accounted = v.base_accounted().map_err(|e| e.to_string())?;
    if accounted > base {
        return Err(format!(
            "idle_base {} + queue_payable {} above the base balance {base}",
            v.idle_base, v.queue_payable
        ));
    }
    let n = keys.n();
    for i in 0..n {
        let bal = amount(3 + i)?;
        if v.assets[i].holdings > bal {
            return Err(format!(
                "asset {i}: holdings {} above the balance {bal}",
                v.assets[i].holdings
            ));
        }
    }
    let escrow = if fetched[3 + n].is_some() {
        amount(3 + n)?
    } else {
        0
    };
    if v.queue_shares > escrow {
        return Err(format!(
            "queue_shares {} above the escrow balance {escrow}",
            v.queue_shares
        ));
    }
    let mut sum = escrow;
    for i in 4 + n..wanted.len() {
        sum = sum
            .checked_add(amount(i)?)
            .ok_or("share balances overflow u64")?;
    }
    if sum != supply {
        return Err(format!(
            "share supply {supply} != sum of share balances {sum}"
        ));
    }
    v.invariant().map_err(|e| format!("vault invariant: {e}"))
}
