//! The node: one thread owns the in-process bank and its simulated market, and answers Solana
//! JSON-RPC calls one at a time between the market's ticks. Responses are the solana RPC
//! crates' own types, so `solana-rpc-client`, `@solana/web3.js` and Anchor parse them as they
//! parse a validator's.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder::{encode_ui_account, UiAccount, UiAccountEncoding, UiDataSliceConfig};
use solana_hash::Hash;
use solana_message::VersionedMessage;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_rpc_client_api::response::{
    Response, RpcBlockhash, RpcKeyedAccount, RpcPrioritizationFee, RpcResponseContext,
    RpcSimulateTransactionResult, RpcVersionInfo,
};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction,
    EncodedTransactionWithStatusMeta, TransactionBinaryEncoding, TransactionConfirmationStatus,
    TransactionStatus, TransactionStatusMeta, UiAddressTableLookup, UiCompiledInstruction,
    UiMessage, UiRawMessage, UiTransaction, UiTransactionEncoding, UiTransactionStatusMeta,
};
use std::collections::{HashMap, VecDeque};
use std::str::FromStr;
use vault_client::chain::bank::Processed;
use vault_client::ChainClient;
use vault_sim::world::World;

use crate::market::Market;

/// Lamports per signature (the cluster's base fee).
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Slots a blockhash stays valid for (the cluster's `MAX_PROCESSING_AGE`).
pub const BLOCKHASH_VALID_SLOTS: u64 = 150;
/// The most accounts `getMultipleAccounts` takes, as a validator.
pub const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// The solana version the node reports (the runtime it runs).
pub const SOLANA_VERSION: &str = "3.1.12";

/// A JSON-RPC error: code, message and optional data, as a validator answers.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: -32602,
            message: message.into(),
            data: None,
        }
    }

    pub fn method_not_found(method: &str) -> Self {
        Self {
            code: -32601,
            message: format!("Method not found: {method}"),
            data: None,
        }
    }

    /// The node has stopped.
    pub fn internal_stopped() -> Self {
        Self::internal("the node is shutting down")
    }

    fn internal(message: impl std::fmt::Display) -> Self {
        Self {
            code: -32603,
            message: message.to_string(),
            data: None,
        }
    }
}

/// A transaction the node ran.
struct TxRecord {
    tx: VersionedTransaction,
    run: Processed,
    fee: u64,
    block_time: i64,
}

pub struct Node {
    pub world: World,
    pub market: Market,
    txs: HashMap<Signature, TxRecord>,
    /// The slot each blockhash was first handed out or seen in.
    blockhashes: HashMap<Hash, u64>,
    /// `(slot, compute-unit price, writable accounts)` of recent transactions.
    fees: VecDeque<(u64, u64, Vec<Pubkey>)>,
    /// The WebSocket subscriptions it notifies.
    pub pubsub: crate::pubsub::Registry,
}

type Result<T> = std::result::Result<T, RpcError>;

/// Argument `i` of `params`, required.
fn arg<T: DeserializeOwned>(params: &Value, i: usize, what: &str) -> Result<T> {
    opt_arg(params, i, what)?
        .ok_or_else(|| RpcError::invalid_params(format!("missing argument {i}: {what}")))
}

/// Argument `i` of `params`, when given and not null.
fn opt_arg<T: DeserializeOwned>(params: &Value, i: usize, what: &str) -> Result<Option<T>> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| RpcError::invalid_params(format!("invalid argument {i} ({what}): {e}"))),
    }
}

fn pubkey(s: &str) -> Result<Pubkey> {
    Pubkey::from_str(s).map_err(|e| RpcError::invalid_params(format!("invalid pubkey {s}: {e}")))
}

fn signature(s: &str) -> Result<Signature> {
    Signature::from_str(s)
        .map_err(|e| RpcError::invalid_params(format!("invalid signature {s}: {e}")))
}

/// Decodes a transaction or message in `encoding` (base58 by default, as a validator).
fn decode_bytes(s: &str, encoding: Option<UiTransactionEncoding>) -> Result<Vec<u8>> {
    match encoding.unwrap_or(UiTransactionEncoding::Base58) {
        UiTransactionEncoding::Base58 | UiTransactionEncoding::Binary => bs58::decode(s)
            .into_vec()
            .map_err(|e| RpcError::invalid_params(format!("invalid base58: {e}"))),
        UiTransactionEncoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| RpcError::invalid_params(format!("invalid base64: {e}"))),
        other => Err(RpcError::invalid_params(format!(
            "unsupported encoding {other:?}: base58 or base64"
        ))),
    }
}

