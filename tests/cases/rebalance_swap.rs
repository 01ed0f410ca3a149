//! `rebalance_swap`: permissionless rebalancing through a whitelisted venue. The happy path
//! restores every band and then refuses with "not needed"; every check has a failing test
//! with its exact error and nothing changed.

use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::math::rebalance::PlannedTrade;
use portfolio_vault::math::Fx;
use portfolio_vault::state::RebalancePatch;
use portfolio_vault::state::{DeriskAction, RebalanceParams};
use sim_amm::state::Misbehaviour;
use solana_instruction::{AccountMeta, Instruction};
use vault_tests::amm::TestPool;
use vault_tests::*;

const POOL_FEE_BPS: u16 = 30;
/// 100M base units of depth per pool: price impact of a vault trade is a few bps.
const POOL_DEPTH: u64 = 100_000_000_000_000;
const DEPOSIT: u64 = 10_000_000_000;

struct Setup {
    h: Harness,
    keeper: User,
    depositor: Option<User>,
    /// Base against each asset, then every pair of assets.
    pools: Vec<TestPool>,
}

/// A vault with `n` assets and a 10,000-token deposit held entirely in base, fixed targets of
/// 90% spread evenly over the assets (10% cash), one base pool per asset, sim-amm whitelisted
/// as venue 0 of `kind`, and rebalancing limits from `tune` applied through governance.
async fn setup_with(n: usize, kind: u8, tune: impl FnOnce(&mut RebalanceParams)) -> Setup {
    let mut h = Harness::new(n).await;
    let user = h.new_user(DEPOSIT).await;
    h.deposit(&user, DEPOSIT, 0).await.unwrap();
    let mut risk = h.default_risk_args();
    risk.strategy = 0;
    for w in risk.fixed_weights_bps.iter_mut().take(n) {
        *w = 9_000 / n as u16;
    }
    h.initialize_risk(risk).await.unwrap();
    // Base against each asset, then every pair of assets, at the oracle prices.
    let mut pools = vec![];
    for i in 0..n {
        pools.push(
            h.create_pool_at_oracle(n, i, POOL_FEE_BPS, POOL_DEPTH)
                .await,
        );
    }
    for i in 0..n {
        for j in i + 1..n {
            pools.push(
                h.create_pool_at_oracle(i, j, POOL_FEE_BPS, POOL_DEPTH)
                    .await,
            );
        }
    }
    let keeper = h.new_user(0).await;
    let mut p = h.vault_state().await.rebalance;
    p.notional_cap_bps = 10_000;
    p.slippage_budget_bps = 100;
    tune(&mut p);
    h.govern_rebalancing(
        &[(sim_amm::ID, kind, POOL_FEE_BPS)],
        Some(RebalancePatch::all_of(&p)),
    )
    .await;
    Setup {
        h,
        keeper,
        depositor: Some(user),
        pools,
    }
}

async fn setup(n: usize) -> Setup {
    setup_with(n, VENUE_KIND_AMM, |_| {}).await
}

impl Setup {
    fn base(&self) -> usize {
        self.h.assets.len()
    }

    /// Waits out the cooldown with fresh oracles.
    async fn next_block(&mut self) {
        let cooldown = self.h.vault_state().await.rebalance.cooldown_s as i64;
        self.h.warp_seconds(cooldown + 1).await;
        self.h.refresh_prices().await;
    }

    /// The pool that trades `sell` against `buy`.
    fn pool(&self, sell: usize, buy: usize) -> TestPool {
        let (x, y) = (self.h.slot_mint(sell), self.h.slot_mint(buy));
        self.pools
            .iter()
            .find(|p| (p.mint_a == x && p.mint_b == y) || (p.mint_a == y && p.mint_b == x))
            .expect("a pool for the pair")
            .clone()
    }

    /// Moves asset `i`'s oracle price by `num/den` and lets arbitrage follow in every pool.
    async fn move_price(&mut self, i: usize, num: i64, den: i64) {
        let p = self.h.assets[i].price.price;
        self.h.move_price(i, p * num / den).await;
        for pool in self.pools.clone() {
            self.h.arbitrage(&pool).await.expect("arbitrage");
        }
    }

    fn ix(&self, sell: usize, buy: usize, amount_in: u64, min_out: u64) -> Instruction {
        let pool = self.pool(sell, buy);
        self.h.ix_rebalance_swap(
            &self.keeper,
            &pool,
            sell,
            buy,
            amount_in,
            min_out,
            0,
            vec![],
            &[],
        )
    }

