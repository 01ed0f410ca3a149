//! WebSocket subscriptions, as a validator's pubsub port (the RPC port + 1, where
//! `@solana/web3.js` looks): `signatureSubscribe` (one notification when the transaction has
//! run, then the subscription ends) and `accountSubscribe` (a notification whenever the
//! account changes), with their `…Unsubscribe`.
//!
//! Connections register here; the node's thread publishes: after every transaction it runs
//! ([`Registry::signature_processed`]) and after every market tick and transaction
//! ([`Registry::accounts`] with the current accounts).

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder::{encode_ui_account, UiAccountEncoding};
use solana_rpc_client_api::response::{Response, RpcResponseContext};
use solana_signature::Signature;
use solana_transaction_error::TransactionError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;

/// Where a connection's messages go.
pub type Outbox = UnboundedSender<String>;

struct AccountSub {
    key: Pubkey,
    encoding: UiAccountEncoding,
    out: Outbox,
    /// What was last sent (or seen at subscription): a notification goes out on a change.
    last: Option<Account>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    signatures: HashMap<Signature, Vec<(u64, Outbox)>>,
    accounts: HashMap<u64, AccountSub>,
}

/// Every subscription of every connection.
#[derive(Clone, Default)]
pub struct Registry(Arc<Mutex<Inner>>);

pub(crate) fn notification(method: &str, subscription: u64, slot: u64, value: Value) -> String {
    let result = serde_json::to_value(Response {
        context: RpcResponseContext::new(slot),
        value,
    })
    .expect("serializable");
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": { "result": result, "subscription": subscription },
    })
    .to_string()
}

fn signature_notification(id: u64, slot: u64, err: &Option<TransactionError>) -> String {
    let err = err
        .clone()
        .map(solana_transaction_status_client_types::UiTransactionError::from);
    notification("signatureNotification", id, slot, json!({ "err": err }))
}

impl Registry {
    /// Subscribes `out` to `sig`; returns the subscription id.
    pub fn subscribe_signature(&self, sig: Signature, out: Outbox) -> u64 {
        let mut g = self.0.lock().unwrap();
        g.next_id += 1;
        let id = g.next_id;
        g.signatures.entry(sig).or_default().push((id, out));
        id
    }

    /// Subscribes `out` to the account `key`, as it is now (`current`).
    pub fn subscribe_account(
        &self,
        key: Pubkey,
        encoding: UiAccountEncoding,
        current: Option<Account>,
        out: Outbox,
    ) -> u64 {
        let mut g = self.0.lock().unwrap();
        g.next_id += 1;
        let id = g.next_id;
        g.accounts.insert(
            id,
            AccountSub {
                key,
                encoding,
                out,
                last: current,
            },
        );
        id
    }

    /// Ends subscription `id` (of either kind); whether it existed.
    pub fn unsubscribe(&self, id: u64) -> bool {
        let mut g = self.0.lock().unwrap();
        let mut found = g.accounts.remove(&id).is_some();
        for subs in g.signatures.values_mut() {
            let before = subs.len();
            subs.retain(|(i, _)| *i != id);
            found |= subs.len() != before;
        }
        g.signatures.retain(|_, s| !s.is_empty());
        found
    }

    /// `sig` ran in `slot` with `err`: one notification to each subscriber, which then ends.
    pub fn signature_processed(&self, sig: &Signature, slot: u64, err: &Option<TransactionError>) {
        let subs = self.0.lock().unwrap().signatures.remove(sig);
        for (id, out) in subs.unwrap_or_default() {
            let _ = out.send(signature_notification(id, slot, err));
        }
    }

    /// The accounts subscribed to, for the node to read.
    pub fn account_keys(&self) -> Vec<Pubkey> {
        let g = self.0.lock().unwrap();
        let mut keys: Vec<Pubkey> = g.accounts.values().map(|s| s.key).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The subscribed accounts as they are now (`now`, by key) in `slot`: a notification for
    /// each that changed. A closed account's notification carries no value.
    pub fn accounts(&self, now: &HashMap<Pubkey, Option<Account>>, slot: u64) {
        let mut g = self.0.lock().unwrap();
        g.accounts.retain(|id, sub| {
            let Some(current) = now.get(&sub.key) else {
                return true;
            };
            if *current == sub.last {
                return true;
            }
            sub.last = current.clone();
            let value = current
                .as_ref()
                .map(|a| {
                    serde_json::to_value(encode_ui_account(&sub.key, a, sub.encoding, None, None))
                        .expect("serializable")
                })
                .unwrap_or(Value::Null);
            // A connection gone: its subscription goes too.
            sub.out
                .send(notification("accountNotification", *id, slot, value))
                .is_ok()
        });
    }
}
