//! `accrue_fees`: management fee streamed as shares, performance fee over the high-water mark,
//! idempotent within a second.

use portfolio_vault::constants::SECONDS_PER_YEAR;
use portfolio_vault::error::VaultError;
use vault_tests::*;

async fn fee_vault(mgmt_bps: u16, perf_bps: u16) -> (Harness, User) {
    let mut cfg = VaultConfig {
        n_assets: 2,
        ..Default::default()
    };
    cfg.init.management_fee_bps = mgmt_bps;
    cfg.init.performance_fee_bps = perf_bps;
    let mut h = Harness::with_config(cfg).await;
    let u = h.new_user(99_000_000).await;
    h.deposit(&u, 99_000_000, 1).await.unwrap(); // supply 1e8
    (h, u)
}

#[tokio::test]
async fn accrue_fees_ok_management_fee_over_a_year() {
    let (mut h, _u) = fee_vault(200, 0).await;
    h.warp_seconds(SECONDS_PER_YEAR as i64).await;
    h.refresh_prices().await;
    h.accrue_fees().await.unwrap();
    let fee_shares = h.fee_shares;
    // 2 % of NAV: s / (1e8 + s) = 0.02 => s = 1e8 * 200 / 9800 = 2,040,816.33: the whole
    // shares are minted and the third of a share is carried to the next accrual.
    assert_eq!(h.balance(&fee_shares).await, 2_040_816);
    let v = h.vault_state().await;
    assert_eq!(v.pending_fee_shares, 0);
    let carried = v.pending_fee_fraction.get().to_num::<f64>();
    assert!((carried - 0.3265306).abs() < 1e-6, "{carried}");
    h.check_invariants().await;
}

#[tokio::test]
async fn accrue_fees_ok_management_fee_accrues_on_deposits_too() {
    let (mut h, u) = fee_vault(200, 0).await;
    h.warp_seconds(SECONDS_PER_YEAR as i64 / 2).await;
    h.refresh_prices().await;
    let other = h.new_user(1_000_000).await;
    h.deposit(&other, 1_000_000, 1).await.unwrap();
    let pending = h.vault_state().await.pending_fee_shares;
    assert!(
        pending > 0,
        "the deposit accrued the fee up to its own time"
    );
    // The newcomer paid the price including those pending shares, so the fee is not theirs.
    h.warp_seconds(SECONDS_PER_YEAR as i64 / 2).await;
    h.refresh_prices().await;
    h.accrue_fees().await.unwrap();
    let fs = h.fee_shares;
    let minted = h.balance(&fs).await;
    assert!(minted > pending);
    let _ = u;
    h.check_invariants().await;
}

/// Accrues fees every `step_s` for `steps` steps, oracles refreshed each time.
async fn accrue_every(h: &mut Harness, step_s: i64, steps: usize) {
    for _ in 0..steps {
        h.warp_seconds(step_s).await;
        h.refresh_prices().await;
        h.accrue_fees().await.unwrap();
    }
}

#[tokio::test]
async fn accrue_fees_ok_performance_fee_on_a_gain_that_lasts() {
    let (mut h, _u) = fee_vault(0, 2_000).await;
    let fs = h.fee_shares;
    h.give_holdings(0, 1_000_000_000).await; // +$100 of asset 0 behind the same shares
    h.warp_seconds(1).await;
    h.refresh_prices().await;
    let hwm_before = h.vault_state().await.hwm_pps.get();
    // The first accrual after the gain credits the time before it at the old level: no fee.
    h.accrue_fees().await.unwrap();
    assert_eq!(
        h.balance(&fs).await,
        0,
        "a gain that has not lasted is not charged"
    );
    // Held for ten weeks with weekly accruals, the time-weighted NAV per share converges on
    // it (each week moves it half way at a one-week time constant).
    accrue_every(&mut h, 7 * 86_400, 10).await;
    let v = h.vault_state().await;
    let fee_shares = h.balance(&fs).await as f64;
    // NAV (low side) = 1e8 + 99_950_000; gain = 99_950_000; fee value 20 % = 19_990_000.
    let nav = 100_000_000.0 + 99_950_000.0;
    let fee_value = 19_990_000.0;
    let full = fee_value * 1e8 / (nav - fee_value);
    assert!(
        fee_shares <= full + 1.0 && fee_shares >= full * 0.998,
        "{fee_shares} vs {full}"
    );
    assert!(v.hwm_pps.get() > hwm_before);
    h.check_invariants().await;
    // No new gain: what is still charged is the last of the same gain, never more in all
    // than charging it at once would.
    accrue_every(&mut h, 7 * 86_400, 5).await;
    let total = h.balance(&fs).await as f64;
    assert!(
        total <= full + 1.0 && total >= full * 0.9999,
        "{total} vs {full}"
    );
}

