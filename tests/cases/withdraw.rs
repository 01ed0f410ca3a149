//! `withdraw`: base tokens from the idle buffer at NAV with assets at the low side of their
//! band; never paused.

use anchor_lang::error::ErrorCode;
use portfolio_vault::constants::PAUSE_ALL_FLAGS;
use portfolio_vault::error::VaultError;
use vault_tests::*;

async fn withdraw_fails(h: &mut Harness, u: &User, shares: u64, min_out: u64, e: VaultError) {
    let before = h.snapshot(&[u.base, u.shares]).await;
    let res = h.withdraw(u, shares, min_out).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

async fn funded(n_assets: usize) -> (Harness, User) {
    let mut h = Harness::new(n_assets).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 10_000_000, 1).await.unwrap();
    (h, u)
}

#[tokio::test]
async fn withdraw_ok_round_trip_returns_no_more_than_deposited() {
    let (mut h, u) = funded(2).await;
    h.withdraw(&u, 10_000_000, 1).await.unwrap();
    assert_eq!(h.balance(&u.base).await, 10_000_000);
    assert_eq!(h.balance(&u.shares).await, 0);
    assert_eq!(h.vault_state().await.idle_base, 1_000_000);
    h.check_invariants().await;
}

#[tokio::test]
async fn withdraw_ok_prices_holdings_at_low_side() {
    let (mut h, u) = funded(2).await;
    h.give_holdings(0, 1_000_000_000).await; // $100 of asset 0, low side $99.95
    let supply = h.share_supply().await as u128;
    let shares = 1_000_000u64;
    h.withdraw(&u, shares, 1).await.unwrap();
    let nav_low: u128 = 11_000_000 + 99_950_000;
    let exact = shares as u128 * nav_low / supply;
    let got = (h.balance(&u.base).await) as u128;
    assert!(
        got <= exact && got + 1 >= exact,
        "paid {got}, exact floor {exact}"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn withdraw_ok_while_paused() {
    let (mut h, u) = funded(1).await;
    h.set_pause(PAUSE_ALL_FLAGS).await.unwrap();
    h.withdraw(&u, 4_000_000, 1).await.unwrap();
    assert_eq!(h.balance(&u.base).await, 4_000_000);
    h.check_invariants().await;
}

#[tokio::test]
async fn withdraw_fails_zero_shares() {
    let (mut h, u) = funded(1).await;
    withdraw_fails(&mut h, &u, 0, 0, VaultError::WithdrawZeroShares).await;
}

#[tokio::test]
async fn withdraw_fails_more_shares_than_held() {
    let (mut h, u) = funded(1).await;
    withdraw_fails(
        &mut h,
        &u,
        10_000_001,
        0,
        VaultError::WithdrawInsufficientShares,
    )
    .await;
}

#[tokio::test]
async fn withdraw_fails_idle_buffer_short() {
    let (mut h, u) = funded(1).await;
    // Most of the NAV sits in asset 0: idle 11 USDC, holdings ~100 USDC.
    h.give_holdings(0, 1_000_000_000).await;
    let shares = h.balance(&u.shares).await;
    withdraw_fails(&mut h, &u, shares, 0, VaultError::WithdrawInsufficientIdle).await;
    // The documented way out: redeem in kind.
    h.redeem_in_kind(&u, shares).await.unwrap();
    h.check_invariants().await;
}

#[tokio::test]
async fn withdraw_fails_slippage() {
    let (mut h, u) = funded(1).await;
    withdraw_fails(
        &mut h,
        &u,
        1_000_000,
        1_000_001,
        VaultError::WithdrawSlippageExceeded,
    )
    .await;
}

#[tokio::test]
async fn withdraw_fails_zero_assets() {
    let (mut h, u) = funded(0).await;
    // Make one share worth less than one base unit: NAV 11e6, supply 11e6 -> add shares via patch.
    h.patch_vault(|v| v.pending_fee_shares = 100_000_000).await;
    withdraw_fails(&mut h, &u, 1, 0, VaultError::WithdrawZeroAssets).await;
}

#[tokio::test]
async fn withdraw_fails_stale_oracle() {
    let (mut h, u) = funded(2).await;
    h.warp_seconds(61).await;
    withdraw_fails(&mut h, &u, 1_000_000, 0, VaultError::OracleStale).await;
}

#[tokio::test]
async fn withdraw_fails_shares_of_another_owner() {
    let (mut h, u) = funded(1).await;
    let thief = h.new_user(0).await;
    let mut ix = h.ix_withdraw(&thief, 1_000_000, 0);
    ix.accounts[7].pubkey = u.shares;
    let before = h.snapshot(&[u.shares, thief.base]).await;
    let res = h.process(&[ix], &[&thief.kp]).await;
    assert_anchor_error(res, ErrorCode::ConstraintTokenOwner);
    h.assert_unchanged(&before).await;
}
