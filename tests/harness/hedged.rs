//! A hedged vault, the fixture the hedge and scale tests share: assets at one price, depositors,
//! fixed targets (35 % per asset, the rest cash), a pool per pair at the oracle price, an
//! exchange mirroring the assets, the hedge venue set through governance, collateral on it.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::{HedgeParams, HedgePatch, RebalancePatch};
use solana_instruction::Instruction;

use crate::amm::TestPool;
use crate::perp::TestExchange;
use crate::{custom_code, vault_code, Harness, User, VaultConfig};

/// How a [`HedgedVault`] is built.
#[derive(Clone, Debug)]
pub struct HedgedConfig {
    pub vault: VaultConfig,
    /// One depositor per entry, depositing that many base units.
    pub deposits: Vec<u64>,
    pub mode: u8,
    /// Share of NAV moved to the venue after the spot book is rebalanced.
    pub collateral_bps: u64,
    /// Base units per side of each pool (deep enough for the trades).
    pub pool_depth: u64,
    /// Base units in the exchange's insurance fund (pays winners).
    pub insurance: u64,
    /// Without a hedge venue at all (the unhedged code path) when false.
    pub hedge: bool,
    /// Rebalancing limits besides the fixture's (a wide slippage for shallow pools).
    pub rebalance: RebalancePatch,
}

impl Default for HedgedConfig {
    fn default() -> Self {
        Self {
            vault: VaultConfig::default(),
            deposits: vec![10_000_000_000],
            mode: HEDGE_MODE_DELTA_NEUTRAL,
            collateral_bps: 2_500,
            pool_depth: 100_000_000_000_000,
            insurance: 1_000_000_000_000,
            hedge: true,
            rebalance: RebalancePatch::default(),
        }
    }
}

pub struct HedgedVault {
    pub h: Harness,
    pub x: TestExchange,
    pub keeper: User,
    pub depositors: Vec<User>,
    pub pools: Vec<TestPool>,
}

/// The hedging limits the fixture governs (delta-neutral unless told otherwise).
pub fn hedge_params(mode: u8) -> HedgeParams {
    HedgeParams {
        mode,
        max_leverage_bps: 10_000,
        min_margin_ratio_bps: 30_000,
        max_collateral_bps: 3_000,
        delta_band_bps: 200,
        hedge_ratio_bps: 10_000,
        max_fee_bps: 50,
        cooldown_s: 60,
        _pad: [0; 7],
    }
}

impl HedgedVault {
    pub async fn new(cfg: HedgedConfig) -> Self {
        let mut h = Harness::with_config(cfg.vault.clone()).await;
        let n = h.assets.len();
        let mut depositors = vec![];
        for amount in &cfg.deposits {
            let u = h.new_user(*amount).await;
            h.deposit(&u, *amount, 0).await.expect("deposit");
            depositors.push(u);
        }
        let mut risk = h.default_risk_args();
        risk.strategy = 0;
        for w in risk.fixed_weights_bps.iter_mut().take(n) {
            *w = 3_500;
        }
        h.initialize_risk(risk).await.expect("initialize_risk");
        let mut pools = vec![];
        for i in 0..n {
            pools.push(h.create_pool_at_oracle(n, i, 30, cfg.pool_depth).await);
        }
        if n > 1 {
            pools.push(h.create_pool_at_oracle(0, 1, 30, cfg.pool_depth).await);
        }
        let x = h.create_exchange(10, 1_000, 500, 0, cfg.insurance).await;
        let keeper = h.new_user(0).await;
        let mut p = h.vault_state().await.rebalance;
        p.notional_cap_bps = 10_000;
        p.slippage_budget_bps = 100;
        let p = cfg.rebalance.applied_to(&p);
        h.govern_rebalancing(
            &[(sim_amm::ID, VENUE_KIND_AMM, 30)],
            Some(RebalancePatch::all_of(&p)),
        )
        .await;
        if cfg.hedge {
            h.govern_hedge(&x, HedgePatch::all_of(&hedge_params(cfg.mode)))
                .await;
            for u in &depositors {
                h.open_hedge_claim(&u.key())
                    .await
                    .expect("open_hedge_claim");
            }
        }
        let mut s = Self {
            h,
            x,
            keeper,
            depositors,
            pools,
        };
        s.rebalance_spot().await;
        if cfg.hedge && cfg.collateral_bps > 0 {
            let nav = s.h.portfolio().await.nav().unwrap();
            let amount = (nav as u128 * cfg.collateral_bps as u128 / 10_000) as u64;
            s.keeper_sends(s.h.ix_move_collateral(&s.keeper, &s.x, amount, true))
                .await
                .expect("move collateral");
        }
        s
    }

