//! One simulation run: every step moves the clock, posts Pyth prices, lets an arbitrageur
//! trade the pools back to the oracle, lets depositors come and go, runs the real keeper
//! against the in-process backend, records the series the report draws, and checks the
//! global invariants. Depositors leave by amount: from the idle buffer when it pays, else
//! through the withdrawal queue, and in kind when the queue has not paid them within the
//! vault's longest wait. At the end every depositor redeems in kind.

use anchor_lang::prelude::Pubkey;
use rand::Rng;
use solana_signer::Signer;
use std::collections::BTreeMap;
use std::time::Instant;
use vault_client::ix;
use vault_client::portfolio_vault::math::nav::PriceSide;
use vault_client::portfolio_vault::state::WithdrawRequest;
use vault_client::{decode, pda, ChainClient, ClientError, Wait};
use vault_keeper::{ActionKind, Keeper, KeeperConfig, Status};

use crate::market::{actor_rng, lognormal, Path};
use crate::world::{Holder, Setup, World, BASE_DECIMALS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Default,
    FlashCrash,
    OracleOutage,
    LiquidityCrunch,
    KeeperOutage,
    PerpHalt,
}

impl Scenario {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "default" => Self::Default,
            "flash-crash" => Self::FlashCrash,
            "oracle-outage" => Self::OracleOutage,
            "liquidity-crunch" => Self::LiquidityCrunch,
            "keeper-outage" => Self::KeeperOutage,
            "perp-halt" => Self::PerpHalt,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::FlashCrash => "flash-crash",
            Self::OracleOutage => "oracle-outage",
            Self::LiquidityCrunch => "liquidity-crunch",
            Self::KeeperOutage => "keeper-outage",
            Self::PerpHalt => "perp-halt",
        }
    }

    /// The step window the scenario's event covers (start, length in steps).
    pub fn window(self, steps: usize) -> (usize, usize) {
        let mid = steps / 2;
        match self {
            Self::Default | Self::FlashCrash => (steps * 2 / 3, 0),
            Self::OracleOutage => (mid, 12),
            Self::LiquidityCrunch => (mid, 48),
            Self::KeeperOutage => (mid, 168.min(steps / 3)),
            Self::PerpHalt => (mid, 48),
        }
    }
}

/// How the keeper trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeeperMode {
    /// Whenever a weight leaves its band and the trade is worth its cost.
    Band,
    /// Once a day at midnight, every trade the program accepts (band at its minimum).
    Calendar,
}

#[derive(Clone, Debug)]
pub struct RunConfig {
    pub setup: Setup,
    pub scenario: Scenario,
    pub seed: u64,
    pub depositors: usize,
    pub keeper_mode: KeeperMode,
    pub progress: bool,
    /// Depositors come and go during the run; without, the founding cohort stays and every
    /// trade after the first investment is rebalancing (`compare` measures both).
    pub flows: bool,
}

/// The series the report draws, one entry per step.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub t: Vec<i64>,
    /// Vault NAV per share at mid prices, normalised to 1 at the start.
    pub pps: Vec<f64>,
    pub buy_hold: Vec<f64>,
    pub equal_daily: Vec<f64>,
    /// Weights and targets per slot (assets, then cash).
    pub weights: Vec<Vec<f64>>,
    pub targets: Vec<Vec<f64>>,
    /// Net delta (spot plus perp) over NAV.
    pub net_delta: Vec<f64>,
    pub turnover_cum: Vec<f64>,
    pub cost_cum_bps: Vec<f64>,
    pub nav: Vec<f64>,
}

/// The cost counters of a run at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    pub turnover_base: f64,
    pub cost_base: f64,
    pub bounty_base: f64,
    pub swaps: usize,
    pub tracking_sq: f64,
    pub records: usize,
}

