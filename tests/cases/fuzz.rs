//! Stateful fuzzer (SECURITY.md): random sequences of deposits, withdrawals, in-kind
//! redemptions, fee accruals, price moves (with arbitrage in the pools), donations, simulated
//! gains, keeper rebalances through sim-amm (planned, resized and with tightened or loosened
//! minimums) while pools randomly turn adversarial (short-pay, over-take, extra fee, touching
//! another account, failing), pauses and clock moves. After every step: the harness checks share supply against all balances and
//! accounting against token balances; every failed step must change no account; and every
//! user action must leave NAV per share, at both sides of the confidence band, no lower for
//! everyone else. At the end everyone redeems in kind.
//!
//! `FUZZ_SEQUENCES` (default 6) sequences of `FUZZ_STEPS` (default 40) steps; seeds are the
//! sequence numbers, so a failure names the seed that reproduces it.

use portfolio_vault::constants::{PAUSE_DEPOSITS, VENUE_KIND_AMM};
use portfolio_vault::math::nav::{nav, PriceSide, PricedHolding};
use portfolio_vault::math::rebalance::{check_trade, TradeLimits};
use portfolio_vault::operations::fees::accrue_management;
use portfolio_vault::oracle::{validate, RawPrice};
use portfolio_vault::state::RebalancePatch;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vault_tests::amm::TestPool;
use vault_tests::*;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Exact value of `amount` at `price`, as a numerator over 2^48 (the program rounds this to
/// whole base units; the fairness check must not see that rounding as a change in value).
fn exact_value_x48(amount: u64, price: portfolio_vault::math::Fx) -> u128 {
    let bits = price.to_bits() as u128;
    (amount as u128) * (bits >> 48) * (1u128 << 48)
        + (amount as u128) * (bits & ((1u128 << 48) - 1))
}

/// Exact NAV per share at both sides of the band a user action at `now` would see, from the
/// program's own price validation and fee accrual.
async fn per_share_state(h: &mut Harness) -> (f64, f64) {
    let v = h.vault_state().await;
    let now = h.now().await;
    let mut holdings = vec![];
    for (i, a) in h.assets.clone().iter().enumerate() {
        let raw = RawPrice {
            price: a.price.price,
            conf: a.price.conf,
            exponent: a.price.expo,
            ema_price: a.price.ema_price,
            publish_time: a.price.publish_time,
        };
        let p = validate(&v.assets[i], &raw, v.base_decimals, now).expect("fresh price");
        holdings.push(PricedHolding {
            amount: v.assets[i].holdings,
            low: p.low,
            mid: p.price,
            high: p.high,
        });
    }
    let minted = h.share_supply().await;
    let supply =
        (minted + v.pending_fee_shares + accrue_management(&v, minted, now).unwrap().shares) as f64;
    // The program's rounded NAVs exist and are in range (the same calls deposit/withdraw make).
    nav(v.idle_base, &holdings, PriceSide::Low).unwrap();
    nav(v.idle_base, &holdings, PriceSide::High).unwrap();
    let idle = (v.idle_base as u128) << 48;
    let low: u128 = idle
        + holdings
            .iter()
            .map(|x| exact_value_x48(x.amount, x.low))
            .sum::<u128>();
    let high: u128 = idle
        + holdings
            .iter()
            .map(|x| exact_value_x48(x.amount, x.high))
            .sum::<u128>();
    (low as f64 / supply, high as f64 / supply)
}

/// NAV per share after >= before at both sides, to f64 precision (1e-12 relative: a leak of
/// one base unit in this vault is a thousand times larger).
fn no_lower(before: (f64, f64), after: (f64, f64), what: &str) {
    let tol = 1e-12;
    assert!(
        after.0 >= before.0 * (1.0 - tol),
        "{what}: low-side NAV per share fell: {} -> {}",
        before.0,
        after.0
    );
    assert!(
        after.1 >= before.1 * (1.0 - tol),
        "{what}: high-side NAV per share fell: {} -> {}",
        before.1,
        after.1
    );
}

async fn run_sequence(seed: u64, steps: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cfg = VaultConfig {
        n_assets: 3,
        ..Default::default()
    };
    cfg.init.min_deposit = 1;
    cfg.init.management_fee_bps = 200;
    cfg.init.performance_fee_bps = 1_000;
    let mut h = Harness::with_config(cfg).await;
    let mut users = vec![];
    for _ in 0..3 {
        let u = h.new_user(1_000_000_000).await;
        h.deposit(&u, 100_000_000, 0).await.unwrap();
        users.push(u);
    }
    // Rebalancing: fixed targets of 30 % per asset, a pool for every pair, sim-amm whitelisted.
    let n = h.assets.len();
    let mut risk = h.default_risk_args();
    risk.strategy = 0;
    for w in risk.fixed_weights_bps.iter_mut().take(n) {
        *w = 3_000;
    }
    h.initialize_risk(risk).await.unwrap();
    let mut pools: Vec<TestPool> = vec![];
    for x in 0..=n {
        for y in x + 1..=n {
            pools.push(h.create_pool_at_oracle(x, y, 30, 100_000_000_000_000).await);
        }
    }
    let keeper = h.new_user(0).await;
    let mut rp = h.vault_state().await.rebalance;
    rp.notional_cap_bps = 10_000;
    rp.slippage_budget_bps = 100;
    h.govern_rebalancing(
        &[(sim_amm::ID, VENUE_KIND_AMM, 30)],
        Some(RebalancePatch::all_of(&rp)),
    )
    .await;
    let (mut user_ok, mut failed, mut rebalances) = (0u64, 0u64, 0u64);
    for step in 0..steps {
        let what = format!("seed {seed} step {step}");
        let u = rng.gen_range(0..users.len());
        let op = rng.gen_range(0..10);
        let what = format!("{what} op {op} user {u}");
        let mut extra = vec![users[u].base, users[u].shares, keeper.base];
        extra.extend(users[u].assets.iter().copied());
        let mut before = h.snapshot(&extra).await;
        let per_share_before = per_share_state(&mut h).await;
        let (res, user_action) = match op {
            0 => {
                let bal = h.balance(&users[u].base).await;
                let amount = rng.gen_range(0..=bal.min(300_000_000));
                (h.deposit(&users[u], amount, 0).await, true)
            }
            1 | 2 => {
                let held = h.balance(&users[u].shares).await;
                let shares = if held == 0 {
                    0
                } else {
                    rng.gen_range(0..=held)
                };
                let res = if op == 1 {
                    h.withdraw(&users[u], shares, 0).await
                } else {
                    h.redeem_in_kind(&users[u], shares).await
                };
                (res, true)
            }
            3 => (h.accrue_fees().await, false),
            4 => {
                let i = rng.gen_range(0..h.assets.len());
                let p = h.assets[i].price.price as f64 * rng.gen_range(0.92..1.08);
                h.warp_seconds(rng.gen_range(1..30)).await;
                h.move_price(i, p as i64).await;
                h.refresh_prices().await;
                let mint = h.assets[i].mint;
                for pool in pools
                    .iter()
                    .filter(|q| q.mint_a == mint || q.mint_b == mint)
                {
                    // Arbitrageurs skip a pool that is misbehaving at the moment.
                    let _ = h.arbitrage(pool).await;
                }
                (Ok(()), false)
            }
            9 => {
                // A keeper: fresh targets, then the planned trade resized, sometimes with a
                // minimum below the oracle floor or through the wrong pair's pool.
                h.compute_targets().await.unwrap();
                // The targets just written are the state the trade is judged against.
                before = h.snapshot(&extra).await;
                match h.plan(30).await {
                    None => (Ok(()), false),
                    Some(t) => {
                        let amount = (t.amount_in as f64 * rng.gen_range(0.3..1.3)) as u64;
                        let portfolio = h.portfolio().await;
                        let v = h.vault_state().await;
                        let lim = TradeLimits::new(
                            v.rebalance.band_bps,
                            v.rebalance.min_trade_bps,
                            v.rebalance.tracking_aversion_bps,
                            u64::MAX,
                            30,
                            v.rebalance.max_slippage_bps,
                        )
                        .unwrap();
                        let floor = check_trade(&portfolio, t.sell, t.buy, amount, &lim)
                            .map(|c| c.min_out)
                            .unwrap_or(0);
                        let min_out = if rng.gen_bool(0.2) {
                            floor.saturating_sub(1)
                        } else {
                            floor
                        };
                        let (mx, my) = (h.slot_mint(t.sell), h.slot_mint(t.buy));
                        let pool = pools
                            .iter()
                            .find(|q| {
                                (q.mint_a == mx && q.mint_b == my)
                                    || (q.mint_a == my && q.mint_b == mx)
                            })
                            .unwrap()
                            .clone();
                        let nav_before = portfolio.nav().unwrap();
                        let ix = h.ix_rebalance_swap(
                            &keeper,
                            &pool,
                            t.sell,
                            t.buy,
                            amount,
                            min_out,
                            0,
                            vec![],
                            &[],
                        );
                        let res = h.process_auto(&[ix], &[&keeper.kp]).await;
                        if res.is_ok() {
                            rebalances += 1;
                            // A rebalance costs at most the slippage budget plus a bounty
                            // (capped by what is left of the interval's cap).
                            let nav_after = h.portfolio().await.nav().unwrap();
                            let bound = nav_before / 100 + v.rebalance.bounty_cap_per_interval;
                            assert!(
                                nav_after + bound >= nav_before,
                                "{what}: rebalance lost {} of {nav_before}",
                                nav_before - nav_after
                            );
                        }
                        (res, false)
                    }
                }
            }
            5 => {
                // A donation: never changes the share price.
                let (mint, to) = (h.base_mint, h.base_vault);
                let amount = rng.gen_range(1..1_000_000);
                let kp = users[u].kp.insecure_clone();
                let from = users[u].base;
                if h.balance(&from).await >= amount {
                    h.transfer(&mint, &from, &to, &kp, amount).await;
                }
                (Ok(()), true)
            }
            6 => {
                // A gain, as a profitable rebalance would bring.
                let i = rng.gen_range(0..h.assets.len());
                h.give_holdings(i, rng.gen_range(1..2_000_000_000)).await;
                (Ok(()), false)
            }
            7 => {
                let flags = if rng.gen_bool(0.5) { PAUSE_DEPOSITS } else { 0 };
                // The venue turns adversarial (or honest again) in one random pool: the
                // vault's checks must refuse every bad fill and change nothing.
                let pool = pools[rng.gen_range(0..pools.len())].clone();
                let mode = if rng.gen_bool(0.6) {
                    0
                } else {
                    rng.gen_range(1..=5u8)
                };
                h.set_misbehaviour(&pool, mode, rng.gen_range(10..300))
                    .await;
                (h.set_pause(flags).await, false)
            }
            _ => {
                h.warp_seconds(rng.gen_range(1..3_600)).await;
                h.refresh_prices().await;
                (Ok(()), false)
            }
        };
        match res {
            Err(e) => {
                if std::env::var_os("FUZZ_VERBOSE").is_some() {
                    println!("{what}: refused: {e:?}");
                }
                failed += 1;
                h.assert_unchanged(&before).await
            }
            Ok(()) if user_action => {
                user_ok += 1;
                let after = per_share_state(&mut h).await;
                no_lower(per_share_before, after, &what);
            }
            Ok(()) => {}
        }
    }
    // The sequence really exercised the vault: users acted, and some steps were refused.
    println!(
        "seed {seed}: {user_ok} successful user actions, {rebalances} rebalances, {failed} refused steps"
    );
    assert!(
        user_ok >= steps / 8,
        "seed {seed}: only {user_ok} user actions succeeded"
    );
    // Everyone leaves in kind: always possible, paused or not.
    h.set_pause(PAUSE_DEPOSITS).await.unwrap();
    for u in &users {
        let held = h.balance(&u.shares).await;
        if held > 0 {
            h.redeem_in_kind(u, held)
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: exit failed: {e:?}"));
        }
        assert_eq!(h.balance(&u.shares).await, 0);
    }
    h.check_invariants().await;
}

#[tokio::test]
async fn random_sequences_keep_every_invariant() {
    let sequences = env("FUZZ_SEQUENCES", 6);
    let steps = env("FUZZ_STEPS", 40);
    for seed in 0..sequences {
        run_sequence(seed, steps).await;
    }
}
