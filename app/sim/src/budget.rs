//! `vault-sim budget`: what every instruction costs on SBF, estimated from a native run.
//!
//! Each instruction runs in the in-process bank on a hedged vault of 8 and of 16 assets (the
//! keeper invests and hedges it first). Around each one the programs' own counters
//! (`cu_meter`) count the operations SBF runs in software, and the transaction's logs give the
//! rest of what the runtime charges:
//!
//! | what | low | high |
//! |---|---:|---:|
//! | counted operations | `cu_meter::CU_LOW` | `cu_meter::CU_HIGH`, plus 25 % for the loop, load and copy instructions around them |
//! | each PDA the accounts' `seeds` check (from the IDL) | 1,500 (`create_program_address`) | 3,000 (`find_program_address`, two tries) |
//! | each cross-program call | 1,000 (invoke) | 3,000 (invoke, the signer's PDA check, account serialisation) |
//! | SPL Token and Token-2022 | what they consumed (they run as real SBF programs here) | the same |
//! | each log line (`msg!`, `emit!`) | 100 + its bytes | the same |
//! | each account of the transaction | 100 (deserialise, check owner and constraints) | 400 |
//! | the instruction itself (dispatch, arguments) | 1,000 | 5,000 |
//!
//! `compute_targets` is also run natively for every strategy, call after call as the program
//! runs it (a solve that passes `COMPUTE_TARGETS_SOLVER_CU` continues on the next call), on the
//! vault's own covariance and on the accuracy study's random covariances (cold and warm); its
//! row is the most expensive single call. Heap is what a counting allocator saw each program
//! allocate while it ran (SBF's heap is 32 KB and never frees). The largest stack frame is the
//! largest of the programs the instruction runs, from `scripts/stack-check.sh`'s builds when
//! they exist.

use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use vault_client::{ChainClient, ClientError};

use crate::world::{Holder, Setup, World};

/// A transaction's compute units.
pub const TX_LIMIT: u64 = 1_400_000;
/// Programs' heap on SBF.
pub const HEAP_LIMIT: u64 = 32 * 1024;

/// One instruction's measured run.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub counts: cu_meter::Counts,
    pub pdas: u64,
    pub cpis: u64,
    pub token_units: u64,
    pub logs: u64,
    pub log_bytes: u64,
    pub accounts: u64,
    pub tx_bytes: u64,
    pub heap: u64,
}

impl Measured {
    /// `(low, high)` compute units by the model in the module's table.
    pub fn estimate(&self) -> (u64, u64) {
        let low = self.counts.units(&cu_meter::CU_LOW)
            + self.pdas * 1_500
            + self.cpis * 1_000
            + self.token_units
            + self.logs * 100
            + self.log_bytes
            + self.accounts * 100
            + 1_000;
        let high = self.counts.units(&cu_meter::CU_HIGH) * 5 / 4
            + self.pdas * 3_000
            + self.cpis * 3_000
            + self.token_units
            + self.logs * 100
            + self.log_bytes
            + self.accounts * 400
            + 5_000;
        (low, high)
    }
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: String,
    pub assets: usize,
    pub low: u64,
    pub high: u64,
    pub budget: u64,
    pub calls: usize,
    pub heap: u64,
    pub accounts: u64,
    pub tx_bytes: u64,
    pub frame: Option<u64>,
}

impl Row {
    pub fn over(&self) -> bool {
        self.high > self.budget || self.heap > HEAP_LIMIT
    }
}

const TOKEN_PROGRAMS: [&str; 2] = [
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
];

/// What the logs say: cross-program calls, the token programs' units, log lines and bytes.
fn read_logs(logs: &[String], m: &mut Measured) {
    for l in logs {
        if let Some(rest) = l.strip_prefix("Program ") {
            if rest.contains(" invoke [") && !rest.ends_with(" invoke [1]") {
                m.cpis += 1;
            }
            if let Some((program, tail)) = rest.split_once(" consumed ") {
                if TOKEN_PROGRAMS.contains(&program) {
                    let units = tail.split(' ').next().and_then(|u| u.parse::<u64>().ok());
                    m.token_units += units.unwrap_or(0);
                }
            }
            for prefix in ["log: ", "data: "] {
                if let Some(body) = rest.strip_prefix(prefix) {
                    m.logs += 1;
                    m.log_bytes += body.len() as u64;
                }
            }
        }
    }
}