fn decode_transaction(
    s: &str,
    encoding: Option<UiTransactionEncoding>,
) -> Result<VersionedTransaction> {
    bincode::deserialize(&decode_bytes(s, encoding)?)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize transaction: {e}")))
}

/// The compute-unit price and limit a message asks for (0 and none without the
/// compute-budget instructions): `SetComputeUnitLimit` is tag 2 with a `u32`,
/// `SetComputeUnitPrice` tag 3 with a `u64`.
fn compute_budget(message: &VersionedMessage) -> (u64, Option<u32>) {
    let keys = message.static_account_keys();
    let (mut price, mut limit) = (0, None);
    for ix in message.instructions() {
        if keys.get(ix.program_id_index as usize) != Some(&solana_compute_budget_interface::id()) {
            continue;
        }
        match (ix.data.first(), ix.data.get(1..)) {
            (Some(2), Some(b)) if b.len() == 4 => {
                limit = Some(u32::from_le_bytes(b.try_into().expect("4 bytes")))
            }
            (Some(3), Some(b)) if b.len() == 8 => {
                price = u64::from_le_bytes(b.try_into().expect("8 bytes"))
            }
            _ => {}
        }
    }
    (price, limit)
}

/// The fee of `message`: the signatures and the priority fee (price × limit, rounded up).
pub fn fee_for(message: &VersionedMessage) -> u64 {
    let (price, limit) = compute_budget(message);
    let units = u64::from(limit.unwrap_or(200_000));
    let priority = (price as u128 * units as u128).div_ceil(1_000_000) as u64;
    LAMPORTS_PER_SIGNATURE * u64::from(message.header().num_required_signatures) + priority
}

fn account_encoding(
    cfg: &Option<RpcAccountInfoConfig>,
) -> (UiAccountEncoding, Option<UiDataSliceConfig>) {
    let c = cfg.as_ref();
    let encoding = match c.and_then(|c| c.encoding) {
        // No parser here: jsonParsed falls back to base64, as a validator does for accounts
        // it cannot parse.
        None | Some(UiAccountEncoding::JsonParsed) => UiAccountEncoding::Base64,
        Some(e) => e,
    };
    (encoding, c.and_then(|c| c.data_slice))
}

impl Node {
    pub fn new(world: World, market: Market) -> Self {
        Self {
            world,
            market,
            txs: HashMap::new(),
            blockhashes: HashMap::new(),
            fees: VecDeque::new(),
            pubsub: Default::default(),
        }
    }

    fn slot(&self) -> Result<u64> {
        self.world.chain.slot().map_err(RpcError::internal)
    }

    fn context(&self) -> Result<RpcResponseContext> {
        Ok(RpcResponseContext::new(self.slot()?))
    }

    fn respond<T: serde::Serialize>(&self, value: T) -> Result<Value> {
        Ok(serde_json::to_value(Response {
            context: self.context()?,
            value,
        })
        .expect("serializable"))
    }

    fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>> {
        self.world
            .chain
            .get_multiple_accounts(keys)
            .map_err(RpcError::internal)
    }

    /// Moves the market on to the wall clock (a new slot each second).
    pub fn tick(&mut self) {
        if let Some(step) = self.market.due() {
            self.market.apply(&self.world, &step);
            if let Ok(bh) = self.world.chain.latest_blockhash() {
                let slot = self.slot().unwrap_or(0);
                self.blockhashes.entry(bh).or_insert(slot);
            }
            let oldest = self
                .slot()
                .unwrap_or(0)
                .saturating_sub(BLOCKHASH_VALID_SLOTS);
            self.blockhashes.retain(|_, s| *s >= oldest);
            while self.fees.front().is_some_and(|f| f.0 < oldest) {
                self.fees.pop_front();
            }
            self.publish_accounts();
        }
    }

    /// Notifies the account subscriptions of what changed.
    fn publish_accounts(&self) {
        let keys = self.pubsub.account_keys();
        if keys.is_empty() {
            return;
        }
        let (Ok(accounts), Ok(slot)) = (self.accounts(&keys), self.slot()) else {
            return;
        };
        self.pubsub
            .accounts(&keys.into_iter().zip(accounts).collect(), slot);
    }