impl Stats {
    pub fn counters(&self, records: usize) -> Counters {
        Counters {
            turnover_base: self.turnover_base,
            cost_base: self.cost_base,
            bounty_base: self.bounty_base,
            swaps: self.swaps,
            tracking_sq: self.tracking_sq,
            records,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: usize,
    pub swaps: usize,
    pub hedge_trades: usize,
    pub collateral_moves: usize,
    pub risk_updates: usize,
    pub refused: usize,
    pub keeper_waits: BTreeMap<String, usize>,
    pub turnover_base: f64,
    pub cost_base: f64,
    pub bounty_base: f64,
    /// Anti-dilution levies deposits and withdrawals paid into the vault (base tokens): what
    /// the flows paid towards the trades that absorb them.
    pub levy_base: f64,
    pub avg_nav: f64,
    pub deposits: usize,
    pub withdrawals: usize,
    pub redemptions: usize,
    pub refused_user_actions: BTreeMap<String, usize>,
    /// Depositors' exits during the run (the event probe and the final exit aside), by value
    /// at the low side before the levy, base tokens: paid in base (at once or through the
    /// queue) and in kind.
    pub exit_base_value: f64,
    pub exit_kind_value: f64,
    /// Requests queued, and the waits of those the queue paid in full, seconds.
    pub queued_exits: usize,
    pub queue_waits_s: Vec<i64>,
    /// Levies the exits paid, base tokens (part of `levy_base`).
    pub exit_levy_base: f64,
    /// Trading costs (as `cost_base`) of the keeper steps that began with the queue owed
    /// base: the sales the queue caused, and what else those steps traded.
    pub queue_trading_cost_base: f64,
    /// Base the keeper's fills paid out of the vault.
    pub filled_base: f64,
    pub invariant_checks: usize,
    pub in_band_steps: usize,
    pub tracking_sq: f64,
    pub elapsed_s: f64,
    pub notes: Vec<String>,
    pub exits_ok: bool,
    pub max_abs_net_delta: f64,
    /// The counters when every weight first sat inside its band (the founding deposits
    /// invested): what follows is rebalancing.
    pub invested: Option<Counters>,
}

pub struct RunResult {
    pub series: Series,
    pub stats: Stats,
    pub names: Vec<String>,
    pub band_bps: u16,
}

struct Depositor {
    h: Holder,
    active: bool,
    pending: Option<Pending>,
}

/// A depositor's request in the withdrawal queue.
struct Pending {
    id: u64,
    since: i64,
    /// Value of the queued shares at request (before the levy).
    value: u64,
    shares: u64,
}

fn ui(x: u64) -> f64 {
    x as f64 / 10f64.powi(BASE_DECIMALS as i32)
}

fn token_amount(chain: &dyn ChainClient, key: &Pubkey) -> u64 {
    chain
        .get_account(key)
        .ok()
        .flatten()
        .and_then(|a| decode::token_account(&a.data).ok())
        .map(|t| t.amount)
        .unwrap_or(0)
}

/// The global invariants (`vault_client::invariants`), checked every step.
pub fn check_invariants(w: &World) -> Result<(), String> {
    let wanted = vault_client::invariants::accounts(&w.keys, &w.share_accounts);
    let fetched = w
        .chain
        .get_multiple_accounts(&wanted)
        .map_err(|e| e.to_string())?;
    vault_client::invariants::check_accounts(&w.keys, &w.share_accounts, &fetched)
}

fn count(map: &mut BTreeMap<String, usize>, key: String) {
    *map.entry(key).or_default() += 1;
}

fn err_name(e: &ClientError) -> String {
    e.name()
        .map(str::to_string)
        .unwrap_or_else(|| e.to_string())
}

/// Trades every pool back to its oracle price, as arbitrage does on a live market. The
/// arbitrageur is modelled off-chain with unlimited inventory: its swap is computed with the
/// AMM's own integer math (`sim_amm::math::quote_out`, fee included) and written straight to
/// the pool's two token accounts, the mints' supplies following, instead of being sent as
/// one transaction per pool (36 pools at 8 assets would cost the year-long study minutes).
/// The keeper's trades always go through the real program.
pub fn arbitrage(w: &World, prices: &[f64]) {
    use anchor_lang::solana_program::program_pack::Pack;
    use anchor_spl::token_2022::spl_token_2022::state::{Account as TokenAccount, Mint};
    let price = |s: usize| prices.get(s).copied().unwrap_or(1.0);
    let keys: Vec<Pubkey> = w.pool_vaults.iter().flat_map(|&(a, b)| [a, b]).collect();
    let accs = w.chain.get_multiple_accounts(&keys).expect("pool vaults");
    let mut supply_delta: std::collections::HashMap<Pubkey, i128> = Default::default();
    for (k, &(x, y)) in w.pools.iter().enumerate() {
        let (Some(ax), Some(ay)) = (accs[2 * k].clone(), accs[2 * k + 1].clone()) else {
            continue;
        };
        let (Ok(mut tx), Ok(mut ty)) = (
            TokenAccount::unpack(&ax.data),
            TokenAccount::unpack(&ay.data),
        ) else {
            continue;
        };
        let (rx, ry) = (tx.amount as f64, ty.amount as f64);
        if rx <= 0.0 || ry <= 0.0 {
            continue;
        }
        let (mx, dx, _) = w.slot(x);
        let (my, dy, _) = w.slot(y);
        // Oracle price of one unit of x in units of y.
        let p = price(x) / price(y) * 10f64.powi(dy as i32 - dx as i32);
        let fee_bps = w.setup.venue_fee_bps;
        let fee = fee_bps as f64 / 1e4;
        let pool_price = ry / rx;
        if (pool_price / p - 1.0).abs() <= fee {
            continue;
        }
        let kk = rx * ry;
        // x is dear in the pool: sell x into it, else sell y.
        let x_in = pool_price > p;
        let amount_in = if x_in {
            ((kk / p).sqrt() - rx) / (1.0 - fee)
        } else {
            ((kk * p).sqrt() - ry) / (1.0 - fee)
        };
        if amount_in < 1.0 {
            continue;
        }
        let amount_in = amount_in as u64;
        let (r_in, r_out) = if x_in {
            (tx.amount, ty.amount)
        } else {
            (ty.amount, tx.amount)
        };
        let Some(out) = vault_client::sim_amm::math::quote_out(r_in, r_out, amount_in, fee_bps)
        else {
            continue;
        };
        let (mint_in, mint_out) = if x_in { (mx, my) } else { (my, mx) };
        if x_in {
            tx.amount += amount_in;
            ty.amount -= out;
        } else {
            ty.amount += amount_in;
            tx.amount -= out;
        }
        *supply_delta.entry(mint_in).or_default() += amount_in as i128;
        *supply_delta.entry(mint_out).or_default() -= out as i128;
        for (key, acc, state) in [(keys[2 * k], ax, tx), (keys[2 * k + 1], ay, ty)] {
            let mut acc = acc;
            TokenAccount::pack(state, &mut acc.data[..TokenAccount::LEN])
                .expect("pack token account");
            w.chain.set_account(&key, acc);
        }
    }
    for (mint, d) in supply_delta {
        if d == 0 {
            continue;
        }
        let mut acc = w.chain.account(&mint).expect("mint");
        let mut m = Mint::unpack(&acc.data[..Mint::LEN]).expect("mint data");
        m.supply = (m.supply as i128 + d) as u64;
        Mint::pack(m, &mut acc.data[..Mint::LEN]).expect("pack mint");
        w.chain.set_account(&mint, acc);
    }
}

/// 1/N equal weights: buy and hold, and rebalanced daily (frictionless benchmarks).
struct Benchmarks {
    bh_units: Vec<f64>,
    ew_units: Vec<f64>,
    ew_value: f64,
}

impl Benchmarks {
    fn new(p0: &[f64]) -> Self {
        let n = p0.len() as f64;
        let units: Vec<f64> = p0.iter().map(|p| 1.0 / n / p).collect();
        Self {
            bh_units: units.clone(),
            ew_units: units,
            ew_value: 1.0,
        }
    }

    fn step(&mut self, p: &[f64], rebalance: bool) -> (f64, f64) {
        let bh: f64 = self.bh_units.iter().zip(p).map(|(u, p)| u * p).sum();
        self.ew_value = self.ew_units.iter().zip(p).map(|(u, p)| u * p).sum();
        if rebalance {
            let n = p.len() as f64;
            self.ew_units = p.iter().map(|p| self.ew_value / n / p).collect();
        }
        (bh, self.ew_value)
    }
}

/// The keeper's tick, `subticks` times a minute apart while it keeps sending, re-posting the
/// same prices each time (they are fresh again a minute later).
fn keeper_ticks(
    w: &World,
    keeper: &Keeper,
    prices: &[f64],
    max_swaps_per_tick: usize,
    subticks: usize,
    stats: &mut Stats,
    post: bool,
) {
    for sub in 0..subticks {
        if sub > 0 {
            let t = w.now() + 61;
            w.chain.set_unix_timestamp(t);
            if post {
                for (i, &p) in prices.iter().enumerate() {
                    w.post_price(i, p, t, 0.0);
                }
            }
        }
        let report = match keeper.tick_with(max_swaps_per_tick) {
            Ok(r) => r,
            Err(e) => {
                count(&mut stats.keeper_waits, format!("read failed: {e}"));
                return;
            }
        };
        let mut traded = false;
        for a in &report.actions {
            match (&a.status, a.kind) {
                (Status::Sent(_), ActionKind::Swap) => {
                    stats.swaps += 1;
                    stats.turnover_base += ui(a.notional);
                    traded = true;
                }
                (Status::Sent(_), ActionKind::Hedge) => {
                    stats.hedge_trades += 1;
                    traded = true;
                }
                (Status::Sent(_), ActionKind::MoveCollateral) => stats.collateral_moves += 1,
                (Status::Sent(_), ActionKind::UpdateRisk) => stats.risk_updates += 1,
                (Status::Sent(_), ActionKind::FillWithdraw) => stats.filled_base += ui(a.notional),
                (Status::Refused(e), _) => {
                    stats.refused += 1;
                    count(&mut stats.keeper_waits, format!("refused: {}", err_name(e)));
                }
                (Status::Failed(e), _) => count(&mut stats.keeper_waits, format!("failed: {e}")),
                _ => {}
            }
        }
        for wait in &report.waits {
            let key = match wait {
                Wait::Oracle { .. } => "oracle refused".to_string(),
                Wait::Cooldown(_) => "cooldown".to_string(),
                other => other.to_string(),
            };
            count(&mut stats.keeper_waits, key);
        }
        if !traded {
            return;
        }
    }
}

fn open_claim_if_needed(w: &World, owner: &Pubkey) {
    if w.keys.hedge.is_none() {
        return;
    }
    let claim = pda::hedge_claim(&w.vault, owner);
    if w.chain.get_account(&claim).ok().flatten().is_none() {
        let payer = w.chain.payer().pubkey();
        let _ = w.send(&[w.keys.open_hedge_claim(payer, *owner)], &[]);
    }
}

fn redeem_all(w: &World, d: &Holder) -> Result<(), ClientError> {
    let shares = token_amount(&w.chain, &d.shares);
    if shares == 0 {
        return Ok(());
    }
    open_claim_if_needed(w, &d.kp.pubkey());
    let ix = w
        .keys
        .redeem_in_kind(d.kp.pubkey(), d.base, d.shares, &d.assets, shares);
    w.send(&[ix], &[&d.kp])
}

/// A depositor's move this step: waiting on its request, or a deposit, or (every 45 days on
/// average) an exit of an amount drawn like the deposits, at most the whole position.
fn depositor_step(w: &World, d: &mut Depositor, rng: &mut impl Rng, stats: &mut Stats, dt_s: i64) {
    let per_day = 86_400.0 / dt_s as f64;
    if d.pending.is_some() {
        settle_pending(w, d, stats, false);
        return;
    }
    if !d.active {
        if rng.gen_bool((1.0 / (15.0 * per_day)).min(1.0)) {
            let amount = (lognormal(rng, 100_000.0, 0.8).clamp(100.0, 2_000_000.0) * 1e6) as u64;
            let bal = token_amount(&w.chain, &d.h.base);
            let amount = amount.min(bal);
            let levy = w
                .snapshot()
                .and_then(|s| s.preview_deposit_effects(amount))
                .map(|e| e.levy.levy);
            let ix = w
                .keys
                .deposit(d.h.kp.pubkey(), d.h.base, d.h.shares, amount, 0);
            match w.send(&[ix], &[&d.h.kp]) {
                Ok(()) => {
                    stats.deposits += 1;
                    stats.levy_base += ui(levy.unwrap_or(0));
                    d.active = true;
                }
                Err(e) => count(
                    &mut stats.refused_user_actions,
                    format!("deposit: {}", err_name(&e)),
                ),
            }
        }
        return;
    }
    if !rng.gen_bool((1.0 / (45.0 * per_day)).min(1.0)) {
        return;
    }
    let held = token_amount(&w.chain, &d.h.shares);
    let wanted = (lognormal(rng, 100_000.0, 0.8).clamp(100.0, 2_000_000.0) * 1e6) as u64;
    let Ok(s) = w.snapshot() else { return };
    let Ok(position) = s.preview_exit(held.max(1)) else {
        return;
    };
    // The fewest shares paying `wanted` at the exit price (as the CLI's `withdraw AMOUNT`);
    // all of them when that is most.
    let shares = if wanted >= position.net() {
        held
    } else {
        s.shares_for_exit(wanted).unwrap_or(held).min(held)
    };
    let Ok(exit) = s.preview_exit(shares) else {
        return;
    };
    let ix = w
        .keys
        .withdraw(d.h.kp.pubkey(), d.h.shares, d.h.base, shares, 0);
    if w.send(&[ix], &[&d.h.kp]).is_ok() {
        stats.withdrawals += 1;
        stats.levy_base += ui(exit.levy.levy);
        stats.exit_levy_base += ui(exit.levy.levy);
        stats.exit_base_value += ui(exit.gross);
        d.active = token_amount(&w.chain, &d.h.shares) > 0;
        return;
    }
    // The buffer cannot pay: queue the shares.
    let id = s.vault.queue_next;
    let ix = w
        .keys
        .request_withdraw(d.h.kp.pubkey(), d.h.shares, d.h.base, id, shares, 0);
    match w.send(&[ix], &[&d.h.kp]) {
        Ok(()) => {
            stats.queued_exits += 1;
            stats.levy_base += ui(exit.levy.levy);
            stats.exit_levy_base += ui(exit.levy.levy);
            d.pending = Some(Pending {
                id,
                since: s.now,
                value: exit.gross,
                shares,
            });
        }
        Err(e) => {
            count(
                &mut stats.refused_user_actions,
                format!("request_withdraw: {}", err_name(&e)),
            );
            match redeem_all(w, &d.h) {
                Ok(()) => {
                    stats.redemptions += 1;
                    stats.exit_kind_value += ui(exit.gross);
                    d.active = false;
                }
                Err(e) => count(
                    &mut stats.refused_user_actions,
                    format!("redeem_in_kind: {}", err_name(&e)),
                ),
            }
        }
    }
}

/// Follows a depositor's request: done once the keeper has paid and closed it; after the
/// vault's longest wait (or with `now_or_never`, at the end of the run), cancelled with what
/// is left redeemed in kind.
fn settle_pending(w: &World, d: &mut Depositor, stats: &mut Stats, now_or_never: bool) {
    let Some(p) = &d.pending else { return };
    let request = w
        .chain
        .get_account(&pda::withdraw_request(&w.vault, p.id))
        .ok()
        .flatten()
        .and_then(|a| decode::anchor::<WithdrawRequest>("request", &a.data).ok());
    let Ok(s) = w.snapshot() else { return };
    let late = s.now - p.since >= i64::from(s.vault.rebalance.max_withdraw_wait_s);
    let unfilled = match &request {
        None => 0,
        Some(_) if !late && !now_or_never => return,
        Some(r) => {
            let cancel = w.keys.cancel_withdraw(d.h.kp.pubkey(), d.h.shares, p.id);
            if let Err(e) = w.send(&[cancel], &[&d.h.kp]) {
                count(
                    &mut stats.refused_user_actions,
                    format!("cancel_withdraw: {}", err_name(&e)),
                );
                return;
            }
            // What was filled before the cancel, if anything, goes out with the claim.
            let claim = w.keys.claim_withdraw(p.id, d.h.kp.pubkey(), d.h.base);
            let _ = w.send(&[claim], &[&d.h.kp]);
            r.shares
        }
    };
    // The part of the request's value the queue paid, by the shares it burned.
    let paid_part = 1.0 - unfilled as f64 / p.shares.max(1) as f64;
    stats.exit_base_value += ui(p.value) * paid_part;
    if unfilled > 0 {
        stats.exit_kind_value += ui(p.value) * (1.0 - paid_part);
        if redeem_all(w, &d.h).is_ok() {
            stats.redemptions += 1;
        }
    }
    if request.is_none() {
        stats.queue_waits_s.push(s.now - p.since);
    }
    d.pending = None;
    d.active = token_amount(&w.chain, &d.h.shares) > 0;
}

/// Withdraws `fraction_out` of the arbitrageur's liquidity from every pool, or (`restore`)
/// puts the same value back at each pool's current ratio.
fn set_pool_depth(w: &World, fraction_out: f64, restore: bool) {
    for (k, &(x, y)) in w.pools.iter().enumerate() {
        let (mx, _, ax) = w.slot(x);
        let (my, _, ay) = w.slot(y);
        let (mint_a, mint_b) = pda::amm::ordered(mx, my);
        let (ua, ub) = if mint_a == mx { (ax, ay) } else { (ay, ax) };
        let ix = if restore {
            let pool = pda::amm::pool(&mint_a, &mint_b);
            let va = token_amount(&w.chain, &pda::amm::pool_vault(&pool, &mint_a));
            let vb = token_amount(&w.chain, &pda::amm::pool_vault(&pool, &mint_b));
            let f = 1.0 / (1.0 - fraction_out) - 1.0;
            let (add_a, add_b) = ((va as f64 * f) as u64, (vb as f64 * f) as u64);
            // The arbitrageur's inventory is what it withdrew, moved by its trades since:
            // mint what the restore puts back.
            w.mint_to(&mint_a, &ua, add_a);
            w.mint_to(&mint_b, &ub, add_b);
            ix::amm::add_liquidity(
                w.arb.kp.pubkey(),
                mint_a,
                mint_b,
                ua,
                ub,
                w.pool_lp[k],
                add_a,
                add_b,
            )
        } else {
            let lp = token_amount(&w.chain, &w.pool_lp[k]);
            ix::amm::remove_liquidity(
                w.arb.kp.pubkey(),
                mint_a,
                mint_b,
                ua,
                ub,
                w.pool_lp[k],
                (lp as f64 * fraction_out) as u64,
            )
        };
        w.send(&[ix], &[&w.arb.kp]).expect("pool liquidity");
    }
}

/// What a scenario does to the world besides the market path: each hook is called once a
/// step, in this order (`at_step` before arbitrage, then `posts_prices`/`keeper_away` when the
/// step needs them). The default scenario does nothing.
pub trait ScenarioEvents {
    /// The scenario's event window `(first step, length)`; depositors probe an exit in kind
    /// halfway through it.
    fn window(&self) -> (usize, usize);
    /// Whether the oracles publish at step `k`.
    fn posts_prices(&self, _k: usize) -> bool {
        true
    }
    /// Whether the keeper is away at step `k`.
    fn keeper_away(&self, _k: usize) -> bool {
        false
    }
    /// What the scenario changes in the world at step `k` (liquidity, a venue halt).
    fn at_step(&self, _w: &World, _k: usize, _stats: &mut Stats) {}

    fn in_event(&self, k: usize) -> bool {
        let (start, len) = self.window();
        k >= start && k < start + len
    }
}

struct Window(usize, usize);
struct Quiet(Window);
struct OracleOutage(Window);
struct LiquidityCrunch(Window);
struct KeeperOutage(Window);
struct PerpHalt(Window);

impl ScenarioEvents for Quiet {
    fn window(&self) -> (usize, usize) {
        (self.0 .0, self.0 .1)
    }
}

impl ScenarioEvents for OracleOutage {
    fn window(&self) -> (usize, usize) {
        (self.0 .0, self.0 .1)
    }
    fn posts_prices(&self, k: usize) -> bool {
        !self.in_event(k)
    }
}

impl ScenarioEvents for KeeperOutage {
    fn window(&self) -> (usize, usize) {
        (self.0 .0, self.0 .1)
    }
    fn keeper_away(&self, k: usize) -> bool {
        self.in_event(k)
    }
}

impl ScenarioEvents for LiquidityCrunch {
    fn window(&self) -> (usize, usize) {
        (self.0 .0, self.0 .1)
    }
    fn at_step(&self, w: &World, k: usize, stats: &mut Stats) {
        let (start, len) = self.window();
        if k == start {
            set_pool_depth(w, 0.98, false);
            stats.notes.push(format!(
                "step {k}: 98 % of every pool's liquidity withdrawn for {len} steps"
            ));
        }
        if k == start + len {
            set_pool_depth(w, 0.98, true);
            stats.notes.push(format!("step {k}: liquidity restored"));
        }
    }
}

impl ScenarioEvents for PerpHalt {
    fn window(&self) -> (usize, usize) {
        (self.0 .0, self.0 .1)
    }
    fn at_step(&self, w: &World, k: usize, stats: &mut Stats) {
        let (start, len) = self.window();
        if k != start && k != start + len {
            return;
        }
        let halted = k == start;
        let payer = w.chain.payer().pubkey();
        let exchange = w.exchange.expect("hedged vault");
        w.send(&[ix::perp::set_halted(payer, exchange, halted)], &[])
            .expect("set_halted");
        stats.notes.push(format!(
            "step {k}: perp market {}",
            if halted { "halted" } else { "reopened" }
        ));
    }
}

impl Scenario {
    /// The scenario's events over a run of `steps` (the flash crash is in the price path).
    pub fn events(self, steps: usize) -> Box<dyn ScenarioEvents> {
        let (start, len) = self.window(steps);
        let w = Window(start, len);
        match self {
            Self::Default | Self::FlashCrash => Box::new(Quiet(w)),
            Self::OracleOutage => Box::new(OracleOutage(w)),
            Self::LiquidityCrunch => Box::new(LiquidityCrunch(w)),
            Self::KeeperOutage => Box::new(KeeperOutage(w)),
            Self::PerpHalt => Box::new(PerpHalt(w)),
        }
    }
}

/// The series and statistics of a run, one `record` a step.
struct Recorder {
    series: Series,
    bench: Benchmarks,
    pps0: Option<f64>,
    nav_sum: f64,
    band_bps: u16,
    /// Weights this close to the targets count as invested (the study's band, whichever
    /// keeper runs: the calendar keeper's 10 bps band is not a fair mark).
    invested_bps: u16,
    n: usize,
}

impl Recorder {
    fn new(p0: &[f64], band_bps: u16, invested_bps: u16) -> Self {
        Self {
            series: Series::default(),
            bench: Benchmarks::new(p0),
            pps0: None,
            nav_sum: 0.0,
            band_bps,
            invested_bps,
            n: p0.len(),
        }
    }

    /// Records step `t` from the vault read after the keeper (`snap`), the benchmarks at
    /// `prices` (rebalanced at `day_end`), and the weight gaps and net delta into `stats`.
    fn record(
        &mut self,
        t: i64,
        prices: &[f64],
        day_end: bool,
        snap: Option<vault_client::VaultSnapshot>,
        stats: &mut Stats,
    ) {
        let n = self.n;
        let (bh, ew) = self.bench.step(prices, day_end);
        let Some(s) = snap else { return };
        let (Ok(nav), Ok(supply)) = (s.nav(PriceSide::Mid), s.pricing_supply()) else {
            return;
        };
        let series = &mut self.series;
        let pps = nav as f64 / supply.max(1) as f64;
        let p0 = *self.pps0.get_or_insert(pps);
        series.t.push(t);
        series.pps.push(pps / p0);
        series.buy_hold.push(bh);
        series.equal_daily.push(ew);
        series.nav.push(ui(nav));
        self.nav_sum += ui(nav);
        let wts = s.current_weights().unwrap_or_else(|_| vec![0.0; n + 1]);
        let (tg, cash) = s.targets();
        let mut tv: Vec<f64> = tg[..n].iter().map(|x| x.to_num::<f64>()).collect();
        tv.push(cash.to_num::<f64>());
        let gaps: Vec<f64> = wts.iter().zip(&tv).map(|(a, b)| a - b).collect();
        let within = |bps: u16| gaps.iter().all(|g| g.abs() * 1e4 <= bps as f64);
        if within(self.band_bps) {
            stats.in_band_steps += 1;
        }
        if stats.invested.is_none() && within(self.invested_bps) {
            stats.invested = Some(stats.counters(series.t.len() - 1));
        }
        stats.tracking_sq += gaps.iter().map(|g| g * g).sum::<f64>();
        let delta = match s.hedge_report() {
            Some(r) => r.portfolio_delta.to_num::<f64>() / ui(nav).max(1e-9) / 1e6,
            None => wts[..n].iter().sum(),
        };
        stats.max_abs_net_delta = stats.max_abs_net_delta.max(delta.abs());
        series.net_delta.push(delta);
        series.weights.push(wts);
        series.targets.push(tv);
        // Cumulative against the first NAV: a running average would make them fall.
        let initial = series.nav[0].max(1e-9);
        series.turnover_cum.push(stats.turnover_base / initial);
        series.cost_cum_bps.push(stats.cost_base / initial * 1e4);
    }

    fn avg_nav(&self) -> f64 {
        self.nav_sum / self.series.nav.len().max(1) as f64
    }
}

/// The world of a run with its depositors, half of them (the founding cohort) already in so
/// the vault has capital from the first day.
fn populate(
    setup: Setup,
    path: &Path,
    cfg: &RunConfig,
    stats: &mut Stats,
) -> (World, Vec<Depositor>) {
    let mut w = World::build(setup, &path.prices[0]);
    let mut depositors = vec![];
    for _ in 0..cfg.depositors {
        let h = w.new_holder(1_000_000_000);
        w.mint_to(&w.base_mint.clone(), &h.base, 5_000_000 * 1_000_000);
        depositors.push(Depositor {
            h,
            active: false,
            pending: None,
        });
    }
    for d in depositors.iter_mut().take(cfg.depositors / 2) {
        let ix = w.keys.deposit(
            d.h.kp.pubkey(),
            d.h.base,
            d.h.shares,
            250_000 * 1_000_000,
            0,
        );
        w.send(&[ix], &[&d.h.kp]).expect("founding deposit");
        d.active = true;
        stats.deposits += 1;
    }
    (w, depositors)
}

/// Halfway through the scenario's event, an active depositor leaves in kind: exits must work
/// while the oracle, the venue or the keeper is away.
fn probe_exit(w: &World, depositors: &mut [Depositor], name: &str, k: usize, stats: &mut Stats) {
    let Some(d) = depositors
        .iter_mut()
        .find(|d| d.active && d.pending.is_none())
    else {
        return;
    };
    match redeem_all(w, &d.h) {
        Ok(()) => {
            stats.redemptions += 1;
            d.active = false;
            stats.notes.push(format!(
                "step {k}: a depositor redeemed in kind during the {name} event: ok"
            ));
        }
        Err(e) => stats.notes.push(format!(
            "step {k}: redeem_in_kind during the event FAILED: {e}"
        )),
    }
}

/// The keeper's part of step `k` at time `t`; returns the vault read after it and counts what
/// it cost (NAV lost to fees and slippage, and the bounties) into `stats`.
fn keeper_step(
    w: &World,
    keeper: &Keeper,
    mode: KeeperMode,
    day_end: bool,
    prices: &[f64],
    posted: bool,
    stats: &mut Stats,
) -> Option<vault_client::VaultSnapshot> {
    let read = w.snapshot().ok();
    let queued = read.as_ref().is_some_and(|s| s.vault.queue_owed > 0);
    let before = read.and_then(|s| s.nav(PriceSide::Mid).ok());
    let bounty_before = token_amount(&w.chain, &w.keeper.base);
    let filled_before = stats.filled_base;
    match mode {
        KeeperMode::Band => keeper_ticks(w, keeper, prices, 1, 4, stats, posted),
        KeeperMode::Calendar => {
            let (swaps, subs) = if day_end { (1, 16) } else { (0, 1) };
            keeper_ticks(w, keeper, prices, swaps, subs, stats, posted);
        }
    }
    let snap = w.snapshot().ok();
    let after = snap.as_ref().and_then(|s| s.nav(PriceSide::Mid).ok());
    let bounty = token_amount(&w.chain, &w.keeper.base).saturating_sub(bounty_before);
    stats.bounty_base += ui(bounty);
    if let (Some(b), Some(a)) = (before, after) {
        // Prices do not move within a step: what NAV lost is fees, slippage and bounty. A trade
        // into a pool priced better than the oracle gains: counted too (signed), or the
        // figure would only ever see the unlucky side of the pools' no-arbitrage band.
        // Fills pay leavers out of NAV: not a cost.
        let cost = ui(b) - ui(a) - ui(bounty) - (stats.filled_base - filled_before);
        stats.cost_base += cost;
        if queued {
            stats.queue_trading_cost_base += cost;
        }
    }
    snap
}

/// Everyone leaves in kind (needs no oracle, no keeper, no venue); true when every share
/// account ends empty.
fn exit_everyone(w: &World, depositors: &mut [Depositor], stats: &mut Stats) -> bool {
    let mut ok = true;
    for d in depositors.iter_mut() {
        if d.pending.is_some() {
            settle_pending(w, d, stats, true);
            ok &= d.pending.is_none();
        }
        if let Err(e) = redeem_all(w, &d.h) {
            stats
                .notes
                .push(format!("final redeem_in_kind failed: {e}"));
            ok = false;
        }
        if token_amount(&w.chain, &d.h.shares) != 0 {
            ok = false;
        }
        if d.active {
            stats.redemptions += 1;
            d.active = false;
        }
    }
    ok
}

fn progress_bar(show: bool, steps: usize) -> Option<indicatif::ProgressBar> {
    show.then(|| {
        let b = indicatif::ProgressBar::new(steps as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} steps {elapsed_precise} eta {eta}",
            )
            .expect("template"),
        );
        b
    })
}

