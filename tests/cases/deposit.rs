//! `deposit`: shares at NAV with assets at the high side of their band; every refusal leaves
//! balances, supply and vault state unchanged.

use anchor_lang::error::ErrorCode;
use portfolio_vault::constants::PAUSE_DEPOSITS;
use portfolio_vault::error::VaultError;
use vault_tests::*;

async fn deposit_fails(h: &mut Harness, u: &User, amount: u64, min_out: u64, e: VaultError) {
    let before = h.snapshot(&[u.base, u.shares]).await;
    let res = h.deposit(u, amount, min_out).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_ok_empty_vault() {
    let mut h = Harness::new(2).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 5_000_000, 5_000_000).await.unwrap();
    assert_eq!(
        h.balance(&u.shares).await,
        5_000_000,
        "1:1 while NAV per share is 1"
    );
    assert_eq!(h.balance(&u.base).await, 5_000_000);
    let v = h.vault_state().await;
    assert_eq!(v.idle_base, 6_000_000);
    h.check_invariants().await;
}

#[tokio::test]
async fn deposit_ok_prices_holdings_at_high_side() {
    let mut h = Harness::new(2).await;
    // 1 whole token (1e9 units) of asset 0 at $100 +- 0.05 %: high side $100.05.
    h.give_holdings(0, 1_000_000_000).await;
    let u = h.new_user(1_000_000_000).await;
    let amount = 10_100_000u64;
    h.deposit(&u, amount, 1).await.unwrap();
    let nav_high: u128 = 1_000_000 + 100_050_000;
    let exact = amount as u128 * 1_000_000 / nav_high;
    let got = h.balance(&u.shares).await as u128;
    assert!(
        got <= exact && got + 1 >= exact,
        "minted {got}, exact floor {exact}"
    );
    // At mid price the same deposit would have minted more: the depositor pays the band.
    let at_mid = amount as u128 * 1_000_000 / (1_000_000 + 100_000_000);
    assert!(got < at_mid);
    h.check_invariants().await;
}

#[tokio::test]
async fn deposit_ok_to_another_receiver() {
    let mut h = Harness::new(1).await;
    let payer = h.new_user(10_000_000).await;
    let receiver = h.new_user(0).await;
    let mut ix = h.ix_deposit(&payer, 2_000_000, 1);
    ix.accounts[7].pubkey = receiver.shares;
    h.process(&[ix], &[&payer.kp]).await.unwrap();
    assert_eq!(h.balance(&receiver.shares).await, 2_000_000);
    assert_eq!(h.balance(&payer.shares).await, 0);
    h.check_invariants().await;
}

#[tokio::test]
async fn deposit_fails_below_minimum() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    deposit_fails(&mut h, &u, 999, 0, VaultError::DepositBelowMinimum).await;
}

#[tokio::test]
async fn deposit_fails_cap_exceeded() {
    let mut cfg = VaultConfig {
        n_assets: 1,
        ..Default::default()
    };
    cfg.init.deposit_cap = 3_000_000;
    let mut h = Harness::with_config(cfg).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 2_000_000, 1).await.unwrap(); // NAV exactly at the cap
    deposit_fails(&mut h, &u, 1_000, 0, VaultError::DepositCapExceeded).await;
}

#[tokio::test]
async fn deposit_fails_zero_shares() {
    let mut cfg = VaultConfig {
        n_assets: 1,
        ..Default::default()
    };
    cfg.init.min_deposit = 1;
    let mut h = Harness::with_config(cfg).await;
    // Holdings worth ~$1000 behind 1e6 shares: one share is worth ~1000 base units.
    h.give_holdings(0, 10_000_000_000).await;
    let u = h.new_user(10_000).await;
    deposit_fails(&mut h, &u, 999, 0, VaultError::DepositZeroShares).await;
}

#[tokio::test]
async fn deposit_fails_slippage() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    deposit_fails(
        &mut h,
        &u,
        1_000_000,
        1_000_001,
        VaultError::DepositSlippageExceeded,
    )
    .await;
}

#[tokio::test]
async fn deposit_fails_paused() {
    let mut h = Harness::new(1).await;
    h.set_pause(PAUSE_DEPOSITS).await.unwrap();
    let u = h.new_user(10_000_000).await;
    deposit_fails(&mut h, &u, 1_000_000, 0, VaultError::DepositPaused).await;
    h.set_pause(0).await.unwrap();
    h.deposit(&u, 1_000_000, 0).await.unwrap();
}

#[tokio::test]
async fn deposit_fails_insufficient_user_balance() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(500_000).await;
    let before = h.snapshot(&[u.base, u.shares]).await;
    let res = h.deposit(&u, 1_000_000, 0).await;
    // SPL Token's InsufficientFunds (1): the transfer CPI fails and the whole deposit with it.
    assert_eq!(custom_code(&res), 1);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_user_account_of_another_owner() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let victim = h.new_user(10_000_000).await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[5].pubkey = victim.base; // user_base
    let before = h.snapshot(&[u.base, victim.base]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_anchor_error(res, ErrorCode::ConstraintTokenOwner);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_vault_base_account_as_source() {
    // The same writable account in two slots: the vault's own base account as the source.
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[5].pubkey = h.base_vault;
    let before = h.snapshot(&[u.base]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    // Anchor 1.x refuses the same account in two mutable slots before any other check.
    assert_anchor_error(res, ErrorCode::ConstraintDuplicateMutableAccount);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_user_account_of_another_mint() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[5].pubkey = u.assets[0];
    let before = h.snapshot(&[u.base]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_anchor_error(res, ErrorCode::ConstraintTokenMint);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_look_alike_share_mint() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let fake_mint = h.create_mint(6, SPL_TOKEN, None).await;
    let fake_shares = h
        .create_token_account(&fake_mint, &u.key(), SPL_TOKEN)
        .await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[6].pubkey = fake_mint;
    ix.accounts[7].pubkey = fake_shares;
    let before = h.snapshot(&[u.base, fake_mint]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_vault_error(res, VaultError::TokenWrongMint);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_look_alike_base_vault() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let attacker = h.new_user(0).await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[4].pubkey = attacker.base;
    let before = h.snapshot(&[u.base, attacker.base]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_vault_error(res, VaultError::TokenAccountNotVaultAccount);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_missing_user_signature() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[0].is_signer = false;
    let before = h.snapshot(&[u.base]).await;
    let res = h.process(&[ix], &[]).await;
    assert_anchor_error(res, ErrorCode::AccountNotSigner);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn deposit_fails_non_canonical_vault_authority() {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    // A valid PDA of the same seeds with a lower, non-canonical bump.
    let seeds = [portfolio_vault::constants::AUTHORITY_SEED, h.vault.as_ref()];
    let (canonical, bump) =
        anchor_lang::prelude::Pubkey::find_program_address(&seeds, &portfolio_vault::ID);
    let other = (0..bump)
        .rev()
        .find_map(|b| {
            anchor_lang::prelude::Pubkey::create_program_address(
                &[seeds[0], seeds[1], &[b]],
                &portfolio_vault::ID,
            )
            .ok()
        })
        .expect("some lower bump is off-curve");
    assert_ne!(other, canonical);
    let mut ix = h.ix_deposit(&u, 1_000_000, 0);
    ix.accounts[2].pubkey = other;
    let before = h.snapshot(&[u.base]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_anchor_error(res, ErrorCode::ConstraintSeeds);
    h.assert_unchanged(&before).await;
}