/// PDAs the accounts of each instruction check, from the committed IDL (nested groups
/// included).
fn idl_pdas(idl: &serde_json::Value, instruction: &str) -> u64 {
    fn count(accounts: &[serde_json::Value]) -> u64 {
        accounts
            .iter()
            .map(|a| match a.get("accounts").and_then(|v| v.as_array()) {
                Some(inner) => count(inner),
                None => u64::from(a.get("pda").is_some()),
            })
            .sum()
    }
    idl["instructions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["name"] == instruction)
        .and_then(|i| i["accounts"].as_array())
        .map(|a| count(a))
        .unwrap_or(0)
}

/// The programs' largest frames, when `scripts/stack-check.sh` has built them.
fn largest_frames() -> [Option<u64>; 3] {
    ["portfolio_vault", "sim_amm", "sim_perp"].map(|p| {
        let file = format!("target/release/lib{p}.so");
        std::fs::read(file)
            .ok()
            .and_then(|b| stack_check::frames(&b).ok())
            .and_then(|f| f.first().map(|f| f.bytes))
    })
}

struct Bench<'a> {
    w: &'a World,
    idl: serde_json::Value,
    tables: Vec<solana_message::AddressLookupTableAccount>,
}

impl Bench<'_> {
    /// Simulates `ixs` (the first is the measured one) counting everything, then sends them.
    fn run(&self, idl_name: &str, ixs: &[Instruction], signers: &[&Keypair]) -> Measured {
        let tx = self
            .w
            .chain
            .transaction(ixs, signers, &self.tables)
            .expect("transaction");
        let _ = cu_meter::take();
        let _ = cu_meter::take_heap();
        let sim = self.w.chain.simulate(&tx).expect("simulate");
        let counts = cu_meter::take();
        let heap = cu_meter::take_heap();
        if let Some(e) = sim.error {
            panic!("{idl_name}: {e}");
        }
        let mut m = Measured {
            counts,
            pdas: idl_pdas(&self.idl, idl_name),
            accounts: tx.message.static_account_keys().len() as u64
                + tx.message
                    .address_table_lookups()
                    .map(|l| {
                        l.iter()
                            .map(|t| t.writable_indexes.len() + t.readonly_indexes.len())
                            .sum::<usize>()
                    })
                    .unwrap_or(0) as u64,
            tx_bytes: bincode::serialize(&tx).map(|b| b.len() as u64).unwrap_or(0),
            heap: heap.iter().copied().max().unwrap_or(0),
            ..Default::default()
        };
        read_logs(&sim.logs, &mut m);
        if std::env::var_os("BUDGET_DEBUG").is_some() {
            eprintln!("{idl_name}: {m:?}");
        }
        self.send(ixs, signers)
            .unwrap_or_else(|e| panic!("{idl_name}: {e}"));
        let _ = cu_meter::take();
        let _ = cu_meter::take_heap();
        m
    }

    fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), ClientError> {
        let tx = self.w.chain.transaction(ixs, signers, &self.tables)?;
        self.w.chain.send_and_confirm(&tx).map(|_| ())
    }
}

/// Prices of `n` assets at hour `h` of the warm-up: a deterministic walk with some spread.
fn walk(base: &[f64], h: usize) -> Vec<f64> {
    base.iter()
        .enumerate()
        .map(|(i, p)| {
            let x = (h * (i + 3)) as f64;
            p * (1.0 + 0.012 * (x * 0.7).sin() + 0.008 * (x * 1.3 + i as f64).cos())
        })
        .collect()
}