    /// Every account a refused trade must leave alone.
    fn watched(&self) -> Vec<Pubkey> {
        let mut keys = vec![self.keeper.base, self.h.risk()];
        for p in &self.pools {
            keys.extend([p.vault_a, p.vault_b]);
        }
        keys
    }

    /// Sends `ix` as the keeper and asserts it fails with `e` and changes nothing.
    async fn refused(&mut self, ix: Instruction, e: VaultError) {
        self.refused_code(ix, vault_code(e)).await;
    }

    /// Sends `ix` as the keeper and asserts it fails with custom error `code` (of any
    /// program) and changes nothing.
    async fn refused_code(&mut self, ix: Instruction, code: u32) {
        let watched = self.watched();
        let before = self.h.snapshot(&watched).await;
        let kp = self.keeper.kp.insecure_clone();
        let res = self.h.process_auto(&[ix], &[&kp]).await;
        assert_eq!(custom_code(&res), code, "{res:?}");
        self.h.assert_unchanged(&before).await;
    }

    /// Runs the planner until it has nothing left to do; returns the number of trades.
    async fn rebalance_until_done(&mut self) -> usize {
        let mut trades = 0;
        while let Some(t) = self.h.plan(POOL_FEE_BPS).await {
            let pool = self.pool(t.sell, t.buy);
            let d_before = self.h.portfolio().await.deviations().unwrap();
            let keeper = self.keeper.copy();
            self.h
                .rebalance(&keeper, &pool, &t)
                .await
                .expect("planned trade");
            let d_after = self.h.portfolio().await.deviations().unwrap();
            // Both legs moved toward their targets without crossing them.
            assert!(d_after[t.sell] < d_before[t.sell] && d_after[t.sell] >= Fx::ZERO);
            assert!(d_after[t.buy] > d_before[t.buy] && d_after[t.buy] <= Fx::ZERO);
            trades += 1;
            assert!(trades <= 20, "planner does not converge");
            self.next_block().await;
        }
        trades
    }

    async fn max_abs_deviation(&mut self) -> Fx {
        let p = self.h.portfolio().await;
        let d = p.deviations().unwrap();
        d[..=p.n].iter().map(|x| x.abs()).max().unwrap()
    }
}

use anchor_lang::prelude::Pubkey;

fn band() -> Fx {
    Fx::from_num(DEFAULT_BAND_BPS) / 10_000
}

#[tokio::test]
async fn rebalance_swap_ok_restores_every_band_then_not_needed() {
    let mut s = setup(2).await;
    let nav_before = s.h.portfolio().await.nav().unwrap();
    let trades = s.rebalance_until_done().await;
    assert!(trades >= 2, "cash goes into both assets: {trades} trades");
    assert!(s.max_abs_deviation().await <= band());
    // Costs stayed within the slippage budget and the pool fee.
    let nav_after = s.h.portfolio().await.nav().unwrap();
    let bounty = s.h.balance(&s.keeper.base).await;
    assert!(bounty > 0, "the keeper earned a bounty");
    let v = s.h.vault_state().await;
    assert!(bounty <= v.rebalance.bounty_cap_per_interval);
    assert!(
        nav_before - nav_after <= nav_before / 100,
        "{nav_before} -> {nav_after}"
    );
    assert_eq!(v.rebalance_state.total_bounty, bounty);

    // Prices move: asset 0 up 30 %. The keeper brings the bands back.
    s.move_price(0, 13, 10).await;
    assert!(s.max_abs_deviation().await > band());
    let trades = s.rebalance_until_done().await;
    assert!(trades >= 1);
    assert!(s.max_abs_deviation().await <= band());

    // Nothing left to do: any trade is refused as not needed.
    let ix = s.ix(0, s.base(), 1_000_000, 0);
    s.refused(ix, VaultError::RebalanceNotNeeded).await;
}