pub fn run(path: &Path, cfg: &RunConfig) -> RunResult {
    let started = Instant::now();
    let mut setup = cfg.setup.clone();
    if matches!(cfg.scenario, Scenario::PerpHalt | Scenario::FlashCrash)
        && setup.hedge_ratio_bps == 0
    {
        setup.hedge_ratio_bps = 5_000;
    }
    if cfg.keeper_mode == KeeperMode::Calendar {
        setup.band_bps = portfolio_vault::constants::MIN_BAND_BPS;
    }
    let band_bps = setup.band_bps;
    let steps = path.steps();
    let mut stats = Stats::default();
    let (w, mut depositors) = populate(setup, path, cfg, &mut stats);
    let mut rng = actor_rng(cfg.seed);
    let keeper = Keeper::new(
        &w.chain as &dyn ChainClient,
        w.keeper.kp.insecure_clone(),
        w.vault,
        w.keeper.base,
        w.oracles.clone(),
        KeeperConfig::in_process(&w.vault.to_string()),
    );
    let events = cfg.scenario.events(steps);
    let (event_start, event_len) = events.window();
    let t_start = w.now();
    let mut recorder = Recorder::new(&path.prices[0], band_bps, cfg.setup.band_bps);
    let bar = progress_bar(cfg.progress, steps);
    for k in 1..=steps {
        // Calendar time: the path's own timestamps (a history's gaps included).
        let since = path.t[k] - path.t[0];
        let step_s = path.t[k] - path.t[k - 1];
        let t = t_start + since;
        let ema_alpha = 1.0 - (-(step_s as f64) / 3_600.0).exp();
        // A day boundary crossed (relative to the start) since the last step.
        let day_end = since / 86_400 != (since - step_s) / 86_400;
        // A new slot a day: every slot keeps a version of each account it wrote (the bank
        // here never cleans them), and reads slow down with the count.
        if day_end {
            w.chain.advance_slot();
        }
        w.chain.set_unix_timestamp(t);
        let prices = &path.prices[k];
        let posted = events.posts_prices(k);
        if posted {
            for (i, &p) in prices.iter().enumerate() {
                w.post_price(i, p, t, ema_alpha);
            }
        }
        events.at_step(&w, k, &mut stats);
        arbitrage(&w, prices);
        for d in depositors.iter_mut().filter(|_| cfg.flows) {
            depositor_step(&w, d, &mut rng, &mut stats, step_s);
        }
        if event_len > 0 && k == event_start + event_len / 2 {
            probe_exit(&w, &mut depositors, cfg.scenario.name(), k, &mut stats);
        }
        if day_end {
            let _ = w.send(&[w.keys.accrue_fees(w.fee_shares)], &[]);
        }
        let snap = if events.keeper_away(k) {
            w.snapshot().ok()
        } else {
            let mode = cfg.keeper_mode;
            keeper_step(&w, &keeper, mode, day_end, prices, posted, &mut stats)
        };
        check_invariants(&w).unwrap_or_else(|e| panic!("step {k}: invariant broken: {e}"));
        stats.invariant_checks += 1;
        recorder.record(t, prices, day_end, snap, &mut stats);
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    stats.steps = steps;
    stats.avg_nav = recorder.avg_nav();
    stats.exits_ok = exit_everyone(&w, &mut depositors, &mut stats);
    check_invariants(&w).unwrap_or_else(|e| panic!("after the exits: invariant broken: {e}"));
    stats.invariant_checks += 1;
    stats.elapsed_s = started.elapsed().as_secs_f64();
    drop(keeper);
    RunResult {
        series: recorder.series,
        stats,
        names: path.names.clone(),
        band_bps,
    }
}