/// An hour later at `prices`, fresh on every oracle, pools arbitraged.
fn next_hour(w: &World, prices: &[f64]) {
    let t = w.now() + 3_600;
    w.chain.advance_slot();
    w.chain.set_unix_timestamp(t);
    w.post_all(prices, t, 0.3);
    crate::run::arbitrage(w, prices);
}

fn minute_later(w: &World, prices: &[f64]) {
    let t = w.now() + 61;
    w.chain.advance_slot();
    w.chain.set_unix_timestamp(t);
    w.post_all(prices, t, 0.0);
    crate::run::arbitrage(w, prices);
}

/// The measured rows of every instruction at `n` assets.
pub fn measure(n: usize, frames: &[Option<u64>; 3]) -> Vec<Row> {
    let base: Vec<f64> = (0..n).map(|i| 4.0 + 9.0 * i as f64).collect();
    let setup = Setup {
        hedge_ratio_bps: 5_000,
        ..Default::default()
    };
    let mut w = World::build(setup, &base);
    meter_syscalls();
    let holders: Vec<Holder> = (0..3)
        .map(|_| {
            let h = w.new_holder(1_000_000_000);
            w.mint_to(&w.base_mint.clone(), &h.base, 5_000_000 * 1_000_000);
            h
        })
        .collect();
    let idl: serde_json::Value =
        serde_json::from_str(include_str!("../../../idl/portfolio_vault.json")).expect("IDL");
    let b = Bench {
        w: &w,
        idl,
        tables: w.tables.clone(),
    };
    let keeper = vault_keeper::Keeper::new(
        &w.chain as &dyn ChainClient,
        w.keeper.kp.insecure_clone(),
        w.vault,
        w.keeper.base,
        w.oracles.clone(),
        vault_keeper::KeeperConfig::in_process(&w.vault.to_string()),
    );
    let mut rows = vec![];
    let mut push = |name: &str, m: &Measured, calls: usize, frame: Option<u64>| {
        let (low, high) = m.estimate();
        rows.push(Row {
            name: name.into(),
            assets: n,
            low,
            high,
            budget: TX_LIMIT,
            calls,
            heap: m.heap,
            accounts: m.accounts,
            tx_bytes: m.tx_bytes,
            frame,
        });
    };
    let vault_frame = frames[0];
    let with_venue = |i: usize| match (frames[0], frames[i]) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    };
    let (d, e, f) = (&holders[0], &holders[1], &holders[2]);
    let keys = w.keys.clone();
    let deposit =
        |h: &Holder, amount: u64| keys.deposit(h.kp.pubkey(), h.base, h.shares, amount, 0);
    let m = b.run("deposit", &[deposit(d, 1_000_000 * 1_000_000)], &[&d.kp]);
    push("deposit", &m, 1, vault_frame);
    b.send(&[deposit(e, 100_000 * 1_000_000)], &[&e.kp])
        .expect("deposit");
    b.send(&[deposit(f, 100_000 * 1_000_000)], &[&f.kp])
        .expect("deposit");

    // Warm-up: hourly samples past `min_samples`, the spot book invested and hedged.
    let mut prices;
    let mut worst: std::collections::HashMap<&'static str, (Measured, u64, usize)> =
        Default::default();
    let mut keep = |name: &'static str, m: Measured, calls: usize| {
        let high = m.estimate().1;
        let entry = worst.entry(name).or_insert((Measured::default(), 0, 0));
        if high >= entry.1 {
            *entry = (m, high, calls.max(entry.2));
        } else {
            entry.2 = entry.2.max(calls);
        }
    };
    for hour in 1..=30 {
        prices = walk(&base, hour);
        next_hour(&w, &prices);
        for _ in 0..8 {
            let Ok(s) = keeper.snapshot() else { break };
            let planned = keeper
                .plan_risk(&s)
                .map(|p| (p, None))
                .or_else(|| keeper.plan_hedge(&s).ok().map(|p| (p, Some(1))))
                .or_else(|| keeper.plan_swap(&s).ok().map(|p| (p, Some(0))));
            let Some((p, _)) = planned else { break };
            let name = p.kind.instruction();
            let m = b.run(name, &p.instructions, &[&w.keeper.kp]);
            if std::env::var_os("BUDGET_DEBUG").is_some() {
                eprintln!("hour {hour}: {name} {:?} high {}", p.detail, m.estimate().1);
            }
            keep(name, m, 1);
            minute_later(&w, &prices);
        }
    }
    let mut sweep = vec![];
    if let Some((m, _, _)) = worst.get("compute_targets") {
        let matrices = std::env::var("BUDGET_MATRICES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        sweep = compute_targets_sweep(n, &w, m, vault_frame, matrices);
    }
    for (name, venue) in [
        ("update_risk", 0),
        ("rebalance_swap", 1),
        ("move_collateral", 2),
        ("rebalance_hedge", 2),
    ] {
        let frame = if venue == 0 {
            vault_frame
        } else {
            with_venue(venue)
        };
        match worst.get(name) {
            Some((m, _, calls)) => push(name, m, *calls, frame),
            None => eprintln!("budget: the warm-up never ran {name} at {n} assets"),
        }
    }

    // Fresh cash in the idle buffer for the withdrawal to pay from.
    b.send(&[deposit(f, 50_000 * 1_000_000)], &[&f.kp])
        .expect("deposit");
    let m = b.run(
        "withdraw",
        &[keys.withdraw(d.kp.pubkey(), d.shares, d.base, 1_000 * 1_000_000, 0)],
        &[&d.kp],
    );
    push("withdraw", &m, 1, vault_frame);
    // The withdrawal queue: a request, its fill from the idle buffer, the payout; then a second
    // request cancelled.
    for cancel in [false, true] {
        let id = w.snapshot().expect("snapshot").vault.queue_next;
        let m = b.run(
            "request_withdraw",
            &[keys.request_withdraw(d.kp.pubkey(), d.shares, d.base, id, 1_000 * 1_000_000, 0)],
            &[&d.kp],
        );
        if !cancel {
            push("request_withdraw", &m, 1, vault_frame);
        }
        if cancel {
            let m = b.run(
                "cancel_withdraw",
                &[keys.cancel_withdraw(d.kp.pubkey(), d.shares, id)],
                &[&d.kp],
            );
            push("cancel_withdraw", &m, 1, vault_frame);
        } else {
            let m = b.run("fill_withdraw", &[keys.fill_withdraw(id)], &[]);
            push("fill_withdraw", &m, 1, vault_frame);
            let m = b.run(
                "claim_withdraw",
                &[keys.claim_withdraw(id, d.kp.pubkey(), d.base)],
                &[],
            );
            push("claim_withdraw", &m, 1, vault_frame);
        }
    }
    let m = b.run("accrue_fees", &[keys.accrue_fees(w.fee_shares)], &[]);
    push("accrue_fees", &m, 1, vault_frame);
    let payer = w.chain.payer().pubkey();
    let m = b.run(
        "open_hedge_claim",
        &[keys.open_hedge_claim(payer, e.kp.pubkey())],
        &[],
    );
    push("open_hedge_claim", &m, 1, vault_frame);
    let shares = token_amount(&w, &e.shares);
    let m = b.run(
        "redeem_in_kind",
        &[keys.redeem_in_kind(e.kp.pubkey(), e.base, e.shares, &e.assets, shares)],
        &[&e.kp],
    );
    push("redeem_in_kind", &m, 1, vault_frame);
    let m = b.run(
        "settle_hedge_claim",
        &[keys.settle_hedge_claim(w.keeper.kp.pubkey(), e.kp.pubkey(), e.base)],
        &[&w.keeper.kp],
    );
    push("settle_hedge_claim", &m, 1, with_venue(2));
    let id = w.snapshot().expect("snapshot").vault.next_proposal_id;
    let change = portfolio_vault::state::ParamChange::Timelock(2 * 86_400);
    let m = b.run(
        "propose_change",
        &[keys.propose_change(payer, payer, id, change)],
        &[],
    );
    push("propose_change", &m, 1, vault_frame);
    let action = portfolio_vault::state::DeriskAction::LowerDepositCap(u64::MAX / 8);
    let m = b.run("derisk", &[keys.derisk(payer, action)], &[]);
    push("derisk", &m, 1, vault_frame);
    drop(keeper);
    rows.extend(sweep);
    rows
}