    /// Answers one call.
    pub fn call(&mut self, method: &str, params: &Value) -> Result<Value> {
        match method {
            "getHealth" => Ok(json!("ok")),
            "getVersion" => Ok(serde_json::to_value(RpcVersionInfo {
                solana_core: SOLANA_VERSION.into(),
                feature_set: None,
            })
            .expect("serializable")),
            "getSlot" | "getBlockHeight" => Ok(json!(self.slot()?)),
            "getGenesisHash" => Ok(json!(Hash::default().to_string())),
            "getAccountInfo" => {
                let key = pubkey(&arg::<String>(params, 0, "pubkey")?)?;
                let cfg: Option<RpcAccountInfoConfig> = opt_arg(params, 1, "config")?;
                let (encoding, slice) = account_encoding(&cfg);
                let acc = self.accounts(&[key])?.pop().flatten();
                let ui = acc.map(|a| encode_ui_account(&key, &a, encoding, None, slice));
                self.respond(ui)
            }
            "getMultipleAccounts" => {
                let keys: Vec<String> = arg(params, 0, "pubkeys")?;
                if keys.len() > MAX_MULTIPLE_ACCOUNTS {
                    return Err(RpcError::invalid_params(format!(
                        "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
                    )));
                }
                let keys = keys.iter().map(|k| pubkey(k)).collect::<Result<Vec<_>>>()?;
                let cfg: Option<RpcAccountInfoConfig> = opt_arg(params, 1, "config")?;
                let (encoding, slice) = account_encoding(&cfg);
                let accounts = self.accounts(&keys)?;
                let ui: Vec<Option<UiAccount>> = keys
                    .iter()
                    .zip(accounts)
                    .map(|(k, a)| a.map(|a| encode_ui_account(k, &a, encoding, None, slice)))
                    .collect();
                self.respond(ui)
            }
            "getProgramAccounts" => self.program_accounts(params),
            "getBalance" => {
                let key = pubkey(&arg::<String>(params, 0, "pubkey")?)?;
                let lamports = self
                    .accounts(&[key])?
                    .pop()
                    .flatten()
                    .map_or(0, |a| a.lamports);
                self.respond(lamports)
            }
            "getLatestBlockhash" => {
                let bh = self
                    .world
                    .chain
                    .latest_blockhash()
                    .map_err(RpcError::internal)?;
                let slot = self.slot()?;
                let first = *self.blockhashes.entry(bh).or_insert(slot);
                self.respond(RpcBlockhash {
                    blockhash: bh.to_string(),
                    last_valid_block_height: first + BLOCKHASH_VALID_SLOTS,
                })
            }
            "isBlockhashValid" => {
                let s: String = arg(params, 0, "blockhash")?;
                let bh = Hash::from_str(&s)
                    .map_err(|e| RpcError::invalid_params(format!("invalid blockhash {s}: {e}")))?;
                let valid = self.blockhash_valid(&bh)?;
                self.respond(valid)
            }
            "getMinimumBalanceForRentExemption" => {
                let len: usize = arg(params, 0, "data length")?;
                self.world
                    .chain
                    .minimum_balance_for_rent_exemption(len)
                    .map(|l| json!(l))
                    .map_err(RpcError::internal)
            }
            "getFeeForMessage" => {
                let s: String = arg(params, 0, "message")?;
                let bytes = decode_bytes(&s, Some(UiTransactionEncoding::Base64))?;
                let message: VersionedMessage = bincode::deserialize(&bytes)
                    .map_err(|e| RpcError::invalid_params(format!("invalid message: {e}")))?;
                let valid = self.blockhash_valid(message.recent_blockhash())?;
                self.respond(valid.then(|| fee_for(&message)))
            }
            "getRecentPrioritizationFees" => {
                let keys: Vec<String> = opt_arg(params, 0, "accounts")?.unwrap_or_default();
                let keys = keys.iter().map(|k| pubkey(k)).collect::<Result<Vec<_>>>()?;
                Ok(serde_json::to_value(self.prioritization_fees(&keys)).expect("serializable"))
            }
            "requestAirdrop" => {
                let key = pubkey(&arg::<String>(params, 0, "pubkey")?)?;
                let lamports: u64 = arg(params, 1, "lamports")?;
                let payer = self.world.chain.payer().insecure_clone();
                let ix = anchor_lang::solana_program::system_instruction::transfer(
                    &payer.pubkey(),
                    &key,
                    lamports,
                );
                let tx = self
                    .world
                    .chain
                    .transaction(&[ix], &[], &[])
                    .map_err(RpcError::internal)?;
                self.run(tx).map(|s| json!(s.to_string()))
            }
            "sendTransaction" => {
                let s: String = arg(params, 0, "transaction")?;
                let cfg: RpcSendTransactionConfig =
                    opt_arg(params, 1, "config")?.unwrap_or_default();
                let tx = decode_transaction(&s, cfg.encoding)?;
                if !cfg.skip_preflight {
                    let sim = self.simulated(&tx)?;
                    if let Err(e) = &sim.result {
                        return Err(RpcError {
                            code: -32002,
                            message: format!("Transaction simulation failed: {e}"),
                            data: Some(
                                serde_json::to_value(self.simulation_result(&sim, &tx))
                                    .expect("serializable"),
                            ),
                        });
                    }
                }
                self.run(tx).map(|s| json!(s.to_string()))
            }
            "simulateTransaction" => {
                let s: String = arg(params, 0, "transaction")?;
                let cfg: RpcSimulateTransactionConfig =
                    opt_arg(params, 1, "config")?.unwrap_or_default();
                let mut tx = decode_transaction(&s, cfg.encoding)?;
                if cfg.replace_recent_blockhash {
                    let bh = self
                        .world
                        .chain
                        .latest_blockhash()
                        .map_err(RpcError::internal)?;
                    tx.message.set_recent_blockhash(bh);
                }
                let sim = self.simulated(&tx)?;
                let value = self.simulation_result(&sim, &tx);
                self.respond(value)
            }
            "getSignatureStatuses" => {
                let sigs: Vec<String> = arg(params, 0, "signatures")?;
                let statuses = sigs
                    .iter()
                    .map(|s| {
                        Ok(self.txs.get(&signature(s)?).map(|r| TransactionStatus {
                            slot: r.run.slot,
                            confirmations: None,
                            status: r.run.result.clone(),
                            err: r.run.result.clone().err(),
                            confirmation_status: Some(TransactionConfirmationStatus::Finalized),
                        }))
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.respond(statuses)
            }
            "getTransaction" => {
                let sig = signature(&arg::<String>(params, 0, "signature")?)?;
                let cfg: Option<RpcTransactionConfig> = match params.get(1) {
                    // The old form: the encoding alone.
                    Some(Value::String(e)) => Some(RpcTransactionConfig {
                        encoding: serde_json::from_value(json!(e)).ok(),
                        ..Default::default()
                    }),
                    _ => opt_arg(params, 1, "config")?,
                };
                let encoding = cfg
                    .and_then(|c| c.encoding)
                    .unwrap_or(UiTransactionEncoding::Json);
                Ok(self
                    .txs
                    .get(&sig)
                    .map(|r| {
                        serde_json::to_value(encode_transaction(r, encoding)).expect("serializable")
                    })
                    .unwrap_or(Value::Null))
            }
            other => Err(RpcError::method_not_found(other)),
        }
    }

    fn blockhash_valid(&self, bh: &Hash) -> Result<bool> {
        let slot = self.slot()?;
        Ok(self
            .blockhashes
            .get(bh)
            .is_some_and(|s| slot.saturating_sub(*s) <= BLOCKHASH_VALID_SLOTS))
    }

    fn program_accounts(&self, params: &Value) -> Result<Value> {
        let program = pubkey(&arg::<String>(params, 0, "program id")?)?;
        let cfg: RpcProgramAccountsConfig = opt_arg(params, 1, "config")?.unwrap_or_default();
        let filters = cfg.filters.unwrap_or_default();
        for f in &filters {
            f.verify()
                .map_err(|e| RpcError::invalid_params(format!("invalid filter: {e}")))?;
        }
        let (encoding, slice) = account_encoding(&Some(cfg.account_config));
        let keys = self.world.chain.touched_accounts();
        let mut out = vec![];
        for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
            for (key, acc) in chunk.iter().zip(self.accounts(chunk)?) {
                let Some(acc) = acc else { continue };
                if acc.owner != program || !filters.iter().all(|f| matches(f, &acc.data)) {
                    continue;
                }
                out.push(RpcKeyedAccount {
                    pubkey: key.to_string(),
                    account: encode_ui_account(key, &acc, encoding, None, slice),
                });
            }
        }
        if cfg.with_context.unwrap_or(false) {
            self.respond(out)
        } else {
            Ok(serde_json::to_value(out).expect("serializable"))
        }
    }

    fn prioritization_fees(&self, accounts: &[Pubkey]) -> Vec<RpcPrioritizationFee> {
        let mut by_slot: std::collections::BTreeMap<u64, u64> = Default::default();
        for (slot, price, writable) in &self.fees {
            if accounts.is_empty() || writable.iter().any(|w| accounts.contains(w)) {
                let e = by_slot.entry(*slot).or_insert(*price);
                *e = (*e).min(*price);
            }
        }
        by_slot
            .into_iter()
            .map(|(slot, prioritization_fee)| RpcPrioritizationFee {
                slot,
                prioritization_fee,
            })
            .collect()
    }

    fn simulated(&self, tx: &VersionedTransaction) -> Result<Processed> {
        self.world
            .chain
            .simulate_processed(tx)
            .map_err(RpcError::internal)
    }

    fn simulation_result(
        &self,
        sim: &Processed,
        tx: &VersionedTransaction,
    ) -> RpcSimulateTransactionResult {
        RpcSimulateTransactionResult {
            err: sim.result.clone().err().map(Into::into),
            logs: Some(sim.logs.clone()),
            accounts: None,
            units_consumed: Some(sim.units_consumed),
            loaded_accounts_data_size: None,
            return_data: None,
            inner_instructions: None,
            replacement_blockhash: None,
            fee: Some(fee_for(&tx.message)),
            pre_balances: None,
            post_balances: None,
            pre_token_balances: None,
            post_token_balances: None,
            loaded_addresses: None,
        }
    }

    /// Runs `tx` in the bank and keeps its record; a transaction the bank refuses before
    /// running it (bad signature, unknown blockhash, already processed) is an RPC error.
    fn run(&mut self, tx: VersionedTransaction) -> Result<Signature> {
        let sig = tx.signatures[0];
        let run = self.world.chain.process(&tx).map_err(|e| RpcError {
            code: -32002,
            message: format!("Transaction failed: {e}"),
            data: None,
        })?;
        if let Err(e @ (TransactionError::AlreadyProcessed | TransactionError::BlockhashNotFound)) =
            &run.result
        {
            return Err(RpcError {
                code: -32002,
                message: format!("Transaction failed: {e}"),
                data: None,
            });
        }
        let (price, _) = compute_budget(&tx.message);
        let keys = tx.message.static_account_keys();
        let writable = (0..keys.len())
            .filter(|&i| tx.message.is_maybe_writable(i, None))
            .map(|i| keys[i])
            .collect();
        self.fees.push_back((run.slot, price, writable));
        let block_time = self.world.now();
        let fee = fee_for(&tx.message);
        self.pubsub
            .signature_processed(&sig, run.slot, &run.result.clone().err());
        self.publish_accounts();
        self.txs.insert(
            sig,
            TxRecord {
                tx,
                run,
                fee,
                block_time,
            },
        );
        Ok(sig)
    }
}

fn matches(f: &RpcFilterType, data: &[u8]) -> bool {
    match f {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        // An initialized SPL token account: 165 bytes (or more, with extensions) and state 1.
        RpcFilterType::TokenAccountState => data.len() >= 165 && data[108] != 0,
    }
}

fn encode_transaction(
    r: &TxRecord,
    encoding: UiTransactionEncoding,
) -> EncodedConfirmedTransactionWithStatusMeta {
    let bytes = bincode::serialize(&r.tx).expect("serializable");
    let transaction = match encoding {
        UiTransactionEncoding::Base64 => EncodedTransaction::Binary(
            base64::engine::general_purpose::STANDARD.encode(&bytes),
            TransactionBinaryEncoding::Base64,
        ),
        UiTransactionEncoding::Base58 => EncodedTransaction::Binary(
            bs58::encode(&bytes).into_string(),
            TransactionBinaryEncoding::Base58,
        ),
        UiTransactionEncoding::Binary => {
            EncodedTransaction::LegacyBinary(bs58::encode(&bytes).into_string())
        }
        UiTransactionEncoding::Json | UiTransactionEncoding::JsonParsed => {
            let m = &r.tx.message;
            EncodedTransaction::Json(UiTransaction {
                signatures: r.tx.signatures.iter().map(|s| s.to_string()).collect(),
                message: UiMessage::Raw(UiRawMessage {
                    header: *m.header(),
                    account_keys: m
                        .static_account_keys()
                        .iter()
                        .map(|k| k.to_string())
                        .collect(),
                    recent_blockhash: m.recent_blockhash().to_string(),
                    instructions: m
                        .instructions()
                        .iter()
                        .map(|ix| UiCompiledInstruction::from(ix, None))
                        .collect(),
                    address_table_lookups: m
                        .address_table_lookups()
                        .map(|l| l.iter().map(UiAddressTableLookup::from).collect()),
                }),
            })
        }
    };
    let meta = TransactionStatusMeta {
        status: r.run.result.clone(),
        fee: r.fee,
        log_messages: Some(r.run.logs.clone()),
        compute_units_consumed: Some(r.run.units_consumed),
        ..Default::default()
    };
    EncodedConfirmedTransactionWithStatusMeta {
        slot: r.run.slot,
        transaction: EncodedTransactionWithStatusMeta {
            transaction,
            meta: Some(UiTransactionStatusMeta::from(meta)),
            version: Some(r.tx.version()),
        },
        block_time: Some(r.block_time),
    }
}
