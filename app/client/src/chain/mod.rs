//! The one interface every off-chain tool talks to a chain through, with two backends: RPC
//! for real clusters ([`rpc::RpcChain`]) and an in-process bank running the three programs
//! ([`bank::BankChain`], feature `bank`) for the simulator and the tests.

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_hash::Hash;
use solana_instruction::{error::InstructionError, Instruction};
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_signature::Signature;
use solana_signer::Signer;
pub use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::error::{describe, ClientError};

#[cfg(feature = "bank")]
pub mod bank;
pub mod rpc;

/// The cluster clock (the `Clock` sysvar's fields keepers use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainClock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

/// What a simulation says: the compute units it used and its logs, or why it failed.
#[derive(Debug)]
pub struct Simulation {
    pub units_consumed: u64,
    pub logs: Vec<String>,
    pub error: Option<ClientError>,
}

pub trait ChainClient {
    fn get_account(&self, key: &Pubkey) -> Result<Option<Account>, ClientError>;

    fn get_multiple_accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClientError> {
        keys.iter().map(|k| self.get_account(k)).collect()
    }

    fn clock(&self) -> Result<ChainClock, ClientError>;

    fn latest_blockhash(&self) -> Result<Hash, ClientError>;

    fn simulate(&self, tx: &VersionedTransaction) -> Result<Simulation, ClientError>;

    /// Sends and waits for confirmation; a failed transaction is `Err` with the program's
    /// error named when it is one.
    fn send_and_confirm(&self, tx: &VersionedTransaction) -> Result<Signature, ClientError>;

    /// Priority fees (micro-lamports per compute unit) recently paid by transactions that
    /// wrote `accounts`; empty where the backend has no fee market.
    fn recent_prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClientError>;

    fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError>;

    /// An account that must exist.
    fn account(&self, key: &Pubkey) -> Result<Account, ClientError> {
        self.get_account(key)?
            .ok_or_else(|| ClientError::MissingAccount(key.to_string()))
    }
}

/// Static accounts a legacy transaction may carry in this runtime (the packet limit): above
/// it a transaction must go as v0 through a lookup table.
pub const MAX_LEGACY_ACCOUNTS: usize = 38;

/// A signed transaction: legacy when `lookup_tables` is empty, otherwise v0 through them.
pub fn build_transaction(
    payer: &Pubkey,
    instructions: &[Instruction],
    signers: &[&dyn Signer],
    blockhash: Hash,
    lookup_tables: &[AddressLookupTableAccount],
) -> Result<VersionedTransaction, ClientError> {
    let message = unsigned_message(payer, instructions, blockhash, lookup_tables)?;
    VersionedTransaction::try_new(message, signers)
        .map_err(|e| ClientError::Other(format!("signing: {e}")))
}

/// The message of a transaction, for signing elsewhere (a multisig, a hardware wallet). It
/// carries a compute-unit limit sized by the budget model (`compute::with_limit`) unless the
/// instructions set one.
pub fn unsigned_message(
    payer: &Pubkey,
    instructions: &[Instruction],
    blockhash: Hash,
    lookup_tables: &[AddressLookupTableAccount],
) -> Result<VersionedMessage, ClientError> {
    let instructions = &crate::compute::with_limit(instructions)[..];
    Ok(if lookup_tables.is_empty() {
        VersionedMessage::Legacy(solana_message::Message::new_with_blockhash(
            instructions,
            Some(payer),
            &blockhash,
        ))
    } else {
        VersionedMessage::V0(
            v0::Message::try_compile(payer, instructions, lookup_tables, blockhash)
                .map_err(|e| ClientError::Other(format!("compiling v0 message: {e}")))?,
        )
    })
}

/// Serialised size of a transaction (the network limit is 1,232 bytes).
pub fn transaction_size(tx: &VersionedTransaction) -> usize {
    bincode_len(tx)
}

fn bincode_len(tx: &VersionedTransaction) -> usize {
    // signatures (compact-u16 length + 64 each) + message
    let sigs = tx.signatures.len();
    let prefix = if sigs < 0x80 { 1 } else { 2 };
    prefix + sigs * 64 + tx.message.serialize().len()
}

/// Turns a failed transaction into a [`ClientError`], naming a program error from its code.
pub fn transaction_error(err: TransactionError, logs: Vec<String>) -> ClientError {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            ClientError::Program(describe(code, &logs))
        }
        other => ClientError::Transaction {
            message: other.to_string(),
            logs,
        },
    }
}

/// The address lookup table at `key`, as a v0 message needs it.
pub fn fetch_lookup_table(
    chain: &dyn ChainClient,
    key: &Pubkey,
) -> Result<AddressLookupTableAccount, ClientError> {
    let acc = chain.account(key)?;
    let table =
        solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(&acc.data)
            .map_err(|e| ClientError::Decode(format!("lookup table {key}: {e}")))?;
    Ok(AddressLookupTableAccount {
        key: *key,
        addresses: table.addresses.to_vec(),
    })
}