fn token_amount(w: &World, key: &Pubkey) -> u64 {
    w.chain
        .account(key)
        .ok()
        .and_then(|a| vault_client::decode::token_account(&a.data).ok())
        .map(|t| t.amount)
        .unwrap_or(0)
}

/// The client's compute-unit limits (`vault_client::compute::LIMITS`) for these rows: each
/// instruction's highest estimate at any size (compute_targets over every strategy), plus 10 %.
pub fn limits(rows: &[Row]) -> Vec<(String, u32)> {
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for r in rows {
        let name = r.name.split(' ').next().unwrap_or(&r.name).to_string();
        let e = out.entry(name).or_default();
        *e = (*e).max(r.high);
    }
    out.into_iter()
        .map(|(n, h)| (n, (h + h / 10).min(TX_LIMIT) as u32))
        .collect()
}

/// The generated `app/client/src/cu_limits.rs` for `limits`.
pub fn limits_source(limits: &[(String, u32)]) -> String {
    let mut s = String::from(
        "// Generated by `cargo run --release -p vault-sim -- budget --write`; do not edit. The high\n\
         // compute-unit estimate of each vault instruction at 16 assets (the most expensive single\n\
         // call for compute_targets, over every strategy), plus 10 %.\n\
         pub const LIMITS: &[(&str, u32)] = &[\n",
    );
    for (n, l) in limits {
        s.push_str(&format!("    (\"{n}\", {l}),\n"));
    }
    s.push_str("];\n");
    s
}

