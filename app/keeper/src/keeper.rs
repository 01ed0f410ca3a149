//! One keeper: read → the withdrawal queue (fill the head, claim what is filled) →
//! `update_risk` when due → `compute_targets` → hedge → swap, each transaction simulated,
//! then sent with a compute limit and a priority fee.

use anchor_lang::prelude::Pubkey;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use vault_client::chain::build_transaction;
use vault_client::ix::AmmRoute;
use vault_client::portfolio_vault::math::nav::PriceSide;
use vault_client::{
    queue, ChainClient, ClientError, OracleAddresses, SwapPlan, VaultSnapshot, Wait,
};

use crate::config::KeeperConfig;
use crate::metrics::Metrics;

/// Compute units a transaction may ask for at most.
const MAX_COMPUTE_UNITS: u64 = 1_400_000;
/// Floor of the compute limit: natively run programs report few units in simulation.
const MIN_COMPUTE_UNITS: u64 = 200_000;
/// Fills, and claims, a tick sends at most (each request is one of each).
const QUEUE_ACTIONS_PER_TICK: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    UpdateRisk,
    ComputeTargets,
    MoveCollateral,
    Hedge,
    Swap,
    FillWithdraw,
    ClaimWithdraw,
}

impl ActionKind {
    /// The vault instruction the action sends.
    pub fn instruction(self) -> &'static str {
        match self {
            ActionKind::UpdateRisk => "update_risk",
            ActionKind::ComputeTargets => "compute_targets",
            ActionKind::MoveCollateral => "move_collateral",
            ActionKind::Hedge => "rebalance_hedge",
            ActionKind::Swap => "rebalance_swap",
            ActionKind::FillWithdraw => "fill_withdraw",
            ActionKind::ClaimWithdraw => "claim_withdraw",
        }
    }
}

/// What became of one planned transaction.
#[derive(Debug)]
pub enum Status {
    Sent(Signature),
    /// Dry run: the simulation passed; nothing was sent.
    Simulated {
        units: u64,
    },
    /// The program refused it (in simulation or on send): another keeper won the race, or
    /// the state moved. Not retried.
    Refused(ClientError),
    /// Transient failures on every attempt.
    Failed(ClientError),
}

#[derive(Debug)]
pub struct Action {
    pub kind: ActionKind,
    pub status: Status,
    pub detail: String,
    /// Base-unit value the action moves (swap input at the oracle mid price; hedge notional).
    pub notional: u64,
}

/// A planned transaction, before it is sent.
#[derive(Clone, Debug)]
pub struct Planned {
    pub kind: ActionKind,
    pub instructions: Vec<Instruction>,
    pub detail: String,
    pub notional: u64,
}

#[derive(Debug, Default)]
pub struct TickReport {
    pub actions: Vec<Action>,
    /// Why nothing (more) was sent.
    pub waits: Vec<Wait>,
}

impl TickReport {
    pub fn sent(&self, kind: ActionKind) -> usize {
        self.actions
            .iter()
            .filter(|a| a.kind == kind && matches!(a.status, Status::Sent(_)))
            .count()
    }

    pub fn sent_any(&self) -> bool {
        self.actions
            .iter()
            .any(|a| matches!(a.status, Status::Sent(_)))
    }
}

pub type Outcome = Result<TickReport, ClientError>;

pub struct Keeper<'c> {
    pub chain: &'c dyn ChainClient,
    pub signer: Keypair,
    pub vault: Pubkey,
    pub bounty_account: Pubkey,
    pub oracles: OracleAddresses,
    pub cfg: KeeperConfig,
    pub metrics: Arc<Metrics>,
    keys: vault_client::KeysCache,
}

fn percentile(mut fees: Vec<u64>, pct: u8) -> u64 {
    if fees.is_empty() {
        return 0;
    }
    fees.sort_unstable();
    let idx = ((fees.len() - 1) * pct.min(100) as usize) / 100;
    fees[idx]
}