#[tokio::test]
async fn rebalance_swap_ok_event_values_match_balances() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let (sell_ta, buy_ta) = (s.h.slot_vault_ta(t.sell), s.h.slot_vault_ta(t.buy));
    let (sell0, buy0) = (s.h.balance(&sell_ta).await, s.h.balance(&buy_ta).await);
    let v0 = s.h.vault_state().await;
    let pool = s.pool(t.sell, t.buy);
    let keeper = s.keeper.kp.insecure_clone();
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        0,
        vec![],
        &[],
    );
    s.h.process_auto(&[ix], &[&keeper]).await.unwrap();
    let (sell1, buy1) = (s.h.balance(&sell_ta).await, s.h.balance(&buy_ta).await);
    let v1 = s.h.vault_state().await;
    let bounty = s.h.balance(&s.keeper.base).await;
    assert_eq!(t.sell, s.base(), "all-cash vault buys first");
    // The base account paid the input and the bounty; accounting follows exactly.
    assert_eq!(sell0 - sell1, t.amount_in + bounty);
    assert_eq!(v0.idle_base - v1.idle_base, t.amount_in + bounty);
    assert!(buy1 - buy0 >= t.check.min_out);
    assert_eq!(
        v1.assets[t.buy].holdings - v0.assets[t.buy].holdings,
        buy1 - buy0
    );
    assert_eq!(v1.rebalance_state.window_notional, t.check.value_in);
    // The trade's cap: the per-call cap scaled to its size against a band-sized trade.
    let nav = v0.rebalance.band_bps as u128 * s.h.portfolio().await.nav().unwrap() as u128;
    let cap = v1.rebalance.bounty_cap_per_call as u128 * t.check.value_in as u128 * 10_000 / nav;
    assert!(
        bounty > 0 && bounty as u128 <= cap * 1_001 / 1_000,
        "{bounty} > {cap}"
    );
}

#[tokio::test]
async fn rebalance_swap_fails_wrong_direction() {
    let mut s = setup(2).await;
    // All cash: selling an (underweight) asset for base moves both away from target.
    s.h.give_holdings(0, 1_000_000).await;
    let ix = s.ix(0, s.base(), 1_000, 0);
    s.refused(ix, VaultError::RebalanceWrongDirection).await;
}

#[tokio::test]
async fn rebalance_swap_fails_overshoot() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    // Room is 45 % of NAV for asset 0; ask for 50 %.
    let nav = s.h.portfolio().await.nav().unwrap();
    let ix = s.ix(t.sell, t.buy, nav / 2, 0);
    s.refused(ix, VaultError::RebalanceOvershoot).await;
}

#[tokio::test]
async fn rebalance_swap_fails_dust_trade() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let ix = s.ix(t.sell, t.buy, 1_000, 0);
    s.refused(ix, VaultError::RebalanceTradeTooSmall).await;
}

#[tokio::test]
async fn rebalance_swap_fails_cooldown() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let keeper = s.keeper.kp.insecure_clone();
    let ix = s.ix(t.sell, t.buy, t.amount_in / 2, t.check.min_out / 2);
    s.h.process_auto(&[ix], &[&keeper]).await.unwrap();
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceCooldown).await;
}

#[tokio::test]
async fn rebalance_swap_fails_notional_cap() {
    let mut s = setup(2).await;
    // The guardian lowers the cap to 10 % of NAV at once (a de-risking change).
    let mut p = s.h.vault_state().await.rebalance;
    p.notional_cap_bps = 1_000;
    let guardian = s.h.guardian.insecure_clone();
    s.h.derisk(
        &guardian,
        DeriskAction::TightenRebalance(RebalancePatch::all_of(&p)),
    )
    .await
    .unwrap();
    let nav = s.h.portfolio().await.nav().unwrap();
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert!(t.check.value_in <= nav / 10, "the planner respects the cap");
    let ix = s.ix(t.sell, t.buy, nav / 5, 0);
    s.refused(ix, VaultError::RebalanceNotionalCapExceeded)
        .await;
}

#[tokio::test]
async fn rebalance_swap_fails_cost_not_worth_it() {
    // Tracking aversion 0.0001: no deviation is worth 80 bps of fee and slippage.
    let mut s = setup_with(2, VENUE_KIND_AMM, |p| p.tracking_aversion_bps = 1).await;
    assert!(s.h.plan(POOL_FEE_BPS).await.is_none(), "the planner agrees");
    let nav = s.h.portfolio().await.nav().unwrap();
    let ix = s.ix(s.base(), 0, nav / 5, 0);
    s.refused(ix, VaultError::RebalanceCostExceedsBenefit).await;
}

#[tokio::test]
async fn rebalance_swap_fails_stale_targets() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let age = s.h.vault_state().await.rebalance.max_targets_age_s as i64;
    s.h.warp_seconds(age + 1).await;
    s.h.refresh_prices().await;
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceTargetsStale).await;
}