/// The rows at 8 and 16 assets.
pub fn rows() -> Vec<Row> {
    let frames = largest_frames();
    let mut rows = vec![];
    for n in [8, 16] {
        rows.extend(measure(n, &frames));
    }
    rows
}

/// Instructions whose estimate passes the limit the client sends with them.
pub fn above_client_limits(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| {
            let name = r.name.split(' ').next().unwrap_or(&r.name);
            let limit = vault_client::compute::LIMITS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, l)| *l as u64)
                .unwrap_or(vault_client::compute::DEFAULT_LIMIT as u64);
            (r.high > limit).then(|| format!("{}@{} ({} > {limit})", r.name, r.assets, r.high))
        })
        .collect()
}

/// The table as text, and whether every instruction is within its budget and the client's
/// limits. With `write`, rewrites the client's limits first.
pub fn main(write: bool) -> (String, bool) {
    use std::fmt::Write;
    let rows = rows();
    let mut out = String::new();
    if write {
        let file = "app/client/src/cu_limits.rs";
        match std::fs::write(file, limits_source(&limits(&rows))) {
            Ok(()) => {
                let _ = writeln!(out, "wrote {file} (rebuild for the check below to use it)");
            }
            Err(e) => {
                let _ = writeln!(out, "budget: cannot write {file}: {e}");
                return (out, false);
            }
        }
    }
    let _ = writeln!(
        out,
        "| instruction | assets | CU (low–high) | budget | calls | largest frame | heap | accounts | tx bytes |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let _ = writeln!(
            out,
            "| {} | {} | {}–{} | {} | {} | {} | {} B | {} | {} |",
            r.name,
            r.assets,
            r.low,
            r.high,
            r.budget,
            r.calls,
            r.frame
                .map(|f| format!("{f} B"))
                .unwrap_or_else(|| "n/a".into()),
            r.heap,
            r.accounts,
            r.tx_bytes
        );
    }
    let over: Vec<String> = rows
        .iter()
        .filter(|r| r.over())
        .map(|r| format!("{}@{}", r.name, r.assets))
        .collect();
    let stale = if write {
        vec![]
    } else {
        above_client_limits(&rows)
    };
    for s in &stale {
        let _ = writeln!(
            out,
            "client limit too low: {s} (run `vault-sim budget --write`)"
        );
    }
    let ok = over.is_empty() && stale.is_empty();
    if over.is_empty() {
        let _ = writeln!(
            out,
            "budget: {}",
            if ok { "ok" } else { "over client limits" }
        );
    } else {
        let _ = writeln!(out, "budget: over {}", over.join(" "));
    }
    (out, ok)
}