    /// The first depositor.
    pub fn depositor(&self) -> User {
        self.depositors[0].copy()
    }

    pub fn pool(&self, sell: usize, buy: usize) -> TestPool {
        let (x, y) = (self.h.slot_mint(sell), self.h.slot_mint(buy));
        self.pools
            .iter()
            .find(|p| (p.mint_a == x && p.mint_b == y) || (p.mint_a == y && p.mint_b == x))
            .unwrap()
            .clone()
    }

    pub async fn next_block(&mut self) {
        self.h.warp_seconds(61).await;
        self.h.refresh_prices().await;
    }

    /// Sends `ix` signed by the keeper.
    pub async fn keeper_sends(&mut self, ix: Instruction) -> crate::TxResult {
        let kp = self.keeper.kp.insecure_clone();
        self.h.process_auto(&[ix], &[&kp]).await
    }

    /// Trades the spot book to its targets with the shared planner, the pools arbitraged back
    /// to the oracle after each trade.
    pub async fn rebalance_spot(&mut self) {
        let k = self.keeper.copy();
        self.rebalance_spot_as(&k).await;
    }

    /// [`Self::rebalance_spot`] with `k` as the keeper (who collects the bounties); returns
    /// the number of trades.
    pub async fn rebalance_spot_as(&mut self, k: &User) -> usize {
        let mut trades = 0;
        while let Some(t) = self.h.plan(30).await {
            let pool = self.pool(t.sell, t.buy);
            self.h.rebalance(k, &pool, &t).await.expect("spot trade");
            // Arbitrageurs bring the pool back to the oracle price before the next trade.
            self.h.arbitrage(&pool).await.expect("arbitrage");
            self.next_block().await;
            trades += 1;
            assert!(trades <= 12, "spot planner does not converge");
        }
        trades
    }

    /// Every pool traded back to the oracle prices (after the oracles moved).
    pub async fn arbitrage_all(&mut self) {
        for pool in self.pools.clone() {
            self.h.arbitrage(&pool).await.expect("arbitrage");
        }
    }

    /// Runs the hedge planner until it has nothing to do; returns the number of trades.
    pub async fn hedge_until_done(&mut self) -> usize {
        let mut trades = 0;
        loop {
            let (_, plan) = self.h.hedge_plan(&self.x).await;
            let Some(t) = plan else { break };
            let ix = self
                .h
                .ix_rebalance_hedge(&self.keeper, &self.x, t.asset as u8, t.base_delta);
            self.keeper_sends(ix).await.expect("hedge trade");
            trades += 1;
            assert!(trades <= 6, "hedge planner does not converge");
            self.next_block().await;
        }
        trades
    }

    /// Accounts a hedge refusal must leave untouched, besides the vault's.
    pub fn watched(&self) -> Vec<Pubkey> {
        let mut w = vec![
            self.keeper.base,
            self.x.exchange,
            self.h.vault_margin(&self.x),
            self.x.collateral_vault,
        ];
        for u in &self.depositors {
            w.extend([self.h.hedge_claim(&u.key()), u.base]);
        }
        w
    }

    pub async fn refused(&mut self, ix: Instruction, e: VaultError) {
        self.refused_code(ix, vault_code(e)).await;
    }

    pub async fn refused_code(&mut self, ix: Instruction, code: u32) {
        let watched = self.watched();
        let before = self.h.snapshot(&watched).await;
        let res = self.keeper_sends(ix).await;
        assert_eq!(custom_code(&res), code, "{res:?}");
        self.h.assert_unchanged(&before).await;
    }

    /// NAV at mid prices: spot, idle and the share holders' part of the margin account.
    pub async fn nav_mid(&mut self) -> f64 {
        self.h.portfolio().await.nav().unwrap() as f64
    }

    /// The planned first hedge trade of a freshly set-up vault.
    pub async fn first_trade(&mut self) -> (u8, i64) {
        let (_, plan) = self.h.hedge_plan(&self.x).await;
        let t = plan.expect("an unhedged vault needs a hedge");
        (t.asset as u8, t.base_delta)
    }
}