impl<'c> Keeper<'c> {
    pub fn new(
        chain: &'c dyn ChainClient,
        signer: Keypair,
        vault: Pubkey,
        bounty_account: Pubkey,
        oracles: OracleAddresses,
        cfg: KeeperConfig,
    ) -> Self {
        Self {
            chain,
            signer,
            vault,
            bounty_account,
            oracles,
            cfg,
            metrics: Arc::new(Metrics::default()),
            keys: Default::default(),
        }
    }

    pub fn snapshot(&self) -> Result<VaultSnapshot, ClientError> {
        VaultSnapshot::load_cached(self.chain, self.vault, &self.oracles, &self.keys)
    }

    /// Creates the bounty account when it is the keeper's associated base account and does
    /// not exist yet (the program refuses swaps and hedges that name a missing account);
    /// true when it sent the creation.
    pub fn ensure_bounty_account(&self) -> Result<bool, ClientError> {
        let s = self.snapshot()?;
        let me = self.signer.pubkey();
        let (mint, program) = (s.keys.base_mint, s.keys.base_token_program);
        if self.bounty_account != vault_client::pda::associated_token(&me, &mint, &program)
            || self.chain.get_account(&self.bounty_account)?.is_some()
        {
            return Ok(false);
        }
        let ix = vault_client::ix::token::create_associated_idempotent(me, me, mint, program);
        let tx = self.transaction(&[ix])?;
        self.chain.send_and_confirm(&tx)?;
        Ok(true)
    }

    /// The risk-model transaction due now: a sample, else the targets. They go in separate
    /// transactions so a `compute_targets` the program refuses never loses the sample.
    pub fn plan_risk(&self, s: &VaultSnapshot) -> Option<Planned> {
        use vault_client::portfolio_vault::constants::{PAUSE_COMPUTE_TARGETS, PAUSE_UPDATE_RISK};
        let flags = s.vault.pause_flags;
        let can_sample = flags & PAUSE_UPDATE_RISK == 0 && s.all_prices().is_ok();
        let can_target = flags & PAUSE_COMPUTE_TARGETS == 0;
        if s.update_risk_due() && can_sample {
            return Some(Planned {
                kind: ActionKind::UpdateRisk,
                instructions: vec![s.keys.update_risk()],
                detail: "update_risk".into(),
                notional: 0,
            });
        }
        if s.targets_due() && can_target {
            return Some(Planned {
                kind: ActionKind::ComputeTargets,
                instructions: vec![s.keys.compute_targets()],
                detail: "compute_targets".into(),
                notional: 0,
            });
        }
        None
    }

    /// The next hedge transaction: collateral to the venue first, then the trade.
    pub fn plan_hedge(&self, s: &VaultSnapshot) -> Result<Planned, Wait> {
        if !self.cfg.hedge || s.keys.hedge.is_none() {
            return Err(Wait::NothingToDo);
        }
        let shortfall = s.collateral_shortfall();
        let me = self.signer.pubkey();
        if shortfall > 0 {
            return Ok(Planned {
                kind: ActionKind::MoveCollateral,
                instructions: vec![s.keys.move_collateral(me, shortfall, true)],
                detail: format!("move {shortfall} base to the hedge venue"),
                notional: shortfall,
            });
        }
        let t = s.plan_hedge()?;
        Ok(Planned {
            kind: ActionKind::Hedge,
            instructions: vec![s.keys.rebalance_hedge(
                me,
                self.bounty_account,
                t.asset as u8,
                t.base_delta,
            )],
            detail: format!("hedge asset {} by {} units", t.asset, t.base_delta),
            notional: t.residual.abs().to_num::<f64>() as u64,
        })
    }

    /// A fill of the request at the head of the queue, when the idle base can pay some of it.
    pub fn plan_fill(&self, s: &VaultSnapshot) -> Result<Option<Planned>, ClientError> {
        let Some(q) = queue::head(self.chain, s)? else {
            return Ok(None);
        };
        Ok(s.preview_fill(&q.request).ok().map(|f| Planned {
            kind: ActionKind::FillWithdraw,
            instructions: vec![s.keys.fill_withdraw(q.request.id)],
            detail: format!(
                "fill request {} with {} base for {} shares",
                q.request.id, f.paid, f.shares
            ),
            notional: f.paid,
        }))
    }