/// The bank's syscalls, with the heap count paused while a cross-program call runs: the
/// runtime's own work there (copying accounts, running the callee in its VM) is not the
/// caller's heap, and a natively run callee counts its own.
struct MeteredStubs {
    inner: Box<dyn solana_sysvar::program_stubs::SyscallStubs>,
}

impl solana_sysvar::program_stubs::SyscallStubs for MeteredStubs {
    fn sol_log(&self, message: &str) {
        self.inner.sol_log(message)
    }
    fn sol_log_compute_units(&self) {
        self.inner.sol_log_compute_units()
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.inner.sol_remaining_compute_units()
    }
    fn sol_invoke_signed(
        &self,
        instruction: &solana_instruction::Instruction,
        account_infos: &[solana_account_info::AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> solana_program_error::ProgramResult {
        let caller = cu_meter::enter(0);
        let r = self
            .inner
            .sol_invoke_signed(instruction, account_infos, signers_seeds);
        cu_meter::leave(caller);
        r
    }
    fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
        self.inner.sol_get_sysvar(id, var, offset, length)
    }
    fn sol_get_clock_sysvar(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_clock_sysvar(var)
    }
    fn sol_get_epoch_schedule_sysvar(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_epoch_schedule_sysvar(var)
    }
    fn sol_get_fees_sysvar(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_fees_sysvar(var)
    }
    fn sol_get_rent_sysvar(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_rent_sysvar(var)
    }
    fn sol_get_epoch_rewards_sysvar(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_epoch_rewards_sysvar(var)
    }
    fn sol_get_last_restart_slot(&self, var: *mut u8) -> u64 {
        self.inner.sol_get_last_restart_slot(var)
    }
    fn sol_get_epoch_stake(&self, vote: *const u8) -> u64 {
        self.inner.sol_get_epoch_stake(vote)
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { self.inner.sol_memcpy(dst, src, n) }
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: as above.
        unsafe { self.inner.sol_memmove(dst, src, n) }
    }
    unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
        // SAFETY: as above.
        unsafe { self.inner.sol_memcmp(s1, s2, n, result) }
    }
    unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
        // SAFETY: as above.
        unsafe { self.inner.sol_memset(s, c, n) }
    }
    fn sol_get_return_data(&self) -> Option<(solana_pubkey::Pubkey, Vec<u8>)> {
        self.inner.sol_get_return_data()
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.inner.sol_set_return_data(data)
    }
    fn sol_log_data(&self, fields: &[&[u8]]) {
        self.inner.sol_log_data(fields)
    }
    fn sol_get_processed_sibling_instruction(
        &self,
        index: usize,
    ) -> Option<solana_instruction::Instruction> {
        self.inner.sol_get_processed_sibling_instruction(index)
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.inner.sol_get_stack_height()
    }
}

/// Wraps the bank's syscalls (once the bank has installed them) in [`MeteredStubs`].
fn meter_syscalls() {
    struct Placeholder;
    impl solana_sysvar::program_stubs::SyscallStubs for Placeholder {}
    let inner = solana_sysvar::program_stubs::set_syscall_stubs(Box::new(Placeholder));
    solana_sysvar::program_stubs::set_syscall_stubs(Box::new(MeteredStubs { inner }));
}

