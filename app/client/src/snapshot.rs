//! One consistent read of a vault (its account, risk account, oracles, share supply and hedge
//! venue) and everything the off-chain tools derive from it with the program's own code:
//! NAV on either side of the confidence band, share price, previews of deposit and withdraw,
//! current and target weights, the next rebalancing trade and the next hedge trade.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{
    BPS_DENOMINATOR, HEDGE_MODE_DELTA_NEUTRAL, MAX_ASSETS, VENUE_KIND_AMM,
};
use portfolio_vault::math::hedge::{plan_hedge, risk_report, HedgeTrade, RiskReport};
use portfolio_vault::math::nav::PriceSide;
use portfolio_vault::math::rebalance::{plan_rebalance, PlannedTrade, Portfolio, TradeLimits};
use portfolio_vault::math::Fx;
use portfolio_vault::operations;
use portfolio_vault::oracle::{priced_holdings, ValidatedPrice};
use portfolio_vault::perp::{equity, marked, owners_value, PerpBook};
use portfolio_vault::state::{RiskState, Vault};
use sim_perp::state::{Exchange, MarginAccount};

use crate::chain::ChainClient;
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
    pub venue_program: Pubkey,
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
        let mut wanted = vec![keys.risk, keys.share_mint];
        wanted.extend(keys.assets.iter().map(|a| a.oracle));
        if let Some(h) = &keys.hedge {
            wanted.extend([h.exchange, h.margin_account]);
        }
        let accounts = chain.get_multiple_accounts(&wanted)?;
        let risk = accounts[0]
            .as_ref()
            .map(|a| decode::risk(&a.data))
            .transpose()?;
        let share_supply = accounts[1]
            .as_ref()
            .map(|a| decode::mint(&a.data).map(|m| m.supply))
            .transpose()?
            .ok_or_else(|| ClientError::MissingAccount(keys.share_mint.to_string()))?;
        let n = keys.n();
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

    fn book(&self) -> Option<PerpBook> {
        Some(PerpBook {
            exchange: Box::new(clone_exchange(self.exchange.as_deref()?)),
            account: self.margin.as_deref().map(|m| Box::new(clone_margin(m))),
        })
    }

    /// The share holders' part of the margin account at `side` (`None`: mid), base units.
    pub fn perp_value(&self, side: Option<PriceSide>) -> Result<i64, ClientError> {
        let Some(book) = self.book() else {
            return Ok(0);
        };
        let prices = self
            .all_prices()
            .map_err(|w| ClientError::Other(w.to_string()))?;
        let e =
            equity(&book, self.n(), &prices[..self.n()], side, self.now).map_err(anchor_error)?;
        owners_value(&self.vault, e, side.unwrap_or(PriceSide::Low)).map_err(anchor_error)
    }

    /// NAV in base units with every asset on `side` of its band (`None`: mid prices).
    pub fn nav(&self, side: Option<PriceSide>) -> Result<u64, ClientError> {
        let prices = self
            .all_prices()
            .map_err(|w| ClientError::Other(w.to_string()))?;
        let n = self.n();
        let mut holdings = priced_holdings(&self.vault, &prices);
        if side.is_none() {
            for (i, h) in holdings.iter_mut().enumerate().take(n) {
                h.low = prices[i].price;
                h.high = prices[i].price;
            }
        }
        let spot = portfolio_vault::math::nav::nav(
            self.vault.idle_base,
            &holdings[..n],
            side.unwrap_or(PriceSide::Low),
        )
        .map_err(|e| anchor_error(e.into()))?;
        portfolio_vault::math::nav::nav_with_perp(spot, self.perp_value(side)?)
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
            + m.shares)
    }

    /// NAV per share at mid prices, in base units per share.
    pub fn share_price(&self) -> Result<f64, ClientError> {
        let supply = self.pricing_supply()?;
        Ok(self.nav(None)? as f64 / supply.max(1) as f64)
    }

    /// Shares a deposit of `amount` would mint now, by the program's own pricing.
    pub fn preview_deposit(&self, amount: u64) -> Result<u64, ClientError> {
        let prices = self
            .all_prices()
            .map_err(|w| ClientError::Other(w.to_string()))?;
        let holdings = priced_holdings(&self.vault, &prices);
        operations::deposit::deposit(
            &self.vault,
            &holdings[..self.n()],
            self.share_supply,
            self.perp_value(Some(PriceSide::High))?,
            amount,
            0,
            self.now,
        )
        .map(|e| e.shares_to_mint)
        .map_err(anchor_error)
    }

    /// Base units withdrawing `shares` would pay now, by the program's own pricing.
    pub fn preview_withdraw(&self, shares: u64) -> Result<u64, ClientError> {
        let prices = self
            .all_prices()
            .map_err(|w| ClientError::Other(w.to_string()))?;
        let holdings = priced_holdings(&self.vault, &prices);
        operations::withdraw::withdraw(
            &self.vault,
            &holdings[..self.n()],
            self.share_supply,
            self.perp_value(Some(PriceSide::Low))?,
            shares,
            0,
            self.now,
        )
        .map(|e| e.assets_out)
        .map_err(anchor_error)
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

    /// The portfolio as `rebalance_swap` sees it: holdings at mid prices against the targets,
    /// with the share holders' part of the margin account as cash no swap can move.
    pub fn portfolio(&self) -> Result<Portfolio, Wait> {
        let prices = self.all_prices()?;
        let n = self.n();
        let (targets, cash) = self.targets();
        let amounts: Vec<u64> = self
            .vault
            .active_assets()
            .iter()
            .map(|a| a.holdings)
            .collect();
        let mids: Vec<Fx> = prices[..n].iter().map(|p| p.price).collect();
        let locked = self
            .perp_value(None)
            .map_err(|e| Wait::Oracle {
                asset: 0,
                reason: e.to_string(),
            })?
            .max(0) as u64;
        Ok(Portfolio::new(
            n,
            &amounts,
            &mids,
            &targets[..n],
            self.vault.idle_base,
            cash,
        )
        .with_locked_cash(locked))
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
            .map(|r| self.now - r.targets_ts)
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
                    || self.now + 60
                        >= r.targets_ts
                            .saturating_add(self.vault.rebalance.max_targets_age_s as i64)
            }
        }
    }

    /// The limits of one trade now through a venue charging `venue_fee_bps`.
    pub fn trade_limits(&self, nav: u64, venue_fee_bps: u16) -> Option<TradeLimits> {
        let r = self.vault.rebalance;
        let mut st = self.vault.rebalance_state;
        let allowance = operations::rebalance::roll_windows(&mut st, &r, nav, self.now).ok()?;
        TradeLimits::new(
            r.band_bps,
            r.min_trade_bps,
            r.tracking_aversion_bps,
            allowance.cap_left,
            venue_fee_bps,
            r.max_slippage_bps,
        )
        .ok()
    }

    /// The next rebalancing trade by the shared planner, over every whitelisted sim-amm-ABI
    /// venue (the cheapest that gives a trade), or why there is none now.
    pub fn plan_swap(&self) -> Result<SwapPlan, Wait> {
        use portfolio_vault::constants::PAUSE_REBALANCE;
        if self.vault.pause_flags & PAUSE_REBALANCE != 0 {
            return Err(Wait::Paused);
        }
        let risk = self.risk.as_ref().ok_or(Wait::NoRiskAccount)?;
        let p = self.portfolio()?;
        let params = self.vault.rebalance;
        if risk.targets_ts == 0
            || risk.num_assets != self.vault.num_assets
            || self.now
                > risk
                    .targets_ts
                    .saturating_add(params.max_targets_age_s as i64)
        {
            return Err(Wait::TargetsStale);
        }
        let st = self.vault.rebalance_state;
        if st.last_rebalance_ts != 0 {
            let ready = st
                .last_rebalance_ts
                .saturating_add(params.cooldown_s as i64);
            if self.now < ready {
                return Err(Wait::Cooldown(ready - self.now));
            }
        }
        let nav = p.nav().map_err(|_| Wait::NothingToDo)?;
        let mut best: Option<SwapPlan> = None;
        for (i, v) in self.vault.venues.iter().enumerate() {
            if v.program_id == Pubkey::default() || v.kind != VENUE_KIND_AMM {
                continue;
            }
            let Some(lim) = self.trade_limits(nav, v.fee_bps) else {
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
                        venue_program: v.program_id,
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
        let fee = self.vault.venues.get(plan.venue as usize)?.fee_bps;
        let lim = self.trade_limits(nav, fee)?;
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

    /// The hedge risk report (per-asset and portfolio delta, leverage, margin ratio, pending
    /// funding) at mid prices; `None` without a hedge venue or margin account.
    pub fn hedge_report(&self) -> Option<RiskReport> {
        let prices = self.all_prices().ok()?;
        let n = self.n();
        let spot: Vec<u64> = self
            .vault
            .active_assets()
            .iter()
            .map(|a| a.holdings)
            .collect();
        let mids: Vec<Fx> = prices[..n].iter().map(|p| p.price).collect();
        let book = self.book()?;
        let perp: Vec<i64> = (0..n)
            .map(|i| {
                book.account
                    .as_ref()
                    .map(|a| a.positions[i].base)
                    .unwrap_or(0)
            })
            .collect();
        let (maint, funding) = match book.account {
            Some(_) => {
                let m = marked(&book, n, &prices[..n], self.now).ok()?;
                (m.maintenance, m.funding_pending)
            }
            None => (Fx::ZERO, Fx::ZERO),
        };
        // The report's NAV counts the share holders' part of the equity only (holders who
        // left hold claims on the rest), so its margin ratio is conservative when claims exist.
        let owners = self.perp_value(None).ok()?;
        risk_report(
            &spot,
            &mids,
            self.vault.idle_base,
            &perp,
            Fx::from_num(owners),
            maint,
            funding,
        )
        .ok()
    }

    /// The next hedge trade (delta-neutral mode), or why there is none now.
    pub fn plan_hedge(&self) -> Result<HedgeTrade, Wait> {
        use portfolio_vault::constants::PAUSE_HEDGE;
        let h = &self.vault.hedge;
        if h.params.mode != HEDGE_MODE_DELTA_NEUTRAL || self.margin.is_none() {
            return Err(Wait::NothingToDo);
        }
        if self.vault.pause_flags & PAUSE_HEDGE != 0 {
            return Err(Wait::Paused);
        }
        if h.last_hedge_ts != 0 {
            let ready = h.last_hedge_ts.saturating_add(h.params.cooldown_s as i64);
            if self.now < ready {
                return Err(Wait::Cooldown(ready - self.now));
            }
        }
        let prices = self.all_prices()?;
        let report = self.hedge_report().ok_or(Wait::NothingToDo)?;
        let n = self.n();
        let spot: Vec<u64> = self
            .vault
            .active_assets()
            .iter()
            .map(|a| a.holdings)
            .collect();
        let mids: Vec<Fx> = prices[..n].iter().map(|p| p.price).collect();
        let perp: Vec<i64> = (0..n)
            .map(|i| {
                self.margin
                    .as_ref()
                    .map(|a| a.positions[i].base)
                    .unwrap_or(0)
            })
            .collect();
        let bps = Fx::from_num(BPS_DENOMINATOR);
        let ratio = Fx::from_num(h.params.hedge_ratio_bps) / bps;
        let band = Fx::from_num(h.params.delta_band_bps) / bps;
        plan_hedge(&report, &spot, &mids, &perp, ratio, band)
            .ok()
            .flatten()
            .ok_or(Wait::NothingToDo)
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
        let Ok(nav) = self.nav(None) else { return 0 };
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
        let have = self.perp_value(None).unwrap_or(0).max(0) as f64;
        let want = needed.min(cap * 0.95);
        if want <= have * 1.05 {
            return 0;
        }
        ((want - have) as u64).min(self.vault.idle_base)
    }
}

fn clone_exchange(e: &Exchange) -> Exchange {
    Exchange {
        authority: e.authority,
        collateral_mint: e.collateral_mint,
        collateral_vault: e.collateral_vault,
        collateral_decimals: e.collateral_decimals,
        bump: e.bump,
        halted: e.halted,
        misbehaviour: e.misbehaviour,
        misbehaviour_bps: e.misbehaviour_bps,
        num_markets: e.num_markets,
        markets: e.markets,
    }
}

fn clone_margin(m: &MarginAccount) -> MarginAccount {
    MarginAccount {
        exchange: m.exchange,
        owner: m.owner,
        bump: m.bump,
        collateral: m.collateral,
        positions: m.positions,
    }
}