    /// Claims of the requests in the queue's window with a payment waiting or nothing left
    /// but closing (they need no oracle).
    pub fn plan_claims(&self, s: &VaultSnapshot) -> Result<Vec<Planned>, ClientError> {
        let window = queue::window(&s.vault);
        Ok(queue::load(self.chain, &s.keys.vault, window)?
            .into_iter()
            .filter(|q| q.claimable(&s.vault))
            .take(QUEUE_ACTIONS_PER_TICK)
            .map(|q| {
                let r = q.request;
                Planned {
                    kind: ActionKind::ClaimWithdraw,
                    instructions: vec![s.keys.claim_withdraw(r.id, r.owner, r.receiver)],
                    detail: format!("claim {} base for request {}", r.payable, r.id),
                    notional: r.payable,
                }
            })
            .collect())
    }

    /// The queue first: fills of the head while the idle base pays, then every claim due. A
    /// refused claim (a closed receiver) holds up no other.
    fn keep_queue(
        &self,
        s: &mut VaultSnapshot,
        report: &mut TickReport,
    ) -> Result<(), ClientError> {
        for _ in 0..QUEUE_ACTIONS_PER_TICK {
            let Some(p) = self.plan_fill(s)? else { break };
            let a = self.execute(p);
            let sent = matches!(a.status, Status::Sent(_));
            report.actions.push(a);
            if !sent {
                break;
            }
            *s = self.snapshot()?;
        }
        let claims = self.plan_claims(s)?;
        if !claims.is_empty() {
            for p in claims {
                let a = self.execute(p);
                report.actions.push(a);
            }
            *s = self.snapshot()?;
        }
        Ok(())
    }

    /// The next swap by the shared planner, sized to what the venue's pool can fill at the
    /// program's minimum output.
    pub fn plan_swap(&self, s: &VaultSnapshot) -> Result<Planned, Wait> {
        let plan = s.plan_swap()?;
        let venue_program = s.vault.venues[plan.venue as usize].program_id;
        let route = AmmRoute::sim_amm(
            venue_program,
            s.keys.slot_mint(plan.trade.sell),
            s.keys.slot_mint(plan.trade.buy),
        );
        let accounts = self
            .chain
            .get_multiple_accounts(&[route.pool, route.pool_sell, route.pool_buy])
            .map_err(|e| Wait::Venue(e.to_string()))?;
        let amount = |i: usize| {
            accounts[i]
                .as_ref()
                .and_then(|a| vault_client::decode::token_account(&a.data).ok())
                .map(|t| t.amount)
        };
        let pool_fee = accounts[0]
            .as_ref()
            .and_then(|a| {
                vault_client::decode::anchor::<vault_client::sim_amm::state::Pool>("pool", &a.data)
                    .ok()
            })
            .map(|p| p.fee_bps);
        let (Some(fee), Some(r_in), Some(r_out)) = (pool_fee, amount(1), amount(2)) else {
            return Err(Wait::Venue(format!(
                "no pool {} for slots {} and {}",
                route.pool, plan.trade.sell, plan.trade.buy
            )));
        };
        let SwapPlan { venue, trade } = s.fit_to_pool(plan, r_in, r_out, fee).ok_or_else(|| {
            Wait::Venue(format!(
                "pool {} too shallow for a trade worth its cost",
                route.pool
            ))
        })?;
        let ix = s.keys.rebalance_swap_amm(
            self.signer.pubkey(),
            self.bounty_account,
            venue,
            &route,
            trade.sell,
            trade.buy,
            trade.amount_in,
            trade.check.min_out,
        );
        Ok(Planned {
            kind: ActionKind::Swap,
            instructions: vec![ix],
            detail: format!(
                "swap {} of slot {} for >= {} of slot {} (value {} base, benefit {}, cost {})",
                trade.amount_in,
                trade.sell,
                trade.check.min_out,
                trade.buy,
                trade.check.value_in,
                trade.check.benefit,
                trade.check.cost
            ),
            notional: trade.check.value_in,
        })
    }

