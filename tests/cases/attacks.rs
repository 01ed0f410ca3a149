//! Vault-economics attacks of SECURITY.md: first-depositor inflation with a donation, rounding
//! farmed by round trips, donations that try to move the share price.

use vault_tests::*;

/// Value of `shares` at the low side, as `withdraw` would pay it (from a read-only view).
async fn share_value(h: &mut Harness, shares: u64) -> u64 {
    let v = h.vault_state().await;
    let supply = h.share_supply().await + v.pending_fee_shares;
    let mut nav = v.idle_base as u128;
    for (i, a) in h.assets.clone().iter().enumerate() {
        // price - conf, in base units per unit, as an exact rational (expo -8, 6 vs 9 decimals)
        let low = (a.price.price as u128 - a.price.conf as u128) * v.assets[i].holdings as u128;
        nav += low / 100_000_000_000;
    }
    (shares as u128 * nav / supply as u128) as u64
}

#[tokio::test]
async fn first_depositor_inflation_with_donation_gains_nothing() {
    let mut cfg = VaultConfig {
        n_assets: 1,
        ..Default::default()
    };
    cfg.init.min_deposit = 1;
    cfg.init.initial_deposit = 1_000; // the smallest dead-share lock the program allows
    let mut h = Harness::with_config(cfg).await;
    let attacker = h.new_user(1_000_000_001).await;
    let victim = h.new_user(500_000_000).await;

    // The attacker mints the smallest position, then donates a fortune to the vault account.
    h.deposit(&attacker, 1, 0).await.unwrap();
    let price_before = share_value(&mut h, 1_000_000).await;
    let (mint, bv) = (h.base_mint, h.base_vault);
    h.transfer(
        &mint,
        &attacker.base,
        &bv,
        &attacker.kp.insecure_clone(),
        1_000_000_000,
    )
    .await;
    assert_eq!(
        share_value(&mut h, 1_000_000).await,
        price_before,
        "a donation does not move the share price"
    );
    h.check_invariants().await;

    // The victim deposits; their position is worth at least the deposit minus one unit.
    h.deposit(&victim, 500_000_000, 1).await.unwrap();
    let victim_shares = h.balance(&victim.shares).await;
    assert!(share_value(&mut h, victim_shares).await >= 500_000_000 - 1);
    h.withdraw(&victim, victim_shares, 1).await.unwrap();
    assert!(h.balance(&victim.base).await >= 500_000_000 - 1);

    // The attacker exits with no more than the 1 unit it deposited; the donation stays as
    // surplus (recoverable only through sweep_surplus to the fee recipient).
    let attacker_shares = h.balance(&attacker.shares).await;
    h.redeem_in_kind(&attacker, attacker_shares).await.unwrap();
    assert!(
        h.balance(&attacker.base).await <= 1,
        "the attacker gains nothing"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn round_trips_never_return_more_than_put_in() {
    let mut cfg = VaultConfig {
        n_assets: 2,
        ..Default::default()
    };
    cfg.init.min_deposit = 1;
    let mut h = Harness::with_config(cfg).await;
    // Holdings with awkward amounts so NAV per share is not a round number.
    h.give_holdings(0, 1_234_567_891).await;
    h.give_holdings(1, 7_777_777).await;
    let start = 50_000_003u64;
    let u = h.new_user(start).await;
    // One share is worth ~126 base units here: deposits below that mint nothing and are refused.
    for amount in [1u64, 7, 125] {
        assert_vault_error(
            h.deposit(&u, amount, 0).await,
            portfolio_vault::error::VaultError::DepositZeroShares,
        );
    }
    for amount in [127u64, 999, 123_457, 10_000_001] {
        // deposit then withdraw everything
        h.deposit(&u, amount, 0).await.unwrap();
        let s = h.balance(&u.shares).await;
        h.withdraw(&u, s, 0).await.unwrap();
        h.check_invariants().await;
    }
    // split withdrawals against one: deposit once, withdraw in 7 pieces
    h.deposit(&u, 20_000_000, 0).await.unwrap();
    let s = h.balance(&u.shares).await;
    for _ in 0..6 {
        h.withdraw(&u, s / 7, 0).await.unwrap();
    }
    let rest = h.balance(&u.shares).await;
    h.withdraw(&u, rest, 0).await.unwrap();
    // withdraw then deposit: shares back never exceed shares out
    h.deposit(&u, 10_000_000, 0).await.unwrap();
    let s0 = h.balance(&u.shares).await;
    let b0 = h.balance(&u.base).await;
    h.withdraw(&u, s0 / 2, 0).await.unwrap();
    let got = h.balance(&u.base).await - b0;
    h.deposit(&u, got, 0).await.unwrap();
    assert!(h.balance(&u.shares).await <= s0, "deposit(redeem(s)) <= s");
    let s = h.balance(&u.shares).await;
    h.withdraw(&u, s, 0).await.unwrap();
    assert!(
        h.balance(&u.base).await <= start,
        "no sequence returns more than was put in"
    );
    h.check_invariants().await;
}
