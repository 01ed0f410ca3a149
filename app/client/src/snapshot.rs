//! One consistent read of a vault (its account, risk account, oracles, share supply and hedge
//! venue) and everything the off-chain tools derive from it with the program's own code:
//! NAV on either side of the confidence band, share price, previews of deposit and withdraw,
//! current and target weights, the next rebalancing trade and the next hedge trade.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{HEDGE_MODE_DELTA_NEUTRAL, MAX_ASSETS, VENUE_KIND_AMM};
use portfolio_vault::hedge_book::{marked, HedgeBook};
use portfolio_vault::math::hedge::{
    owners_position, plan_hedge, risk_report, HedgeInputs, HedgeTrade, ReportInputs, RiskReport,
};
use portfolio_vault::math::nav::PriceSide;
use portfolio_vault::math::rebalance::{plan_rebalance, PlannedTrade, Portfolio, TradeLimits};
use portfolio_vault::math::Fx;
use portfolio_vault::operations;
use portfolio_vault::operations::hedge::HedgeGate;
use portfolio_vault::operations::rebalance::{self, Refusal};
use portfolio_vault::oracle::ValidatedPrice;
use portfolio_vault::pricing::PricedVault;
use portfolio_vault::state::{RiskState, Vault, Venue};
use sim_perp::state::{Exchange, MarginAccount};

use crate::chain::{ChainClient, ChainClock};
use crate::error::{anchor_error, ClientError};
use crate::keys::{OracleAddresses, VaultKeys};
use crate::{decode, oracle};

/// A vault as read at one instant.
pub struct VaultSnapshot {
    pub keys: VaultKeys,
    pub vault: Box<Vault>,
    pub risk: Option<Box<RiskState>>,
    /// Cluster time of the read.
    pub now: i64,
    pub slot: u64,
    /// Each asset's validated price, or why the program would refuse it now.
    pub prices: Vec<Result<ValidatedPrice, ClientError>>,
    /// Minted share supply.
    pub share_supply: u64,
    pub exchange: Option<Box<Exchange>>,
    pub margin: Option<Box<MarginAccount>>,
}

/// The addresses of the last vault read, reused while they still match.
#[derive(Default)]
pub struct KeysCache(std::cell::RefCell<Option<VaultKeys>>);

/// A rebalancing trade through a whitelisted sim-amm-ABI venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapPlan {
    /// Index of the venue in the vault's whitelist.
    pub venue: u8,
    pub trade: PlannedTrade,
}

/// Why a keeper has nothing to send now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wait {
    /// An oracle the program would refuse (stale, wide, ...): its asset and the reason.
    Oracle { asset: usize, reason: String },
    /// The vault's rebalance gate is closed.
    Paused,
    /// The risk account does not exist yet.
    NoRiskAccount,
    /// Targets are older than `max_targets_age_s` (the keeper should compute them).
    TargetsStale,
    /// Seconds left of the rebalance cooldown.
    Cooldown(i64),
    /// Every weight is inside its band, or no trade is worth its cost.
    NothingToDo,
    /// The venue cannot take the trade (no pool, or too shallow).
    Venue(String),
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wait::Oracle { asset, reason } => {
                write!(f, "oracle of asset {asset} refused: {reason}")
            }
            Wait::Paused => write!(f, "rebalancing is paused"),
            Wait::NoRiskAccount => write!(f, "the vault has no risk account"),
            Wait::TargetsStale => write!(f, "targets are stale"),
            Wait::Cooldown(s) => write!(f, "cooldown: {s} s left"),
            Wait::Venue(why) => write!(f, "venue: {why}"),
            Wait::NothingToDo => write!(
                f,
                "every weight is inside its band (or no trade is worth its cost)"
            ),
        }
    }
}

impl VaultSnapshot {
    /// Reads the vault `vault` and everything it depends on, in one multiple-accounts call.
    pub fn load(
        chain: &dyn ChainClient,
        vault: Pubkey,
        oracles: &OracleAddresses,
    ) -> Result<Self, ClientError> {
        Self::load_cached(chain, vault, oracles, &KeysCache::default())
    }

