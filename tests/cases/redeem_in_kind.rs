//! `redeem_in_kind`: a pro-rata slice of every holding, with no oracle, while paused, while
//! oracles are stale; every per-asset account is checked.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::PAUSE_ALL_FLAGS;
use portfolio_vault::error::VaultError;
use solana_instruction::AccountMeta;
use vault_tests::*;

async fn with_holdings() -> (Harness, User) {
    let mut h = Harness::new(3).await;
    let u = h.new_user(9_000_000).await;
    h.deposit(&u, 9_000_000, 1).await.unwrap();
    h.give_holdings(0, 3_000_000_000).await;
    h.give_holdings(1, 7).await;
    h.give_holdings(2, 1_000_000_001).await;
    (h, u)
}

async fn redeem_fails_with(
    h: &mut Harness,
    u: &User,
    shares: u64,
    remaining: Vec<AccountMeta>,
    e: VaultError,
) {
    let mut extra = vec![u.base, u.shares];
    extra.extend(u.assets.iter().copied());
    let before = h.snapshot(&extra).await;
    let ix = h.ix_redeem_in_kind_with(u, shares, remaining);
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn redeem_in_kind_ok_pro_rata() {
    let (mut h, u) = with_holdings().await;
    let supply = h.share_supply().await;
    let v = h.vault_state().await;
    let shares = 4_500_000u64; // half of the user's 9e6 of 10e6 shares
    h.redeem_in_kind(&u, shares).await.unwrap();
    let floor = |x: u64| (shares as u128 * x as u128 / supply as u128) as u64;
    assert_eq!(h.balance(&u.base).await, floor(v.idle_base));
    for i in 0..3 {
        assert_eq!(
            h.balance(&u.assets[i]).await,
            floor(v.assets[i].holdings),
            "asset {i}"
        );
    }
    assert_eq!(
        h.balance(&u.assets[1]).await,
        3,
        "7 * 0.45 rounds down to 3"
    );
    let after = h.vault_state().await;
    assert_eq!(
        after.assets[0].holdings,
        v.assets[0].holdings - floor(v.assets[0].holdings)
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn redeem_in_kind_ok_while_paused_and_every_oracle_stale() {
    let (mut h, u) = with_holdings().await;
    h.set_pause(PAUSE_ALL_FLAGS).await.unwrap();
    h.warp_seconds(100_000).await;
    // Even garbage in the oracle accounts does not matter: no oracle is read.
    for a in h.assets.clone() {
        vault_tests::oracle::write_raw(&mut h.ctx, &a.oracle, vec![0; 10], Pubkey::new_unique());
    }
    let shares = h.balance(&u.shares).await;
    h.redeem_in_kind(&u, shares).await.unwrap();
    assert_eq!(h.balance(&u.shares).await, 0);
    assert!(h.balance(&u.assets[0]).await > 0);
    h.check_invariants().await;
}

#[tokio::test]
async fn redeem_in_kind_ok_token_2022_asset() {
    let mut h = Harness::new(1).await;
    let mint = h.create_mint(6, TOKEN_2022, None).await;
    let asset = h
        .new_test_asset(mint, TOKEN_2022, OracleFormat::PullV2, 50)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    h.add_prepared_asset(asset, args).await.unwrap();
    let u = h.new_user(1_000_000).await;
    h.deposit(&u, 1_000_000, 1).await.unwrap();
    h.give_holdings(1, 1_000_000).await;
    h.redeem_in_kind(&u, 1_000_000).await.unwrap();
    assert_eq!(h.balance(&u.assets[1]).await, 500_000);
    h.check_invariants().await;
}

#[tokio::test]
async fn redeem_in_kind_fails_zero_shares() {
    let (mut h, u) = with_holdings().await;
    let rem = h.redeem_remaining(&u);
    redeem_fails_with(&mut h, &u, 0, rem, VaultError::WithdrawZeroShares).await;
}

#[tokio::test]
async fn redeem_in_kind_fails_nothing_to_pay() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(1_000_000).await;
    h.deposit(&u, 1_000_000, 1).await.unwrap();
    // Inflate the pricing supply so one share is worth less than one unit of everything.
    h.patch_vault(|v| v.pending_fee_shares = 1_000_000_000)
        .await;
    let rem = h.redeem_remaining(&u);
    redeem_fails_with(&mut h, &u, 1, rem, VaultError::RedeemNothingToPay).await;
}

#[tokio::test]
async fn redeem_in_kind_fails_missing_accounts() {
    let (mut h, u) = with_holdings().await;
    let mut rem = h.redeem_remaining(&u);
    rem.truncate(rem.len() - 3);
    redeem_fails_with(
        &mut h,
        &u,
        1_000,
        rem,
        VaultError::TokenAccountCountMismatch,
    )
    .await;
}

#[tokio::test]
async fn redeem_in_kind_fails_reordered_assets() {
    let (mut h, u) = with_holdings().await;
    let mut rem = h.redeem_remaining(&u);
    let (a, b) = rem.split_at_mut(3);
    a.swap_with_slice(&mut b[..3]);
    redeem_fails_with(
        &mut h,
        &u,
        1_000,
        rem,
        VaultError::TokenAccountNotVaultAccount,
    )
    .await;
}

#[tokio::test]
async fn redeem_in_kind_fails_duplicated_vault_account() {
    let (mut h, u) = with_holdings().await;
    let mut rem = h.redeem_remaining(&u);
    rem[3] = rem[0].clone();
    redeem_fails_with(
        &mut h,
        &u,
        1_000,
        rem,
        VaultError::TokenAccountNotVaultAccount,
    )
    .await;
}

#[tokio::test]
async fn redeem_in_kind_fails_wrong_mint_account() {
    let (mut h, u) = with_holdings().await;
    let mut rem = h.redeem_remaining(&u);
    rem[2].pubkey = h.assets[1].mint;
    redeem_fails_with(&mut h, &u, 1_000, rem, VaultError::TokenWrongMint).await;
}

#[tokio::test]
async fn redeem_in_kind_fails_receiver_of_another_mint() {
    let (mut h, u) = with_holdings().await;
    let mut rem = h.redeem_remaining(&u);
    rem[1].pubkey = u.assets[1];
    redeem_fails_with(&mut h, &u, 1_000, rem, VaultError::TokenAccountWrongMint).await;
}

#[tokio::test]
async fn redeem_in_kind_fails_receiver_of_another_owner() {
    let (mut h, u) = with_holdings().await;
    let other = h.new_user(0).await;
    let mut rem = h.redeem_remaining(&u);
    rem[1].pubkey = other.assets[0];
    redeem_fails_with(&mut h, &u, 1_000, rem, VaultError::TokenAccountWrongOwner).await;
}

#[tokio::test]
async fn redeem_in_kind_fails_foreign_owned_receiver() {
    let (mut h, u) = with_holdings().await;
    let fake = Pubkey::new_unique();
    let data = h.account(&u.assets[0]).await.unwrap().data;
    vault_tests::oracle::write_raw(&mut h.ctx, &fake, data, Pubkey::new_unique());
    let mut rem = h.redeem_remaining(&u);
    rem[1].pubkey = fake;
    redeem_fails_with(&mut h, &u, 1_000, rem, VaultError::TokenAccountWrongProgram).await;
}