/// `compute_targets` for every strategy, call after call as the program runs it, on the
/// vault's own estimator and on `matrices` random covariances of the accuracy study (each
/// solved cold, then warm one sample later). `fixed` is the bank run's non-arithmetic part
/// (accounts, PDAs, logs), the same for every call. Returns one row per strategy: its most
/// expensive call and the most calls a solve took.
fn compute_targets_sweep(
    n: usize,
    w: &World,
    fixed: &Measured,
    frame: Option<u64>,
    matrices: usize,
) -> Vec<Row> {
    use portfolio_vault::constants::COMPUTE_TARGETS_SOLVER_CU;
    use portfolio_vault::math::linalg::OpCount;
    use portfolio_vault::math::weights::{Budget, SolverState};
    use portfolio_vault::operations::risk::{compute_targets, RiskWorkspace, Sampling};
    use rand::SeedableRng;
    let s = w.snapshot().expect("snapshot");
    let vault = s.vault;
    let risk = s.risk.as_ref().expect("risk account");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut covs: Vec<Option<nalgebra::DMatrix<f64>>> = vec![None];
    for _ in 0..matrices {
        let c = crate::accuracy::random_covariance(&mut rng, n);
        let moved = crate::accuracy::one_sample_on(&mut rng, &c);
        covs.push(Some(c));
        covs.push(Some(moved));
    }
    let strategies = [
        ("compute_targets fixed", 0u8, 0u32),
        ("compute_targets inverse-vol", 1, 0),
        ("compute_targets risk-parity", 2, 0),
        ("compute_targets min-variance", 3, 0),
        ("compute_targets vol-target", 2, 2_500),
    ];
    let mut rows = vec![];
    for (name, strategy, vol) in strategies {
        let mut params = risk.params;
        params.strategy = strategy;
        params.vol_target_bps = vol;
        let mut worst = 0u64;
        let mut worst_counts = cu_meter::Counts::default();
        let mut most_calls = 0;
        let mut heap = 0;
        // Every covariance continues from the previous one's solution, as on chain.
        let mut solve = SolverState::cold();
        for (k, cov) in covs.iter().enumerate() {
            if k % 2 == 1 {
                solve = SolverState::cold(); // a fresh random matrix: cold
            }
            let mut ws = RiskWorkspace::boxed(|e, st| {
                risk.load_estimator(e);
                *st = solve;
                if let Some(c) = cov {
                    // The study's covariance as an estimator whose bias correction is one.
                    for i in 0..n {
                        for j in 0..=i {
                            e.cov
                                .set(i, j, portfolio_vault::math::Fx::from_num(c[(i, j)]));
                        }
                    }
                    e.decay_pow = portfolio_vault::math::Fx::ZERO;
                }
            });
            for call in 1..=64 {
                let _ = cu_meter::take();
                let _ = cu_meter::take_heap();
                let prev = cu_meter::enter(cu_meter::VAULT);
                let effects = compute_targets(
                    &mut OpCount::default(),
                    &vault,
                    &params,
                    &mut ws,
                    Sampling {
                        assets: n,
                        samples: risk.sample_count,
                        high_vol_regime: false,
                    },
                    Budget {
                        cu: COMPUTE_TARGETS_SOLVER_CU,
                    },
                );
                cu_meter::leave(prev);
                let counts = cu_meter::take();
                heap = heap.max(cu_meter::take_heap()[cu_meter::VAULT]);
                let effects = effects.unwrap_or_else(|e| panic!("{name} at {n}: {e}"));
                let m = Measured {
                    counts,
                    ..fixed.clone()
                };
                let high = m.estimate().1;
                if high > worst {
                    worst = high;
                    worst_counts = counts;
                }
                if effects.targets.is_some() {
                    most_calls = most_calls.max(call);
                    break;
                }
                assert!(call < 64, "{name} at {n}: no targets after 64 calls");
            }
            solve = ws.solve;
        }
        let m = Measured {
            counts: worst_counts,
            heap: heap.max(fixed.heap),
            ..fixed.clone()
        };
        let (low, high) = m.estimate();
        rows.push(Row {
            name: name.into(),
            assets: n,
            low,
            high,
            budget: TX_LIMIT,
            calls: most_calls,
            heap: m.heap,
            accounts: fixed.accounts,
            tx_bytes: fixed.tx_bytes,
            frame,
        });
    }
    rows
}