#[tokio::test]
async fn rebalance_swap_fails_stale_oracle() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    s.h.warp_seconds(61).await; // oracles are 60 s max
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::OracleStale).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_not_whitelisted() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let pool = s.pool(t.sell, t.buy);
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        1,
        vec![],
        &[],
    );
    s.refused(ix, VaultError::VenueNotWhitelisted).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_program_substituted() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let mut ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    // A look-alike program in the venue slot (here: the memo program's neighbour, SPL Token).
    let venue_slot = 10 + s.h.assets.len();
    assert_eq!(ix.accounts[venue_slot].pubkey, sim_amm::ID);
    ix.accounts[venue_slot] = AccountMeta::new_readonly(SPL_TOKEN, false);
    s.refused(ix, VaultError::VenueProgramMismatch).await;
}

#[tokio::test]
async fn rebalance_swap_fails_wrong_token_account() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let mut ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    // vault_buy_token (position 5) replaced by the other asset's vault account.
    ix.accounts[5].pubkey = s.h.assets[1 - t.buy].vault_ta;
    s.refused(ix, VaultError::RebalanceWrongTokenAccount).await;
}

#[tokio::test]
async fn rebalance_swap_fails_looser_keeper_minimum() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out - 1);
    s.refused(ix, VaultError::RebalanceMinOutBelowOracleFloor)
        .await;
}

#[tokio::test]
async fn rebalance_swap_fails_paused() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let guardian = s.h.guardian.insecure_clone();
    s.h.derisk(&guardian, DeriskAction::Pause(PAUSE_REBALANCE))
        .await
        .unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::InstructionPaused).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_removed() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let guardian = s.h.guardian.insecure_clone();
    s.h.derisk(&guardian, DeriskAction::RemoveVenue(0))
        .await
        .unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::VenueNotWhitelisted).await;
}

/// A vault whose planned first trade goes through a pool misbehaving in `mode`.
async fn misbehaving(mode: Misbehaviour, bps: u16) -> (Setup, PlannedTrade) {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let pool = s.pool(t.sell, t.buy);
    s.h.set_misbehaviour(&pool, mode as u8, bps).await;
    (s, t)
}

#[tokio::test]
async fn rebalance_swap_fails_venue_short_pays() {
    let (mut s, t) = misbehaving(Misbehaviour::ShortPay, 100).await;
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceOutputBelowMinimum).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_over_takes() {
    let (mut s, t) = misbehaving(Misbehaviour::OverTake, 100).await;
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceInputAboveApproved).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_extra_fee_beyond_budget() {
    // An extra 40 bps fee still clears the 80 bps floor, so only the slippage budget catches
    // it: the guardian has tightened the budget to 20 bps of NAV.
    let (mut s, t) = misbehaving(Misbehaviour::ExtraFee, 40).await;
    let mut p = s.h.vault_state().await.rebalance;
    p.slippage_budget_bps = 20;
    let guardian = s.h.guardian.insecure_clone();
    s.h.derisk(
        &guardian,
        DeriskAction::TightenRebalance(RebalancePatch::all_of(&p)),
    )
    .await
    .unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceSlippageBudgetExceeded)
        .await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_touches_another_vault_account() {
    let (mut s, t) = misbehaving(Misbehaviour::TouchOther, 0).await;
    let pool = s.pool(t.sell, t.buy);
    let other = s.h.assets[1 - t.buy].vault_ta;
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        0,
        vec![],
        &[AccountMeta::new(other, false)],
    );
    s.refused(ix, VaultError::VenueAccountForbidden).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_sees_hedge_or_share_accounts() {
    // The hedge venue's exchange and margin account, and every share token account (the fee
    // recipient's, the dead shares), are off limits to a swap venue, even read-only.
    let mut s = setup(2).await;
    let x = s.h.create_exchange(10, 1_000, 500, 0, 0).await;
    let params = vault_tests::hedged::hedge_params(HEDGE_MODE_DELTA_NEUTRAL);
    s.h.govern_hedge(&x, portfolio_vault::state::HedgePatch::all_of(&params))
        .await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let pool = s.pool(t.sell, t.buy);
    let forbidden = [
        AccountMeta::new(x.exchange, false),
        AccountMeta::new_readonly(s.h.vault_margin(&x), false),
        AccountMeta::new(s.h.fee_shares, false),
        AccountMeta::new_readonly(s.h.dead_shares, false),
    ];
    for meta in forbidden {
        let ix = s.h.ix_rebalance_swap(
            &s.keeper,
            &pool,
            t.sell,
            t.buy,
            t.amount_in,
            t.check.min_out,
            0,
            vec![],
            &[meta],
        );
        s.refused(ix, VaultError::VenueAccountForbidden).await;
    }
}