    /// [`VaultSnapshot::load`] that keeps the derived addresses in `cache` between reads
    /// (deriving a PDA costs curve checks; a keeper reads the vault many times a minute).
    pub fn load_cached(
        chain: &dyn ChainClient,
        vault: Pubkey,
        oracles: &OracleAddresses,
        cache: &KeysCache,
    ) -> Result<Self, ClientError> {
        let vault_state = decode::vault(&chain.account(&vault)?.data)?;
        let keys = {
            let mut c = cache.0.borrow_mut();
            match c.as_ref() {
                Some(k) if k.matches(&vault, &vault_state) => k.clone(),
                _ => {
                    let k = VaultKeys::from_state(vault, &vault_state, oracles);
                    *c = Some(k.clone());
                    k
                }
            }
        };
        let clock = chain.clock()?;
        let accounts = chain.get_multiple_accounts(&Self::wanted(&keys))?;
        Self::from_parts(keys, vault_state, clock, &accounts)
    }

    /// The accounts a snapshot reads besides the vault, in [`VaultSnapshot::from_parts`]'
    /// order: the risk account, the share mint, every oracle, then the exchange and margin
    /// account of a hedge venue.
    pub fn wanted(keys: &VaultKeys) -> Vec<Pubkey> {
        let mut wanted = vec![keys.risk, keys.share_mint];
        wanted.extend(keys.assets.iter().map(|a| a.oracle));
        if let Some(h) = &keys.hedge {
            wanted.extend([h.exchange, h.margin_account]);
        }
        wanted
    }

    /// A snapshot from accounts read elsewhere (the order of [`VaultSnapshot::wanted`]).
    pub fn from_parts(
        keys: VaultKeys,
        vault_state: Box<Vault>,
        clock: ChainClock,
        accounts: &[Option<solana_account::Account>],
    ) -> Result<Self, ClientError> {
        let n = keys.n();
        if accounts.len() != Self::wanted(&keys).len() {
            return Err(ClientError::Other(format!(
                "snapshot: {} accounts read, {} wanted",
                accounts.len(),
                Self::wanted(&keys).len()
            )));
        }
        let risk = accounts[0]
            .as_ref()
            .map(|a| decode::risk(&a.data))
            .transpose()?;
        let share_supply = accounts[1]
            .as_ref()
            .map(|a| decode::mint(&a.data).map(|m| m.supply))
            .transpose()?
            .ok_or_else(|| ClientError::MissingAccount(keys.share_mint.to_string()))?;
        let mut prices = Vec::with_capacity(n);
        for (i, a) in keys.assets.iter().enumerate() {
            prices.push(match &accounts[2 + i] {
                None => Err(ClientError::MissingAccount(a.oracle.to_string())),
                Some(acc) => oracle::validated_price(
                    &vault_state.assets[i],
                    vault_state.base_decimals,
                    &a.oracle,
                    acc,
                    clock.unix_timestamp,
                ),
            });
        }
        let (mut exchange, mut margin) = (None, None);
        if let Some(h) = &keys.hedge {
            if let Some(acc) = &accounts[2 + n] {
                exchange = Some(Box::new(decode::anchor::<Exchange>("exchange", &acc.data)?));
            }
            if let Some(acc) = &accounts[3 + n] {
                if acc.owner == h.program_id {
                    margin = Some(Box::new(decode::anchor::<MarginAccount>(
                        "margin account",
                        &acc.data,
                    )?));
                }
            }
        }
        Ok(Self {
            keys,
            vault: vault_state,
            risk,
            now: clock.unix_timestamp,
            slot: clock.slot,
            prices,
            share_supply,
            exchange,
            margin,
        })
    }

    pub fn n(&self) -> usize {
        self.keys.n()
    }

