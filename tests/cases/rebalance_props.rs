//! Property tests of the shared rebalancing math (`math/rebalance.rs`): whatever the
//! portfolio, a planned trade passes the program's checks, moves both legs toward their targets
//! without crossing them, saves tracking cost, and repeated planning ends inside the bands (or
//! where no trade is worth its cost) within a bounded number of trades.
//! Cases: `PROPTEST_CASES` (default 1,000).

use portfolio_vault::math::rebalance::{
    check_trade, pair_tracking_cost, plan_rebalance, Portfolio, TradeLimits,
};
use portfolio_vault::math::Fx;
use proptest::prelude::*;

/// 1..=8 assets with holdings worth up to 1e12 base units, prices over 8 orders of magnitude,
/// and targets (cash included) that add up to one.
fn portfolio() -> impl Strategy<Value = Portfolio> {
    (1usize..=8).prop_flat_map(|n| {
        (
            prop::collection::vec(0u64..=1_000_000_000_000, n),
            prop::collection::vec(-4i32..=4, n),
            prop::collection::vec(1u32..=1_000, n + 1),
            0u64..=1_000_000_000_000,
        )
            .prop_map(move |(values, exps, raw_targets, idle)| {
                let prices: Vec<Fx> = exps.iter().map(|e| Fx::from_num(10f64.powi(*e))).collect();
                let amounts: Vec<u64> = values
                    .iter()
                    .zip(&prices)
                    .map(|(v, p)| (Fx::from_num(*v) / p).to_num::<u64>())
                    .collect();
                let total: u32 = raw_targets.iter().sum();
                let targets: Vec<Fx> = raw_targets
                    .iter()
                    .map(|t| Fx::from_num(*t) / Fx::from_num(total))
                    .collect();
                Portfolio::new(n, &amounts, &prices, &targets[..n], idle, targets[n])
            })
    })
}

fn limits() -> impl Strategy<Value = TradeLimits> {
    (
        10u16..=2_000,
        0u16..=100,
        1u32..=100_000,
        0u16..=100,
        1u16..=100,
    )
        .prop_map(|(band, min_trade, aversion, fee, slip)| {
            TradeLimits::new(band, min_trade, aversion, u64::MAX, fee, slip).unwrap()
        })
}

proptest! {
    #![proptest_config(vault_tests::proptest_config())]

    /// A planned trade passes the checks the program applies, sells no more than is held, and
    /// its minimum output is at most what the oracle value buys.
    #[test]
    fn planned_trade_passes_the_program_checks(p in portfolio(), lim in limits()) {
        if let Some(t) = plan_rebalance(&p, &lim) {
            prop_assert!(t.amount_in <= p.amounts[t.sell]);
            prop_assert_eq!(check_trade(&p, t.sell, t.buy, t.amount_in, &lim), Ok(t.check));
            prop_assert!(t.check.min_out <= t.check.expected_out);
            prop_assert!(t.check.benefit > t.check.cost);
        }
    }

    /// Filled anywhere between the minimum and the oracle value, a planned trade moves both
    /// legs toward their targets without crossing them and lowers their tracking cost.
    #[test]
    fn planned_trade_moves_toward_targets(p in portfolio(), lim in limits(), fill_bps in 0u64..=10_000) {
        let Some(t) = plan_rebalance(&p, &lim) else { return Ok(()) };
        let out = t.check.min_out + (t.check.expected_out - t.check.min_out) * fill_bps / 10_000;
        let after = p.after(t.sell, t.buy, t.amount_in, out).unwrap();
        let (d0, d1) = (p.deviations().unwrap(), after.deviations().unwrap());
        prop_assert!(d1[t.sell] < d0[t.sell] && d1[t.sell] >= Fx::ZERO, "sell leg {} -> {}", d0[t.sell], d1[t.sell]);
        prop_assert!(d1[t.buy] > d0[t.buy] && d1[t.buy] <= Fx::ZERO, "buy leg {} -> {}", d0[t.buy], d1[t.buy]);
        let k = Fx::ONE;
        prop_assert!(pair_tracking_cost(&after, t.sell, t.buy, k).unwrap() < pair_tracking_cost(&p, t.sell, t.buy, k).unwrap());
    }

    /// Planning and filling at the minimum again and again stops within 4 trades per position,
    /// and when it stops every weight is inside its band or no trade is worth its cost.
    #[test]
    fn repeated_planning_terminates(p in portfolio(), lim in limits()) {
        let mut p = p;
        let mut trades = 0;
        while let Some(t) = plan_rebalance(&p, &lim) {
            p = p.after(t.sell, t.buy, t.amount_in, t.check.min_out).unwrap();
            trades += 1;
            prop_assert!(trades <= 4 * (p.n + 1), "no convergence after {} trades", trades);
        }
        let d = p.deviations().unwrap();
        let outside = d[..=p.n].iter().filter(|x| x.abs() > lim.band).count();
        if outside > 0 {
            // Something is off target, but the best pair is not worth trading (or too small).
            let best_sell = (0..=p.n).max_by_key(|&i| d[i]).unwrap();
            let best_buy = (0..=p.n).min_by_key(|&i| d[i]).unwrap();
            let room = d[best_sell].min(-d[best_buy]);
            let gap = d[best_sell] - d[best_buy];
            let cost = Fx::from_num(lim.cost_bps()) / 10_000;
            let worth = lim.aversion * Fx::from_num(2) * (gap - room * Fx::from_num(0.99));
            // Or the possible correction is dust: below the minimum trade or one unit's value.
            let nav = Fx::from_num(p.nav().unwrap());
            let dust = (lim.min_trade * nav * 2).max(Fx::from_num(20_000));
            prop_assert!(
                worth <= cost * Fx::from_num(1.01) || room * nav <= dust,
                "stopped with {} outside: worth {} cost {} room {}", outside, worth, cost, room * nav
            );
        }
    }
}
