//! The in-process backend: the vault, sim-amm and sim-perp programs compiled natively and run
//! inside solana-program-test's bank with the real SPL Token programs and real CPIs. Besides
//! the [`ChainClient`] calls it lets a simulator write accounts (oracles) and set the clock.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_account::{Account, AccountSharedData};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use std::sync::Mutex;

use super::{transaction_error, ChainClient, ChainClock, Simulation};
use crate::error::ClientError;

/// A `processor!`-compatible wrapper around an Anchor program's `entry`, which ties its three
/// arguments to one lifetime; every borrow lives for the whole call, so unifying them is sound.
/// While the program runs, `cu_meter` attributes heap allocations to its `$slot`.
#[macro_export]
macro_rules! anchor_processor {
    ($name:ident, $entry:path, $slot:expr) => {
        fn $name<'a, 'b, 'c, 'd>(
            program_id: &'a Pubkey,
            accounts: &'b [AccountInfo<'c>],
            data: &'d [u8],
        ) -> ProgramResult {
            let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
                unsafe { std::mem::transmute((program_id, accounts, data)) };
            let outer = cu_meter::enter($slot);
            let result = $entry(program_id, accounts, data);
            cu_meter::leave(outer);
            result
        }
    };
}

anchor_processor!(vault_processor, portfolio_vault::entry, cu_meter::VAULT);
anchor_processor!(amm_processor, sim_amm::entry, cu_meter::AMM);
anchor_processor!(perp_processor, sim_perp::entry, cu_meter::PERP);

/// Program-test with the vault, sim-amm and sim-perp registered natively. Program-test logs
/// every transaction at debug level; keep errors only unless `RUST_LOG` asks for more.
pub fn program_test() -> ProgramTest {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(false);
    pt.add_program(
        "portfolio_vault",
        portfolio_vault::ID,
        processor!(vault_processor),
    );
    pt.add_program("sim_amm", sim_amm::ID, processor!(amm_processor));
    pt.add_program("sim_perp", sim_perp::ID, processor!(perp_processor));
    pt
}

pub struct BankChain {
    rt: tokio::runtime::Runtime,
    ctx: Mutex<ProgramTestContext>,
    payer: Keypair,
    /// Signatures sent in the current slot. The bank's blockhash only changes with the slot
    /// here, so an identical transaction sent again (the same hourly crank) would be a
    /// duplicate: the backend then moves to a new slot and asks for a fresh blockhash, as an
    /// expired one does on a cluster.
    sent: Mutex<std::collections::HashSet<Signature>>,
    /// Every address a transaction named or `set_account` wrote: what a scan of program
    /// accounts (the local RPC node's `getProgramAccounts`) reads, as the bank's client has no
    /// scan of its own.
    touched: Mutex<std::collections::BTreeSet<Pubkey>>,
}

/// A transaction as the bank ran it: its result, logs and compute units.
#[derive(Clone, Debug)]
pub struct Processed {
    pub result: Result<(), solana_transaction_error::TransactionError>,
    pub logs: Vec<String>,
    pub units_consumed: u64,
    pub slot: u64,
}

/// What [`BankChain::send_and_confirm`] answers for a transaction identical to one already
/// sent under the same blockhash; retrying with a fresh blockhash succeeds.
pub const BLOCKHASH_REUSED: &str =
    "blockhash already used by an identical transaction: fetch a new one";

impl BankChain {
    /// A fresh bank with the three programs; its payer holds the genesis SOL.
    pub fn start() -> Self {
        // One thread: the bank's own server thread does the work; a current-thread runtime
        // avoids a cross-thread wake-up on every call.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let ctx = rt.block_on(program_test().start_with_context());
        let payer = ctx.payer.insecure_clone();
        Self {
            rt,
            ctx: Mutex::new(ctx),
            payer,
            sent: Default::default(),
            touched: Default::default(),
        }
    }

    /// The genesis payer (funds and pays for everything the simulator sets up).
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    /// Writes an account directly (oracle updates, test set-up).
    pub fn set_account(&self, key: &Pubkey, account: Account) {
        self.touched.lock().unwrap().insert(*key);
        self.ctx
            .lock()
            .unwrap()
            .set_account(key, &AccountSharedData::from(account));
    }

