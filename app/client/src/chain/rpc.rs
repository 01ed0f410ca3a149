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
        None => ClientError::Chain(e.to_string()),
    }
}

impl ChainClient for RpcChain {
    fn get_account(&self, key: &Pubkey) -> Result<Option<Account>, ClientError> {
        self.rpc
            .get_account_with_commitment(key, self.rpc.commitment())
            .map(|r| r.value)
            .map_err(chain_err)
    }

    fn get_multiple_accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClientError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            out.extend(self.rpc.get_multiple_accounts(chunk).map_err(chain_err)?);
        }
        Ok(out)
    }

    fn clock(&self) -> Result<ChainClock, ClientError> {
        let acc = self.account(&CLOCK_SYSVAR)?;
        clock_from_sysvar(&acc.data)
    }

    fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        self.rpc.get_latest_blockhash().map_err(chain_err)
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
            .map_err(chain_err)?
            .value;
        let logs = r.logs.unwrap_or_default();
        Ok(Simulation {
            units_consumed: r.units_consumed.unwrap_or(0),
            error: r.err.map(|e| transaction_error(e.into(), logs.clone())),
            logs,
        })
    }

    fn send_and_confirm(&self, tx: &VersionedTransaction) -> Result<Signature, ClientError> {
        self.rpc.send_and_confirm_transaction(tx).map_err(chain_err)
    }

    fn recent_prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClientError> {
        Ok(self
            .rpc
            .get_recent_prioritization_fees(accounts)
            .map_err(chain_err)?
            .into_iter()
            .map(|f| f.prioritization_fee)
            .collect())
    }

    fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        self.rpc
            .get_minimum_balance_for_rent_exemption(len)
            .map_err(chain_err)
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