    /// Every price, or the first asset whose oracle the program would refuse.
    pub fn all_prices(&self) -> Result<[ValidatedPrice; MAX_ASSETS], Wait> {
        let mut out = [ValidatedPrice::default(); MAX_ASSETS];
        for (i, p) in self.prices.iter().enumerate() {
            match p {
                Ok(p) => out[i] = *p,
                Err(e) => {
                    return Err(Wait::Oracle {
                        asset: i,
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(out)
    }

    /// The exchange and margin account as read (clones), when the vault has a hedge venue.
    pub fn book(&self) -> Option<HedgeBook> {
        Some(HedgeBook {
            exchange: Box::new(self.exchange.as_deref()?.clone()),
            account: self.margin.as_deref().map(|m| Box::new(m.clone())),
        })
    }

    /// The vault priced now with the program's own code, or why it cannot be.
    pub fn priced(&self) -> Result<Box<PricedVault>, Wait> {
        let prices = self.all_prices()?;
        PricedVault::new(
            &self.vault,
            &prices[..self.n()],
            self.book().as_ref(),
            self.now,
        )
        .map_err(|e| Wait::Oracle {
            asset: 0,
            reason: anchor_error(e).to_string(),
        })
    }

    pub(crate) fn priced_or_err(&self) -> Result<Box<PricedVault>, ClientError> {
        self.priced().map_err(|w| ClientError::Other(w.to_string()))
    }

    /// The share holders' part of the margin account on `side`, base units.
    pub fn hedge_value(&self, side: PriceSide) -> Result<i64, ClientError> {
        Ok(self.priced_or_err()?.hedge.on(side))
    }

    /// NAV in base units with every asset (and the hedge book) on `side`.
    pub fn nav(&self, side: PriceSide) -> Result<u64, ClientError> {
        self.priced_or_err()?
            .nav(&self.vault, side)
            .map_err(|e| anchor_error(e.into()))
    }

    /// Shares that price the vault now: minted, pending fee shares and the management fee
    /// accrued since the last accrual (what the next deposit or withdrawal will see).
    pub fn pricing_supply(&self) -> Result<u64, ClientError> {
        let m = operations::fees::accrue_management(&self.vault, self.share_supply, self.now)
            .map_err(anchor_error)?;
        Ok(self
            .vault
            .pricing_supply(self.share_supply)
            .map_err(anchor_error)?
            .saturating_add(m.shares))
    }

    /// NAV per share at mid prices, in base units per share.
    pub fn share_price(&self) -> Result<f64, ClientError> {
        let supply = self.pricing_supply()?;
        Ok(self.nav(PriceSide::Mid)? as f64 / supply.max(1) as f64)
    }

    /// What a deposit of `amount` would do now (shares, levy), by the program's own pricing.
    pub fn preview_deposit_effects(
        &self,
        amount: u64,
    ) -> Result<operations::deposit::DepositEffects, ClientError> {
        let priced = self.priced_or_err()?;
        operations::deposit::deposit(&self.vault, &priced, self.share_supply, amount, 0, self.now)
            .map_err(anchor_error)
    }

    /// Shares a deposit of `amount` would mint now, by the program's own pricing.
    pub fn preview_deposit(&self, amount: u64) -> Result<u64, ClientError> {
        self.preview_deposit_effects(amount)
            .map(|e| e.shares_to_mint)
    }

    /// What withdrawing `shares` would do now (paid, levy), by the program's own pricing.
    pub fn preview_withdraw_effects(
        &self,
        shares: u64,
    ) -> Result<operations::withdraw::WithdrawEffects, ClientError> {
        let priced = self.priced_or_err()?;
        operations::withdraw::withdraw(&self.vault, &priced, self.share_supply, shares, 0, self.now)
            .map_err(anchor_error)
    }

    /// Base units withdrawing `shares` would pay now, by the program's own pricing.
    pub fn preview_withdraw(&self, shares: u64) -> Result<u64, ClientError> {
        self.preview_withdraw_effects(shares).map(|e| e.assets_out)
    }

    /// Stored targets (weights of the assets, then cash), zero before the first computation.
    pub fn targets(&self) -> ([Fx; MAX_ASSETS], Fx) {
        match &self.risk {
            Some(r) => {
                let mut t = [Fx::ZERO; MAX_ASSETS];
                for (i, w) in t.iter_mut().enumerate().take(self.n()) {
                    *w = r.target_weights[i].get();
                }
                (t, r.target_cash.get())
            }
            None => ([Fx::ZERO; MAX_ASSETS], Fx::ZERO),
        }
    }

    /// The portfolio as `rebalance_swap` sees it (`operations::rebalance::portfolio`).
    pub fn portfolio(&self) -> Result<Portfolio, Wait> {
        let risk = self.risk.as_ref().ok_or(Wait::NoRiskAccount)?;
        let priced = self.priced()?;
        rebalance::portfolio(&self.vault, risk, &priced).map_err(|e| Wait::Oracle {
            asset: 0,
            reason: anchor_error(e.into()).to_string(),
        })
    }

    /// Current weights at mid prices (assets, then cash), fractions of NAV.
    pub fn current_weights(&self) -> Result<Vec<f64>, Wait> {
        let p = self.portfolio()?;
        let nav = p.nav().map_err(|_| Wait::NothingToDo)?.max(1) as f64;
        Ok((0..=p.n)
            .map(|s| p.value(s).unwrap_or(0) as f64 / nav)
            .collect())
    }

    /// Seconds since the targets were computed; `None` before the first computation.
    pub fn targets_age(&self) -> Option<i64> {
        self.risk
            .as_ref()
            .filter(|r| r.targets_ts > 0)
            .map(|r| self.now.saturating_sub(r.targets_ts))
    }

    /// `update_risk` would sample now.
    pub fn update_risk_due(&self) -> bool {
        match &self.risk {
            None => false,
            Some(r) => {
                r.has_prices == 0
                    || self.now
                        >= r.last_sample_ts
                            .saturating_add(r.params.min_interval_s as i64)
            }
        }
    }

    /// Targets are missing, older than the last sample, or about to go stale.
    pub fn targets_due(&self) -> bool {
        match &self.risk {
            None => false,
            Some(r) => {
                r.targets_ts == 0
                    || r.targets_ts < r.last_sample_ts
                    || self.now.saturating_add(60)
                        >= r.targets_ts
                            .saturating_add(self.vault.rebalance.max_targets_age_s as i64)
            }
        }
    }

    /// The limits of one trade now through `venue` (rolling a copy of the vault's windows).
    pub fn trade_limits(&self, nav: u64, venue: &Venue) -> Option<TradeLimits> {
        let mut st = self.vault.rebalance_state;
        rebalance::limits(&mut st, &self.vault.rebalance, venue, nav, self.now)
            .ok()
            .map(|(l, _)| l)
    }

    /// Why rebalancing cannot happen now, by the program's own gate.
    pub fn rebalance_gate(&self) -> Result<(), Wait> {
        let risk = self.risk.as_ref().ok_or(Wait::NoRiskAccount)?;
        rebalance::gate(&self.vault, risk, self.now).map_err(|r| self.wait_for(r))
    }

    /// The keeper's reason to wait for a refusal of the program's rebalancing rules.
    pub fn wait_for(&self, r: Refusal) -> Wait {
        match r {
            Refusal::Paused => Wait::Paused,
            Refusal::TargetsStale => Wait::TargetsStale,
            Refusal::Cooldown { ready_ts } => Wait::Cooldown(ready_ts.saturating_sub(self.now)),
            Refusal::Trade(_) => Wait::NothingToDo,
        }
    }

    /// The next rebalancing trade by the shared planner, over every whitelisted sim-amm-ABI
    /// venue (the cheapest that gives a trade), or why there is none now.
    pub fn plan_swap(&self) -> Result<SwapPlan, Wait> {
        self.rebalance_gate()?;
        let p = self.portfolio()?;
        let nav = p.nav().map_err(|_| Wait::NothingToDo)?;
        let mut best: Option<SwapPlan> = None;
        for (i, v) in self.vault.venues.iter().enumerate() {
            if v.is_empty() || v.kind != VENUE_KIND_AMM {
                continue;
            }
            let Some(lim) = self.trade_limits(nav, v) else {
                continue;
            };
            if let Some(trade) = plan_rebalance(&p, &lim) {
                let better = best.is_none_or(|b| {
                    trade.check.benefit.saturating_sub(trade.check.cost)
                        > b.trade.check.benefit.saturating_sub(b.trade.check.cost)
                });
                if better {
                    best = Some(SwapPlan {
                        venue: i as u8,
                        trade,
                    });
                }
            }
        }
        best.ok_or(Wait::NothingToDo)
    }

    /// Shrinks a planned swap until a constant-product pool with reserves
    /// `(reserve_in, reserve_out)` and `pool_fee_bps` would pay at least the program's minimum
    /// output (the planner prices at the oracle and ignores price impact). `None` when no
    /// size that still passes the program's checks fits the pool.
    pub fn fit_to_pool(
        &self,
        plan: SwapPlan,
        reserve_in: u64,
        reserve_out: u64,
        pool_fee_bps: u16,
    ) -> Option<SwapPlan> {
        use portfolio_vault::math::rebalance::check_trade;
        let p = self.portfolio().ok()?;
        let nav = p.nav().ok()?;
        let venue = self.vault.venues.get(plan.venue as usize)?;
        let lim = self.trade_limits(nav, venue)?;
        let mut amount = plan.trade.amount_in;
        for _ in 0..24 {
            let check = check_trade(&p, plan.trade.sell, plan.trade.buy, amount, &lim).ok()?;
            let quote = sim_amm::math::quote_out(reserve_in, reserve_out, amount, pool_fee_bps)?;
            if quote >= check.min_out {
                let mut out = plan;
                out.trade.amount_in = amount;
                out.trade.check = check;
                return Some(out);
            }
            amount = amount / 4 * 3;
        }
        None
    }

    /// The hedge inputs of every asset now (`operations::hedge::inputs`).
    fn hedge_inputs(&self) -> Option<Vec<HedgeInputs>> {
        let priced = self.priced().ok()?;
        let book = self.book()?;
        (0..self.n())
            .map(|i| operations::hedge::inputs(&self.vault, &priced, &book, i).ok())
            .collect()
    }

    /// The hedge risk report (per-asset and portfolio delta of the share holders, leverage,
    /// margin ratio, pending funding) at mid prices; `None` without a hedge venue.
    pub fn hedge_report(&self) -> Option<RiskReport> {
        let priced = self.priced().ok()?;
        let book = self.book()?;
        let n = self.n();
        let h = &self.vault.hedge;
        let spot: Vec<u64> = self
            .vault
            .active_assets()
            .iter()
            .map(|a| a.holdings)
            .collect();
        let positions: Vec<i64> = (0..n)
            .map(|i| owners_position(book.position(i), h.owners_units(), h.units_total))
            .collect::<Result<_, _>>()
            .ok()?;
        let (owners, net, maintenance, funding) = match book.account {
            Some(_) => {
                let m = marked(&book, n, &priced.prices[..n], self.now).ok()?;
                let ob = operations::hedge::owners_book(&self.vault, &m).ok()?;
                (ob.equity, ob.net_equity, m.maintenance, m.funding_pending)
            }
            None => (Fx::ZERO, Fx::ZERO, Fx::ZERO, Fx::ZERO),
        };
        risk_report(&ReportInputs {
            spot_amounts: &spot,
            prices: &priced.mids()[..n],
            idle_base: self.vault.idle_base,
            owners_positions: &positions,
            owners_equity: owners,
            net_equity: net,
            maintenance,
            funding_pending: funding,
        })
        .ok()
    }

    /// The next hedge trade (delta-neutral mode), or why there is none now.
    pub fn plan_hedge(&self) -> Result<HedgeTrade, Wait> {
        if self.margin.is_none() {
            return Err(Wait::NothingToDo);
        }
        operations::hedge::gate(&self.vault, self.now).map_err(|g| match g {
            HedgeGate::Off => Wait::NothingToDo,
            HedgeGate::Paused => Wait::Paused,
            HedgeGate::Cooldown { ready_ts } => Wait::Cooldown(ready_ts.saturating_sub(self.now)),
        })?;
        self.all_prices()?;
        let inputs = self.hedge_inputs().ok_or(Wait::NothingToDo)?;
        plan_hedge(&inputs).ok_or(Wait::NothingToDo)
    }

    /// Claims whose part of the margin account is still open or owed: what a keeper settles
    /// before hedging (the program reads them from `units_claimed` and `claims_owed`).
    pub fn claims_outstanding(&self) -> bool {
        self.vault.hedge.units_claimed > 0 || self.vault.hedge.claims_owed > 0
    }

    /// Collateral (base units) a keeper should move to the venue before hedging: up to the
    /// margin that keeps twice the minimum margin ratio on the full hedge, within the
    /// collateral cap and the idle buffer. Zero when enough is there.
    pub fn collateral_shortfall(&self) -> u64 {
        let h = &self.vault.hedge;
        if h.params.mode != HEDGE_MODE_DELTA_NEUTRAL || self.margin.is_none() {
            return 0;
        }
        let (Ok(prices), Some(ex)) = (self.all_prices(), self.exchange.as_ref()) else {
            return 0;
        };
        let Ok(nav) = self.nav(PriceSide::Mid) else {
            return 0;
        };
        let ratio = h.params.hedge_ratio_bps as f64 / 1e4;
        let mut needed = 0f64;
        for (i, a) in self.vault.active_assets().iter().enumerate() {
            let notional = a.holdings as f64 * prices[i].price.to_num::<f64>() * ratio;
            let maint = ex.markets[i].maintenance_margin_bps as f64 / 1e4;
            let init = ex.markets[i].initial_margin_bps as f64 / 1e4;
            needed +=
                notional * (maint * 2.0 * h.params.min_margin_ratio_bps as f64 / 1e4).max(init);
        }
        let cap = nav as f64 * h.params.max_collateral_bps as f64 / 1e4;
        let have = self.hedge_value(PriceSide::Mid).unwrap_or(0).max(0) as f64;
        let want = needed.min(cap * 0.95);
        if want <= have * 1.05 {
            return 0;
        }
        ((want - have) as u64).min(self.vault.free_idle())
    }
}
