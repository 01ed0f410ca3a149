//! The withdrawal queue as the off-chain tools see it: its requests read by id, and what a
//! request, a fill or a claim would do now, by the program's own `operations::queue`.
//!
//! Requests are PDAs numbered from 0 (`pda::withdraw_request`). The open ones are
//! `queue_head..queue_next`; a request the head has passed stays open until its payment is
//! claimed, which anyone may do and the keeper does after every fill, so readers look a few
//! ids behind the head as well ([`CLAIM_LOOKBACK`]). `claim` and `cancel-withdraw` take any id.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::math::nav::PriceSide;
use portfolio_vault::operations::queue::{self, FillEffects, RequestEffects};
use portfolio_vault::operations::withdraw::{exit_value, ExitValue};
use portfolio_vault::state::{Vault, WithdrawRequest};
use std::ops::Range;

use crate::chain::ChainClient;
use crate::error::{anchor_error, ClientError};
use crate::snapshot::VaultSnapshot;
use crate::{decode, pda};

/// Requests behind the head a reader still looks at for an unclaimed payment.
pub const CLAIM_LOOKBACK: u64 = 64;
/// Accounts one `getMultipleAccounts` call asks for (the RPC limit).
const BATCH: usize = 100;

/// A request with its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub address: Pubkey,
    pub request: WithdrawRequest,
}

impl Queued {
    /// Nothing is left to fill, or to pay out: the request is waiting only for its claim to
    /// close it (or for a claim of `payable`).
    pub fn claimable(&self, vault: &Vault) -> bool {
        queue::claim(vault, &self.request).is_ok()
    }
}

/// The ids a reader looks at: the open requests and the last [`CLAIM_LOOKBACK`] before them.
pub fn window(vault: &Vault) -> Range<u64> {
    vault.queue_head.saturating_sub(CLAIM_LOOKBACK)..vault.queue_next
}

/// The requests of `vault` with ids in `ids` that exist, in id order.
pub fn load(
    chain: &dyn ChainClient,
    vault: &Pubkey,
    ids: Range<u64>,
) -> Result<Vec<Queued>, ClientError> {
    let addresses: Vec<Pubkey> = ids.map(|id| pda::withdraw_request(vault, id)).collect();
    let mut out = vec![];
    for chunk in addresses.chunks(BATCH) {
        for (address, acc) in chunk.iter().zip(chain.get_multiple_accounts(chunk)?) {
            if let Some(acc) = acc {
                let request: WithdrawRequest = decode::anchor("withdraw request", &acc.data)?;
                out.push(Queued {
                    address: *address,
                    request,
                });
            }
        }
    }
    Ok(out)
}

/// The request at the head of the queue, if one waits.
pub fn head(chain: &dyn ChainClient, s: &VaultSnapshot) -> Result<Option<Queued>, ClientError> {
    let v = &s.vault;
    if v.queue_head >= v.queue_next {
        return Ok(None);
    }
    Ok(load(chain, &s.keys.vault, v.queue_head..v.queue_head + 1)?
        .into_iter()
        .next())
}

impl VaultSnapshot {
    /// What `shares` are worth on the way out now: at the low side, with the flow levy an exit
    /// pays (`operations::withdraw::exit_value`).
    pub fn preview_exit(&self, shares: u64) -> Result<ExitValue, ClientError> {
        let priced = self.priced_or_err()?;
        exit_value(&self.vault, &priced, self.share_supply, shares, self.now).map_err(anchor_error)
    }

    /// The fewest shares whose exit pays at least `amount` base units after the levy
    /// ([`VaultSnapshot::preview_exit`]): what an exit "by amount" burns.
    pub fn shares_for_exit(&self, amount: u64) -> Result<u64, ClientError> {
        let supply = self.pricing_supply()?.max(1) as u128;
        let nav = self.nav(PriceSide::Low)?.max(1) as u128;
        let more = |short: u64| ((short as u128 * supply).div_ceil(nav) as u64).max(1);
        let mut shares = more(amount);
        // The levy and the rounding take a little: add what is still short, a few times.
        for _ in 0..8 {
            let net = self.preview_exit(shares)?.net();
            if net >= amount {
                return Ok(shares);
            }
            shares = shares.saturating_add(more(amount - net));
        }
        Err(ClientError::Other(format!(
            "no number of shares pays {amount} base units at the exit price now"
        )))
    }

    /// What `request_withdraw(shares)` would record now (its owed value is the floor to ask
    /// for as `min_owed`).
    pub fn preview_request(&self, shares: u64) -> Result<RequestEffects, ClientError> {
        let priced = self.priced_or_err()?;
        queue::request(&self.vault, &priced, self.share_supply, shares, 0, self.now)
            .map_err(anchor_error)
    }

    /// What `fill_withdraw` would pay `r` now; the program's refusal (not the head, nothing to
    /// pay it with) otherwise.
    pub fn preview_fill(&self, r: &WithdrawRequest) -> Result<FillEffects, ClientError> {
        let priced = self.priced_or_err()?;
        queue::fill(&self.vault, r, &priced, self.share_supply, self.now).map_err(anchor_error)
    }
}
