//! The RPC backend: a real cluster through `solana-rpc-client` (blocking).

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as RpcError, ErrorKind};
use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
use solana_rpc_client_api::request::{RpcError as RpcRequestError, RpcResponseErrorData};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use super::{transaction_error, ChainClient, ChainClock, Simulation};

const CLOCK_SYSVAR: Pubkey = anchor_lang::pubkey!("SysvarC1ock11111111111111111111111111111111");
use crate::error::ClientError;

pub struct RpcChain {
    pub rpc: RpcClient,
}

impl RpcChain {
    pub fn new(url: &str) -> Self {
        Self {
            rpc: RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed()),
        }
    }

    /// An error of this endpoint: a transaction's error as the program's, anything else (the
    /// node unreachable, an HTTP status, a reply that is not JSON-RPC) naming the URL.
    fn err(&self, e: RpcError) -> ClientError {
        match chain_err(e) {
            ClientError::Chain(m) => ClientError::Chain(format!("RPC {}: {m}", self.rpc.url())),
            other => other,
        }
    }
}

fn chain_err(e: RpcError) -> ClientError {
    if let ErrorKind::RpcError(RpcRequestError::RpcResponseError {
        data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        ..
    }) = e.kind()
    {
        if let Some(err) = sim.err.clone() {
            return transaction_error(err.into(), sim.logs.clone().unwrap_or_default());
        }
    }
    match e.get_transaction_error() {
        Some(err) => transaction_error(err, vec![]),
        None => {
            // The whole cause: "error sending request" alone does not say the node refused
            // the connection, timed out or answered 429.
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                let c_text = c.to_string();
                if !text.contains(&c_text) {
                    text = format!("{text}: {c_text}");
                }
                cause = c.source();
            }
            ClientError::Chain(text)
        }
    }
}

impl ChainClient for RpcChain {
    fn get_account(&self, key: &Pubkey) -> Result<Option<Account>, ClientError> {
        // Not `get_account_with_commitment`: it reports every transport failure as
        // `AccountNotFound`.
        Ok(self.get_multiple_accounts(&[*key])?.pop().flatten())
    }

    fn get_multiple_accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClientError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            out.extend(
                self.rpc
                    .get_multiple_accounts(chunk)
                    .map_err(|e| self.err(e))?,
            );
        }
        Ok(out)
    }

    fn clock(&self) -> Result<ChainClock, ClientError> {
        let acc = self.account(&CLOCK_SYSVAR)?;
        clock_from_sysvar(&acc.data)
    }

    fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        self.rpc.get_latest_blockhash().map_err(|e| self.err(e))
    }

    fn simulate(&self, tx: &VersionedTransaction) -> Result<Simulation, ClientError> {
        let cfg = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(self.rpc.commitment()),
            ..Default::default()
        };
        let r = self
            .rpc
            .simulate_transaction_with_config(tx, cfg)
            .map_err(|e| self.err(e))?
            .value;
        let logs = r.logs.unwrap_or_default();
        Ok(Simulation {
            units_consumed: r.units_consumed.unwrap_or(0),
            error: r.err.map(|e| transaction_error(e.into(), logs.clone())),
            logs,
        })
    }

    fn send_and_confirm(&self, tx: &VersionedTransaction) -> Result<Signature, ClientError> {
        self.rpc
            .send_and_confirm_transaction(tx)
            .map_err(|e| self.err(e))
    }

    fn recent_prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClientError> {
        Ok(self
            .rpc
            .get_recent_prioritization_fees(accounts)
            .map_err(|e| self.err(e))?
            .into_iter()
            .map(|f| f.prioritization_fee)
            .collect())
    }

    fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        self.rpc
            .get_minimum_balance_for_rent_exemption(len)
            .map_err(|e| self.err(e))
    }
}

/// The `Clock` sysvar's layout: slot, epoch start timestamp, epoch, leader schedule epoch,
/// unix timestamp (8 bytes each, little-endian).
pub fn clock_from_sysvar(data: &[u8]) -> Result<ChainClock, ClientError> {
    if data.len() < 40 {
        return Err(ClientError::Decode("clock sysvar too short".into()));
    }
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[i * 8..i * 8 + 8]);
        b
    };
    Ok(ChainClock {
        slot: u64::from_le_bytes(word(0)),
        unix_timestamp: i64::from_le_bytes(word(4)),
    })
}