#[tokio::test]
async fn accrue_fees_ok_no_performance_fee_below_high_water_mark() {
    let (mut h, _u) = fee_vault(0, 2_000).await;
    h.give_holdings(0, 1_000_000_000).await;
    accrue_every(&mut h, 7 * 86_400, 10).await;
    let fs = h.fee_shares;
    let after_first = h.balance(&fs).await;
    assert!(after_first > 0);
    // Price falls 4 %, then recovers only part way: still below the mark.
    h.warp_seconds(86_400).await;
    h.move_price(0, 96_00000000).await;
    h.move_price(1, 100_00000000).await;
    h.accrue_fees().await.unwrap();
    h.warp_seconds(86_400).await;
    h.move_price(0, 98_00000000).await;
    h.move_price(1, 100_00000000).await;
    h.accrue_fees().await.unwrap();
    assert_eq!(h.balance(&fs).await, after_first);
    h.check_invariants().await;
}

#[tokio::test]
async fn accrue_fees_ok_no_performance_fee_on_a_spike_that_reverts() {
    // Prices +20 %, anyone accrues, prices revert, anyone accrues: nothing is crystallised and
    // no holder's NAV per share falls. Waiting at the spike before the revert (the accrual at
    // the spike and the next one after the revert) charges nothing either: the interval
    // between them counts at the lower of its two ends.
    let (mut h, _u) = fee_vault(0, 2_000).await;
    let fs = h.fee_shares;
    accrue_every(&mut h, 86_400, 2).await;
    let pps = |v: &portfolio_vault::state::Vault| v.perf_pps_ema.get();
    let before = h.vault_state().await;
    let supply_before = h.share_supply().await;
    for wait_at_spike in [1i64, 86_400] {
        h.warp_seconds(60).await;
        h.move_price(0, 120_00000000).await;
        h.move_price(1, 120_00000000).await;
        h.accrue_fees().await.unwrap();
        h.warp_seconds(wait_at_spike).await;
        h.move_price(0, 100_00000000).await;
        h.move_price(1, 100_00000000).await;
        h.accrue_fees().await.unwrap();
        assert_eq!(
            h.balance(&fs).await,
            0,
            "no fee after waiting {wait_at_spike} s"
        );
    }
    assert_eq!(h.share_supply().await, supply_before);
    let after = h.vault_state().await;
    assert!(
        pps(&after) <= pps(&before),
        "the smoothed NAV per share did not rise"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn accrue_fees_ok_idempotent_within_a_second() {
    let (mut h, _u) = fee_vault(500, 5_000).await;
    h.give_holdings(0, 1_000_000_000).await;
    h.warp_seconds(3_600).await;
    h.refresh_prices().await;
    h.accrue_fees().await.unwrap();
    let before = h.snapshot(&[]).await;
    // Same second, even with a higher price: nothing changes.
    h.move_price(0, 101_00000000).await;
    h.accrue_fees().await.unwrap();
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn accrue_fees_fails_recipient_account_of_another_owner() {
    let (mut h, u) = fee_vault(200, 0).await;
    h.warp_seconds(100).await;
    h.refresh_prices().await;
    let mut ix = h.ix_accrue_fees();
    ix.accounts[3].pubkey = u.shares;
    let before = h.snapshot(&[]).await;
    let res = h.process(&[ix], &[]).await;
    assert_vault_error(res, VaultError::TokenAccountWrongOwner);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn accrue_fees_fails_stale_oracle() {
    let (mut h, _u) = fee_vault(200, 1_000).await;
    h.warp_seconds(100).await;
    let before = h.snapshot(&[]).await;
    let res = h.accrue_fees().await;
    assert_vault_error(res, VaultError::OracleStale);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn accrue_fees_ok_frequent_calls_charge_the_stated_rate() {
    // Two identical vaults: one accrues every second for two minutes, the other once. Rounding
    // each accrual up would charge 120 shares instead of about 7.6.
    let (mut every_second, _) = fee_vault(200, 0).await;
    let (mut once, _) = fee_vault(200, 0).await;
    for _ in 0..120 {
        every_second.warp_seconds(1).await;
        every_second.refresh_prices().await;
        every_second.accrue_fees().await.unwrap();
    }
    once.warp_seconds(120).await;
    once.refresh_prices().await;
    once.accrue_fees().await.unwrap();
    let fa = every_second.fee_shares;
    let fb = once.fee_shares;
    let (a, b) = (every_second.balance(&fa).await, once.balance(&fb).await);
    // 1e8 shares x 2 % x 120 s / year = 7.6 shares.
    assert_eq!(b, 7);
    assert!(a.abs_diff(b) <= 1, "every second {a} vs once {b}");
}