    /// Sets the clock's unix time (the simulator's market time).
    pub fn set_unix_timestamp(&self, ts: i64) {
        let ctx = self.ctx.lock().unwrap();
        let mut clock: anchor_lang::prelude::Clock = self
            .rt
            .block_on(ctx.banks_client.get_sysvar())
            .expect("clock sysvar");
        clock.unix_timestamp = ts;
        ctx.set_sysvar(&clock);
    }

    /// Moves to a new slot (a new bank, so a new blockhash), keeping the unix time.
    pub fn advance_slot(&self) {
        let now = self.clock().expect("clock").unix_timestamp;
        {
            let mut ctx = self.ctx.lock().unwrap();
            let slot = self
                .rt
                .block_on(ctx.banks_client.get_root_slot())
                .expect("slot");
            ctx.warp_to_slot(slot + 1).expect("warp");
        }
        self.sent.lock().unwrap().clear();
        self.set_unix_timestamp(now);
    }

    /// The current slot.
    pub fn slot(&self) -> Result<u64, ClientError> {
        let b = self.banks();
        self.rt.block_on(b.get_root_slot()).map_err(banks_err)
    }

    /// Every address a transaction or `set_account` has touched, in order.
    pub fn touched_accounts(&self) -> Vec<Pubkey> {
        self.touched.lock().unwrap().iter().copied().collect()
    }

    /// Records the static accounts of `tx` and those it loads from lookup tables.
    fn touch(&self, tx: &VersionedTransaction) {
        let mut keys: Vec<Pubkey> = tx.message.static_account_keys().to_vec();
        for lookup in tx.message.address_table_lookups().unwrap_or_default() {
            let Ok(Some(acc)) = self.get_account(&lookup.account_key) else {
                continue;
            };
            use solana_address_lookup_table_interface::state::AddressLookupTable;
            if let Ok(table) = AddressLookupTable::deserialize(&acc.data) {
                let indexes = lookup
                    .writable_indexes
                    .iter()
                    .chain(&lookup.readonly_indexes);
                keys.extend(indexes.filter_map(|&i| table.addresses.get(i as usize).copied()));
            }
        }
        self.touched.lock().unwrap().extend(keys);
    }

    /// Runs `tx` and commits it whatever its result (as a cluster does once a transaction is
    /// in a block), with its logs and compute units.
    pub fn process(&self, tx: &VersionedTransaction) -> Result<Processed, ClientError> {
        self.touch(tx);
        let slot = self.slot()?;
        let b = self.banks();
        let r = self
            .rt
            .block_on(b.process_transaction_with_metadata(tx.clone()))
            .map_err(banks_err)?;
        let (logs, units_consumed) = r
            .metadata
            .map(|m| (m.log_messages, m.compute_units_consumed))
            .unwrap_or_default();
        Ok(Processed {
            result: r.result,
            logs,
            units_consumed,
            slot,
        })
    }

    /// Simulates `tx` on the current bank, changing nothing.
    pub fn simulate_processed(&self, tx: &VersionedTransaction) -> Result<Processed, ClientError> {
        let slot = self.slot()?;
        let b = self.banks();
        let r = self
            .rt
            .block_on(b.simulate_transaction(tx.clone()))
            .map_err(banks_err)?;
        let (logs, units_consumed) = r
            .simulation_details
            .map(|d| (d.logs, d.units_consumed))
            .unwrap_or_default();
        Ok(Processed {
            result: r.result.unwrap_or(Ok(())),
            logs,
            units_consumed,
            slot,
        })
    }

    fn banks(&self) -> solana_program_test::BanksClient {
        self.ctx.lock().unwrap().banks_client.clone()
    }
}

fn banks_err(e: BanksClientError) -> ClientError {
    match e {
        BanksClientError::TransactionError(err) => transaction_error(err, vec![]),
        BanksClientError::SimulationError { err, logs, .. } => transaction_error(err, logs),
        other => ClientError::Chain(other.to_string()),
    }
}

impl ChainClient for BankChain {
    fn get_account(&self, key: &Pubkey) -> Result<Option<Account>, ClientError> {
        let b = self.banks();
        self.rt.block_on(b.get_account(*key)).map_err(banks_err)
    }

    fn clock(&self) -> Result<ChainClock, ClientError> {
        let b = self.banks();
        let c: anchor_lang::prelude::Clock = self.rt.block_on(b.get_sysvar()).map_err(banks_err)?;
        Ok(ChainClock {
            slot: c.slot,
            unix_timestamp: c.unix_timestamp,
        })
    }

    fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        let b = self.banks();
        self.rt
            .block_on(b.get_latest_blockhash())
            .map_err(banks_err)
    }

    fn simulate(&self, tx: &VersionedTransaction) -> Result<Simulation, ClientError> {
        let b = self.banks();
        let r = self
            .rt
            .block_on(b.simulate_transaction(tx.clone()))
            .map_err(banks_err)?;
        let (logs, units) = r
            .simulation_details
            .map(|d| (d.logs, d.units_consumed))
            .unwrap_or_default();
        let error = match r.result {
            Some(Err(e)) => Some(transaction_error(e, logs.clone())),
            _ => None,
        };
        Ok(Simulation {
            units_consumed: units,
            logs,
            error,
        })
    }

    fn send_and_confirm(&self, tx: &VersionedTransaction) -> Result<Signature, ClientError> {
        if !self.sent.lock().unwrap().insert(tx.signatures[0]) {
            self.advance_slot();
            return Err(ClientError::Chain(BLOCKHASH_REUSED.into()));
        }
        let r = self.process(tx)?;
        match r.result {
            Ok(()) => Ok(tx.signatures[0]),
            Err(e) => Err(transaction_error(e, r.logs)),
        }
    }

    fn recent_prioritization_fees(&self, _accounts: &[Pubkey]) -> Result<Vec<u64>, ClientError> {
        Ok(vec![])
    }

    fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        let b = self.banks();
        let rent = self.rt.block_on(b.get_rent()).map_err(banks_err)?;
        Ok(rent.minimum_balance(len))
    }
}

impl BankChain {
    /// An address lookup table holding `addresses`, usable once this returns (two slots on).
    pub fn create_lookup_table(
        &self,
        addresses: &[Pubkey],
    ) -> Result<solana_message::AddressLookupTableAccount, ClientError> {
        use solana_address_lookup_table_interface::instruction::{
            create_lookup_table, extend_lookup_table,
        };
        let payer = self.payer.pubkey();
        let slot = self
            .rt
            .block_on(self.banks().get_root_slot())
            .map_err(banks_err)?;
        self.advance_slot();
        let (create, table) = create_lookup_table(payer, payer, slot);
        self.send(&[create], &[])?;
        for chunk in addresses.chunks(20) {
            self.send(
                &[extend_lookup_table(
                    table,
                    payer,
                    Some(payer),
                    chunk.to_vec(),
                )],
                &[],
            )?;
        }
        self.advance_slot();
        self.advance_slot();
        Ok(solana_message::AddressLookupTableAccount {
            key: table,
            addresses: addresses.to_vec(),
        })
    }

    /// Signs `instructions` with the payer and those of `signers` they need, as v0 through
    /// `tables` when any.
    pub fn transaction(
        &self,
        instructions: &[solana_instruction::Instruction],
        signers: &[&Keypair],
        tables: &[solana_message::AddressLookupTableAccount],
    ) -> Result<VersionedTransaction, ClientError> {
        let needed = |k: Pubkey| {
            instructions
                .iter()
                .any(|ix| ix.accounts.iter().any(|m| m.is_signer && m.pubkey == k))
        };
        let mut all: Vec<&dyn Signer> = vec![&self.payer];
        for s in signers {
            if s.pubkey() != self.payer.pubkey() && needed(s.pubkey()) {
                all.push(*s);
            }
        }
        let bh = self.latest_blockhash()?;
        super::build_transaction(&self.payer.pubkey(), instructions, &all, bh, tables)
    }

    /// Signs with the payer (and those of `signers` needed) and sends, as v0 through `tables`
    /// when any; a transaction identical to one already sent under the current blockhash is
    /// sent again under a fresh one.
    pub fn send_with(
        &self,
        instructions: &[solana_instruction::Instruction],
        signers: &[&Keypair],
        tables: &[solana_message::AddressLookupTableAccount],
    ) -> Result<Signature, ClientError> {
        loop {
            let tx = self.transaction(instructions, signers, tables)?;
            match self.send_and_confirm(&tx) {
                Err(ClientError::Chain(m)) if m == BLOCKHASH_REUSED => continue,
                other => return other,
            }
        }
    }

    /// Signs with the payer (and `signers`) and sends.
    pub fn send(
        &self,
        instructions: &[solana_instruction::Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError> {
        self.send_with(instructions, signers, &[])
    }
}