#[tokio::test]
async fn rebalance_swap_fails_vault_authority_writable() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let mut ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    let slot = 10 + s.h.assets.len() + 2; // venue program, pool, then the authority
    assert_eq!(ix.accounts[slot].pubkey, s.h.vault_authority);
    ix.accounts[slot].is_writable = true;
    s.refused(ix, VaultError::VenueAccountForbidden).await;
}

#[tokio::test]
async fn rebalance_swap_fails_venue_reverts() {
    let (mut s, t) = misbehaving(Misbehaviour::Fail, 0).await;
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused_code(ix, amm_code(sim_amm::error::AmmError::VenueFailure))
        .await;
}

#[tokio::test]
async fn rebalance_swap_fails_sandwich() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!(t.sell, s.base());
    // An attacker buys asset `t.buy` first, pushing the pool price 2 % above the oracle.
    let attacker = s.h.new_user(POOL_DEPTH).await;
    let pool = s.pool(t.sell, t.buy);
    let (base, asset) = (s.h.base_mint, s.h.assets[t.buy].mint);
    s.h.pool_swap(
        &attacker,
        &pool,
        base,
        asset,
        attacker.base,
        attacker.assets[t.buy],
        POOL_DEPTH / 100,
    )
    .await
    .unwrap();
    // The vault's oracle floor is now above what the pool pays: the venue's own minimum
    // refuses the trade, so the attacker cannot sell back into the vault's order at a profit.
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused_code(ix, amm_code(sim_amm::error::AmmError::SlippageExceeded))
        .await;
}

#[tokio::test]
async fn rebalance_swap_ok_round_trip_earns_one_bounty() {
    let mut s = setup(1).await;
    // Buy asset 0 with cash: earns a bounty.
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!((t.sell, t.buy), (1, 0));
    let keeper = s.keeper.kp.insecure_clone();
    let pool = s.pool(t.sell, t.buy);
    let k = User {
        kp: keeper.insecure_clone(),
        base: s.keeper.base,
        shares: s.keeper.shares,
        assets: s.keeper.assets.clone(),
    };
    s.h.rebalance(&k, &pool, &t).await.unwrap();
    let first = s.h.balance(&s.keeper.base).await;
    assert!(first > 0);
    // The price doubles: asset 0 is now overweight, and selling it back passes every check,
    // but reverses a trade already paid in this interval, so it earns nothing.
    s.next_block().await;
    s.move_price(0, 2, 1).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!((t.sell, t.buy), (0, 1));
    s.h.rebalance(&k, &pool, &t).await.unwrap();
    assert_eq!(s.h.balance(&s.keeper.base).await, first, "no second bounty");
    // In the next interval the same trade pays again.
    let interval = s.h.vault_state().await.rebalance.cap_interval_s as i64;
    s.h.warp_seconds(interval).await;
    s.h.refresh_prices().await;
    s.h.compute_targets().await.unwrap();
    s.move_price(0, 3, 2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!((t.sell, t.buy), (0, 1));
    s.h.rebalance(&k, &pool, &t).await.unwrap();
    assert!(s.h.balance(&s.keeper.base).await > first);
}

#[tokio::test]
async fn rebalance_swap_ok_bounty_capped_per_interval() {
    let mut s = setup_with(2, VENUE_KIND_AMM, |p| {
        p.bounty_cap_per_call = 700_000;
        p.bounty_cap_per_interval = 1_000_000;
    })
    .await;
    s.rebalance_until_done().await;
    let paid = s.h.balance(&s.keeper.base).await;
    assert_eq!(paid, 1_000_000, "two trades: 0.7 + 0.3 (the interval cap)");
}

#[tokio::test]
async fn rebalance_swap_ok_split_trades_earn_what_one_trade_earns() {
    // One correction traded at once, or split into ten trades: the bounty cap scales with each
    // trade's size, so the pieces together earn what the whole earns (up to rounding).
    let tune = |p: &mut RebalanceParams| {
        p.bounty_cap_per_call = 100_000;
        p.bounty_cap_per_interval = 1_000_000_000;
        p.min_trade_bps = 0;
    };
    let mut one = setup_with(1, VENUE_KIND_AMM, tune).await;
    let t = one.h.plan(POOL_FEE_BPS).await.unwrap();
    let ix = one.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    let kp = one.keeper.kp.insecure_clone();
    one.h.process_auto(&[ix], &[&kp]).await.unwrap();
    let whole = one.h.balance(&one.keeper.base).await;
    let mut split = setup_with(1, VENUE_KIND_AMM, tune).await;
    let t2 = split.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!(
        (t2.sell, t2.buy, t2.amount_in),
        (t.sell, t.buy, t.amount_in)
    );
    let pieces = 10u64;
    for _ in 0..pieces {
        let min_out = t.check.min_out.div_ceil(pieces) + 1;
        let ix = split.ix(t.sell, t.buy, t.amount_in / pieces, min_out);
        let kp = split.keeper.kp.insecure_clone();
        split.h.process_auto(&[ix], &[&kp]).await.unwrap();
        split.next_block().await;
    }
    let parts = split.h.balance(&split.keeper.base).await;
    assert!(whole > 0);
    // Each piece's cap is measured on the NAV before it, a little lower after each trade.
    assert!(
        (parts as f64 / whole as f64 - 1.0).abs() < 5e-3,
        "ten trades earned {parts}, one trade {whole}"
    );
}

#[tokio::test]
async fn rebalance_swap_ok_route_mode() {
    // The same pool whitelisted as an aggregator route: the keeper supplies the data.
    let mut s = setup_with(2, VENUE_KIND_ROUTE, |_| {}).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    let pool = s.pool(t.sell, t.buy);
    let route = |amount_in: u64| {
        anchor_lang::InstructionData::data(&sim_amm::instruction::Swap {
            amount_in,
            min_amount_out: 0, // the route's own minimum does not matter: the vault checks
        })
    };
    // A route that spends more than the approved amount is refused after the CPI.
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        0,
        route(t.amount_in + 1),
        &[],
    );
    s.refused(ix, VaultError::RebalanceInputAboveApproved).await;
    // A route that pays below the vault's minimum is refused.
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        0,
        route(t.amount_in / 2),
        &[],
    );
    s.refused(ix, VaultError::RebalanceOutputBelowMinimum).await;
    // The honest route passes every check.
    let ix = s.h.ix_rebalance_swap(
        &s.keeper,
        &pool,
        t.sell,
        t.buy,
        t.amount_in,
        t.check.min_out,
        0,
        route(t.amount_in),
        &[],
    );
    let kp = s.keeper.kp.insecure_clone();
    s.h.process_auto(&[ix], &[&kp]).await.unwrap();
    assert!(s.h.vault_state().await.assets[t.buy].holdings >= t.check.min_out);
}