    fn priority_fee(&self, writable: &[Pubkey]) -> u64 {
        let fees = self
            .chain
            .recent_prioritization_fees(writable)
            .unwrap_or_default();
        percentile(fees, self.cfg.priority_fee_percentile)
            .min(self.cfg.max_priority_fee_micro_lamports)
    }

    fn with_budget(ixs: &[Instruction], units: u64, price: u64) -> Vec<Instruction> {
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(
            units.min(MAX_COMPUTE_UNITS) as u32,
        )];
        if price > 0 {
            all.push(ComputeBudgetInstruction::set_compute_unit_price(price));
        }
        all.extend_from_slice(ixs);
        all
    }

    fn transaction(
        &self,
        ixs: &[Instruction],
    ) -> Result<vault_client::chain::VersionedTransaction, ClientError> {
        let bh = self.chain.latest_blockhash()?;
        build_transaction(&self.signer.pubkey(), ixs, &[&self.signer], bh, &[])
    }

    /// Simulates `p`, then (unless dry-run) sends it with the simulated compute units plus
    /// the margin and a priority fee, retrying transient failures with a fresh blockhash and
    /// exponential backoff.
    pub fn execute(&self, p: Planned) -> Action {
        let pays_bounty = matches!(p.kind, ActionKind::Swap | ActionKind::Hedge);
        let bounty_before = pays_bounty.then(|| self.bounty_balance()).flatten();
        let status = self.execute_status(&p);
        match &status {
            Status::Sent(_) => {
                Metrics::inc(&self.metrics.sent);
                if let (Some(before), Some(after)) = (bounty_before, self.bounty_balance()) {
                    self.metrics
                        .bounty_base_units
                        .fetch_add(after.saturating_sub(before), Ordering::Relaxed);
                }
                let counter = match p.kind {
                    ActionKind::UpdateRisk => &self.metrics.risk_updates,
                    ActionKind::ComputeTargets => &self.metrics.target_updates,
                    ActionKind::Hedge | ActionKind::MoveCollateral => &self.metrics.hedges,
                    ActionKind::Swap => &self.metrics.swaps,
                    ActionKind::FillWithdraw => &self.metrics.fills,
                    ActionKind::ClaimWithdraw => &self.metrics.claims,
                };
                Metrics::inc(counter);
                tracing::info!(kind = ?p.kind, detail = %p.detail, "sent");
            }
            Status::Simulated { units } => {
                Metrics::inc(&self.metrics.simulated_only);
                tracing::info!(kind = ?p.kind, detail = %p.detail, units, "dry run: simulated, not sent");
            }
            Status::Refused(e) => {
                Metrics::inc(&self.metrics.refused);
                tracing::info!(kind = ?p.kind, detail = %p.detail, error = %e, "refused by the program; moving on");
            }
            Status::Failed(e) => {
                Metrics::inc(&self.metrics.send_failures);
                tracing::warn!(kind = ?p.kind, detail = %p.detail, error = %e, "gave up after retries");
            }
        }
        Action {
            kind: p.kind,
            status,
            detail: p.detail,
            notional: p.notional,
        }
    }

    /// The bounty account's balance (`None` when it cannot be read).
    fn bounty_balance(&self) -> Option<u64> {
        let acc = self.chain.get_account(&self.bounty_account).ok()??;
        vault_client::decode::token_account(&acc.data)
            .ok()
            .map(|t| t.amount)
    }

    fn execute_status(&self, p: &Planned) -> Status {
        let writable: Vec<Pubkey> = p
            .instructions
            .iter()
            .flat_map(|ix| {
                ix.accounts
                    .iter()
                    .filter(|m| m.is_writable)
                    .map(|m| m.pubkey)
            })
            .collect();
        let price = self.priority_fee(&writable);
        self.metrics.priority_fee.store(price, Ordering::Relaxed);
        let probe = match self.transaction(&Self::with_budget(
            &p.instructions,
            MAX_COMPUTE_UNITS,
            price,
        )) {
            Ok(tx) => tx,
            Err(e) => return Status::Failed(e),
        };
        let sim = match self.chain.simulate(&probe) {
            Ok(s) => s,
            Err(e) => return Status::Failed(e),
        };
        if let Some(e) = sim.error {
            return Status::Refused(e);
        }
        let units = (sim.units_consumed * (100 + self.cfg.compute_margin_pct as u64) / 100)
            .max(MIN_COMPUTE_UNITS);
        if self.cfg.dry_run {
            return Status::Simulated { units };
        }
        let ixs = Self::with_budget(&p.instructions, units, price);
        let mut backoff = self.cfg.backoff_ms;
        let attempts = self.cfg.max_retries.max(1);
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                Metrics::inc(&self.metrics.retries);
                std::thread::sleep(std::time::Duration::from_millis(backoff));
                backoff = backoff.saturating_mul(2);
            }
            // A fresh blockhash every attempt: a retry never reuses an expired one.
            let tx = match self.transaction(&ixs) {
                Ok(tx) => tx,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            match self.chain.send_and_confirm(&tx) {
                Ok(sig) => return Status::Sent(sig),
                Err(e @ ClientError::Program(_)) => return Status::Refused(e),
                Err(e) => last = Some(e),
            }
        }
        Status::Failed(last.unwrap_or_else(|| ClientError::Other("no attempt made".into())))
    }

    /// One pass: the queue, risk model, hedge, swap; each re-planned on a fresh read after a
    /// send. Sends at most one hedge and `max_swaps` swaps.
    pub fn tick_with(&self, max_swaps: usize) -> Outcome {
        Metrics::inc(&self.metrics.ticks);
        let mut report = TickReport::default();
        let mut s = match self.snapshot() {
            Ok(s) => s,
            Err(e) => {
                Metrics::inc(&self.metrics.tick_errors);
                return Err(e);
            }
        };
        self.metrics.last_tick_ts.store(s.now, Ordering::Relaxed);
        self.metrics
            .last_success_ts
            .store(wall_clock(), Ordering::Relaxed);
        if let Err(e) = self.keep_queue(&mut s, &mut report) {
            tracing::warn!(error = %e, "could not read the withdrawal queue");
        }
        if let Err(w) = s.all_prices() {
            tracing::info!(reason = %w, "waiting: an oracle is not usable");
            report.waits.push(w);
            return Ok(report);
        }
        // A sample, then the targets it makes due.
        for _ in 0..2 {
            let Some(p) = self.plan_risk(&s) else { break };
            let a = self.execute(p);
            let sent = matches!(a.status, Status::Sent(_));
            report.actions.push(a);
            if !sent {
                break;
            }
            s = self.snapshot()?;
        }
        for _ in 0..2 {
            match self.plan_hedge(&s) {
                Ok(p) => {
                    let a = self.execute(p);
                    let sent = matches!(a.status, Status::Sent(_));
                    let kind = a.kind;
                    report.actions.push(a);
                    if !sent {
                        break;
                    }
                    s = self.snapshot()?;
                    if kind == ActionKind::Hedge {
                        break;
                    }
                }
                Err(w) => {
                    if w != Wait::NothingToDo {
                        report.waits.push(w);
                    }
                    break;
                }
            }
        }
        for _ in 0..max_swaps {
            match self.plan_swap(&s) {
                Ok(p) => {
                    let a = self.execute(p);
                    let sent = matches!(a.status, Status::Sent(_));
                    report.actions.push(a);
                    if !sent {
                        break;
                    }
                    s = self.snapshot()?;
                }
                Err(w) => {
                    report.waits.push(w);
                    break;
                }
            }
        }
        if let (Ok(nav), Ok(pps)) = (s.nav(PriceSide::Mid), s.share_price()) {
            self.metrics.nav_base_units.store(nav, Ordering::Relaxed);
            self.metrics
                .share_price_e9
                .store((pps * 1e9) as u64, Ordering::Relaxed);
        }
        Ok(report)
    }

    /// A tick that sends at most one swap (cooldowns usually allow no more).
    pub fn tick(&self) -> Outcome {
        self.tick_with(1)
    }
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
