//! `set_pause` and `sweep_surplus`.

use portfolio_vault::constants::{PAUSE_ALL_FLAGS, PAUSE_DEPOSITS};
use portfolio_vault::error::VaultError;
use solana_signer::Signer;
use vault_tests::*;

#[tokio::test]
async fn set_pause_ok() {
    let mut h = Harness::new(1).await;
    h.set_pause(PAUSE_DEPOSITS).await.unwrap();
    assert_eq!(h.vault_state().await.pause_flags, PAUSE_DEPOSITS);
    h.set_pause(0).await.unwrap();
    assert_eq!(h.vault_state().await.pause_flags, 0);
}

#[tokio::test]
async fn set_pause_fails_not_admin() {
    let mut h = Harness::new(1).await;
    let stranger = solana_keypair::Keypair::new();
    let ix = h.ix_set_pause(&stranger.pubkey(), PAUSE_DEPOSITS);
    let before = h.snapshot(&[]).await;
    let res = h.process(&[ix], &[&stranger]).await;
    assert_vault_error(res, VaultError::AuthNotAdmin);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn set_pause_fails_unknown_flag() {
    let mut h = Harness::new(1).await;
    let before = h.snapshot(&[]).await;
    let res = h.set_pause(PAUSE_ALL_FLAGS << 1).await;
    assert_vault_error(res, VaultError::ParamUnknownPauseFlag);
    h.assert_unchanged(&before).await;
}

async fn donated() -> (Harness, User, anchor_lang::prelude::Pubkey) {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 5_000_000, 1).await.unwrap();
    let (mint, bv) = (h.base_mint, h.base_vault);
    h.transfer(&mint, &u.base, &bv, &u.kp.insecure_clone(), 2_000_000)
        .await;
    let fee_owner = h.fee_recipient.pubkey();
    let dest = h.create_token_account(&mint, &fee_owner, SPL_TOKEN).await;
    (h, u, dest)
}

#[tokio::test]
async fn sweep_surplus_ok_donation_goes_to_fee_recipient() {
    let (mut h, _u, dest) = donated().await;
    let idle = h.vault_state().await.idle_base;
    let admin = h.admin.insecure_clone();
    let (mint, bv) = (h.base_mint, h.base_vault);
    let ix = h.ix_sweep_surplus(&admin.pubkey(), &mint, SPL_TOKEN, &bv, &dest);
    h.process(&[ix], &[&admin]).await.unwrap();
    assert_eq!(h.balance(&dest).await, 2_000_000);
    assert_eq!(
        h.balance(&bv).await,
        idle,
        "exactly the accounted amount stays"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn sweep_surplus_ok_asset_account() {
    let (mut h, u, _) = donated().await;
    let (mint, ta) = (h.assets[0].mint, h.assets[0].vault_ta);
    h.give_holdings(0, 1_000).await;
    h.mint_to(&mint, &u.assets[0], 77).await;
    h.transfer(&mint, &u.assets[0], &ta, &u.kp.insecure_clone(), 77)
        .await;
    let fee_owner = h.fee_recipient.pubkey();
    let dest = h.create_token_account(&mint, &fee_owner, SPL_TOKEN).await;
    let admin = h.admin.insecure_clone();
    let ix = h.ix_sweep_surplus(&admin.pubkey(), &mint, SPL_TOKEN, &ta, &dest);
    h.process(&[ix], &[&admin]).await.unwrap();
    assert_eq!(h.balance(&dest).await, 77);
    assert_eq!(h.balance(&ta).await, 1_000);
    h.check_invariants().await;
}

async fn sweep_fails(
    h: &mut Harness,
    signer: &solana_keypair::Keypair,
    from: anchor_lang::prelude::Pubkey,
    to: anchor_lang::prelude::Pubkey,
    e: VaultError,
) {
    let mint = h.base_mint;
    let ix = h.ix_sweep_surplus(&signer.pubkey(), &mint, SPL_TOKEN, &from, &to);
    let before = h.snapshot(&[to, from]).await;
    let res = h.process(&[ix], &[signer]).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn sweep_surplus_fails_not_admin() {
    let (mut h, _u, dest) = donated().await;
    let stranger = solana_keypair::Keypair::new();
    let bv = h.base_vault;
    sweep_fails(&mut h, &stranger, bv, dest, VaultError::AuthNotAdmin).await;
}

#[tokio::test]
async fn sweep_surplus_fails_no_surplus() {
    let mut h = Harness::new(1).await;
    let fee_owner = h.fee_recipient.pubkey();
    let (mint, bv) = (h.base_mint, h.base_vault);
    let dest = h.create_token_account(&mint, &fee_owner, SPL_TOKEN).await;
    let admin = h.admin.insecure_clone();
    sweep_fails(&mut h, &admin, bv, dest, VaultError::VaultNoSurplus).await;
}

#[tokio::test]
async fn sweep_surplus_fails_destination_not_fee_recipient() {
    let (mut h, u, _) = donated().await;
    let admin = h.admin.insecure_clone();
    let bv = h.base_vault;
    sweep_fails(
        &mut h,
        &admin,
        bv,
        u.base,
        VaultError::TokenAccountWrongOwner,
    )
    .await;
}

#[tokio::test]
async fn sweep_surplus_fails_not_a_vault_account() {
    let (mut h, u, dest) = donated().await;
    let admin = h.admin.insecure_clone();
    sweep_fails(
        &mut h,
        &admin,
        u.base,
        dest,
        VaultError::TokenAccountNotVaultAccount,
    )
    .await;
}