#[tokio::test]
async fn rebalance_swap_ok_exits_in_kind_after_rebalancing_while_paused() {
    // Exits keep working on a rebalanced vault with every gate closed: the depositor gets
    // their share of each asset the keeper bought.
    let mut s = setup(2).await;
    s.rebalance_until_done().await;
    let guardian = s.h.guardian.insecure_clone();
    s.h.derisk(&guardian, DeriskAction::Pause(PAUSE_ALL_FLAGS))
        .await
        .unwrap();
    let depositor = s.depositor.take().unwrap();
    let shares = s.h.balance(&depositor.shares).await;
    s.h.redeem_in_kind(&depositor, shares).await.unwrap();
    for i in 0..2 {
        assert!(
            s.h.balance(&depositor.assets[i]).await > 0,
            "asset {i} paid out"
        );
    }
    assert_eq!(s.h.balance(&depositor.shares).await, 0);
}

#[tokio::test]
async fn rebalance_swap_fails_favourable_fill_crossing_target() {
    let mut s = setup(2).await;
    let t = s.h.plan(POOL_FEE_BPS).await.unwrap();
    assert_eq!(t.sell, s.base());
    // Someone dumps asset `t.buy` into the pool: the vault's order would now get 3 % more
    // units than the oracle says, which would carry the asset past its target (the planner
    // leaves 1 % of room). The post-trade check refuses the crossing.
    let dumper = s.h.new_user(0).await;
    let pool = s.pool(t.sell, t.buy);
    let (base, asset) = (s.h.base_mint, s.h.assets[t.buy].mint);
    let depth_units = s.h.balance(&pool.vault_for(&asset)).await;
    s.h.mint_to(&asset, &dumper.assets[t.buy], depth_units / 30)
        .await;
    s.h.pool_swap(
        &dumper,
        &pool,
        asset,
        base,
        dumper.assets[t.buy],
        dumper.base,
        depth_units / 30,
    )
    .await
    .unwrap();
    let ix = s.ix(t.sell, t.buy, t.amount_in, t.check.min_out);
    s.refused(ix, VaultError::RebalanceOvershoot).await;
}
