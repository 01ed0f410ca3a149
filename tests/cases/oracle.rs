//! Every oracle check, through `deposit` (any priced instruction runs the same code): each
//! refusal has its own error and changes nothing. Assets alternate formats: even indexes are
//! `PriceUpdateV2`, odd ones legacy price accounts.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{PYTH_LEGACY_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use portfolio_vault::error::VaultError;
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_instruction::AccountMeta;
use vault_tests::oracle::{write_raw, write_tampered, Tamper};
use vault_tests::*;

const PULL: usize = 0;
const LEGACY: usize = 1;

async fn setup() -> (Harness, User) {
    let mut h = Harness::new(3).await;
    let u = h.new_user(100_000_000).await;
    (h, u)
}

async fn deposit_fails(h: &mut Harness, u: &User, e: VaultError) {
    let before = h.snapshot(&[u.base, u.shares]).await;
    let res = h.deposit(u, 1_000_000, 0).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

async fn deposit_fails_with_metas(
    h: &mut Harness,
    u: &User,
    oracles: Vec<AccountMeta>,
    e: VaultError,
) {
    let mut ix = h.ix_deposit(u, 1_000_000, 0);
    let fixed = ix.accounts.len() - h.assets.len();
    ix.accounts.truncate(fixed);
    ix.accounts.extend(oracles);
    let before = h.snapshot(&[u.base, u.shares]).await;
    let res = h.process(&[ix], &[&u.kp]).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

fn tamper(h: &mut Harness, i: usize, t: Tamper) {
    let a = h.assets[i].clone();
    write_tampered(&mut h.ctx, &a, &a.price, t);
}

fn with_price(h: &mut Harness, i: usize, f: impl FnOnce(&mut PriceState)) {
    let mut p = h.assets[i].price;
    f(&mut p);
    h.set_price(i, p);
}

#[tokio::test]
async fn oracle_ok_both_formats_price_a_deposit() {
    let (mut h, u) = setup().await;
    for i in 0..3 {
        h.give_holdings(i, 1_000_000_000).await;
    }
    h.deposit(&u, 1_000_000, 1).await.unwrap();
    let v = h.vault_state().await;
    let now = h.now().await;
    for i in 0..3 {
        assert_eq!(
            v.assets[i].last_price_ts, now,
            "asset {i} records the price it used"
        );
    }
    h.check_invariants().await;
}

#[tokio::test]
async fn oracle_fails_wrong_owner_pull() {
    let (mut h, u) = setup().await;
    tamper(
        &mut h,
        PULL,
        Tamper {
            owner: Some(Pubkey::new_unique()),
            ..Default::default()
        },
    );
    deposit_fails(&mut h, &u, VaultError::OracleWrongOwner).await;
}

#[tokio::test]
async fn oracle_fails_wrong_owner_legacy() {
    let (mut h, u) = setup().await;
    tamper(
        &mut h,
        LEGACY,
        Tamper {
            owner: Some(PYTH_RECEIVER_PROGRAM_ID),
            ..Default::default()
        },
    );
    deposit_fails(&mut h, &u, VaultError::OracleWrongOwner).await;
}

#[tokio::test]
async fn oracle_fails_wrong_feed_id() {
    let (mut h, u) = setup().await;
    tamper(
        &mut h,
        PULL,
        Tamper {
            feed_id: Some([7; 32]),
            ..Default::default()
        },
    );
    deposit_fails(&mut h, &u, VaultError::OracleWrongFeedId).await;
}

#[tokio::test]
async fn oracle_fails_wrong_legacy_account() {
    let (mut h, u) = setup().await;
    // A valid legacy account at another address.
    let other = Pubkey::new_unique();
    let data = vault_tests::oracle::legacy_bytes(&h.assets[LEGACY].price, PriceStatus::Trading);
    write_raw(&mut h.ctx, &other, data, PYTH_LEGACY_PROGRAM_ID);
    let mut metas = h.oracle_metas();
    metas[LEGACY].pubkey = other;
    deposit_fails_with_metas(&mut h, &u, metas, VaultError::OracleWrongAccount).await;
}

#[tokio::test]
async fn oracle_fails_invalid_account_data() {
    let (mut h, u) = setup().await;
    let key = h.assets[PULL].oracle;
    write_raw(&mut h.ctx, &key, vec![1; 134], PYTH_RECEIVER_PROGRAM_ID);
    deposit_fails(&mut h, &u, VaultError::OracleInvalidAccountData).await;
    h.refresh_prices().await;
    let key = h.assets[LEGACY].oracle;
    write_raw(&mut h.ctx, &key, vec![1; 3312], PYTH_LEGACY_PROGRAM_ID);
    deposit_fails(&mut h, &u, VaultError::OracleInvalidAccountData).await;
}

#[tokio::test]
async fn oracle_fails_partial_verification() {
    let (mut h, u) = setup().await;
    tamper(
        &mut h,
        PULL,
        Tamper {
            verification: VerificationLevel::Partial { num_signatures: 12 },
            ..Default::default()
        },
    );
    deposit_fails(&mut h, &u, VaultError::OracleNotFullyVerified).await;
}

#[tokio::test]
async fn oracle_fails_legacy_not_trading() {
    let (mut h, u) = setup().await;
    tamper(
        &mut h,
        LEGACY,
        Tamper {
            legacy_status: PriceStatus::Halted,
            ..Default::default()
        },
    );
    deposit_fails(&mut h, &u, VaultError::OracleNotTrading).await;
}

#[tokio::test]
async fn oracle_fails_stale_each_format() {
    let (mut h, u) = setup().await;
    h.warp_seconds(61).await;
    deposit_fails(&mut h, &u, VaultError::OracleStale).await;
    // Refresh all but the legacy one: the legacy check alone refuses.
    h.refresh_prices().await;
    with_price(&mut h, LEGACY, |p| p.publish_time -= 61);
    deposit_fails(&mut h, &u, VaultError::OracleStale).await;
    // Exactly at the max age is still accepted.
    with_price(&mut h, LEGACY, |p| p.publish_time += 1);
    h.deposit(&u, 1_000_000, 1).await.unwrap();
}

#[tokio::test]
async fn oracle_fails_future_publish_time() {
    let (mut h, u) = setup().await;
    with_price(&mut h, PULL, |p| p.publish_time += 61);
    deposit_fails(&mut h, &u, VaultError::OracleFutureTimestamp).await;
}

#[tokio::test]
async fn oracle_fails_extreme_publish_times_in_program_and_client() {
    // i64::MIN and i64::MAX publish times in both formats: the client writes and reads them
    // without overflowing, and the program and the client's snapshot refuse them.
    let cases = [
        (i64::MIN, VaultError::OracleStale),
        (i64::MAX, VaultError::OracleFutureTimestamp),
    ];
    for (ts, e) in cases {
        for i in [PULL, LEGACY] {
            let (mut h, u) = setup().await;
            with_price(&mut h, i, |p| p.publish_time = ts);
            deposit_fails(&mut h, &u, e).await;
            let snap = h.vault_snapshot().await;
            match snap.preview_deposit(1_000_000) {
                Err(err) => assert!(err.to_string().contains(&format!("({e:?})")), "{err}"),
                Ok(shares) => panic!("the client priced a deposit at {ts}: {shares}"),
            }
        }
    }
}

#[tokio::test]
async fn oracle_fails_confidence_too_wide() {
    let (mut h, u) = setup().await;
    // max_conf_bps is 100 (1 %); 1.01 % is refused.
    with_price(&mut h, LEGACY, |p| p.conf = p.price as u64 / 100 + 1);
    deposit_fails(&mut h, &u, VaultError::OracleConfidenceTooWide).await;
}

#[tokio::test]
async fn oracle_fails_non_positive_price_and_ema() {
    let (mut h, u) = setup().await;
    with_price(&mut h, PULL, |p| p.price = 0);
    deposit_fails(&mut h, &u, VaultError::OracleNonPositivePrice).await;
    with_price(&mut h, PULL, |p| p.price = -5);
    deposit_fails(&mut h, &u, VaultError::OracleNonPositivePrice).await;
    h.move_price(PULL, 100_00000000).await;
    with_price(&mut h, LEGACY, |p| p.ema_price = 0);
    deposit_fails(&mut h, &u, VaultError::OracleNonPositivePrice).await;
}

#[tokio::test]
async fn oracle_fails_spot_far_from_ema() {
    // The Mango attack: a spot price pushed 5.01 % above its EMA is refused.
    let (mut h, u) = setup().await;
    with_price(&mut h, PULL, |p| {
        p.price = p.ema_price + p.ema_price / 10_000 * 501;
        p.conf = 0;
    });
    deposit_fails(&mut h, &u, VaultError::OracleEmaDeviationTooLarge).await;
    with_price(&mut h, PULL, |p| {
        p.price = p.ema_price + p.ema_price / 10_000 * 500
    });
    h.deposit(&u, 1_000_000, 1).await.unwrap();
}

#[tokio::test]
async fn oracle_fails_exponent_out_of_range_both_ends() {
    let (mut h, u) = setup().await;
    // Normalised exponent = expo + 6 - 9: -28 gives -31, 34 gives 31.
    with_price(&mut h, PULL, |p| p.expo = -28);
    deposit_fails(&mut h, &u, VaultError::OracleExponentOutOfRange).await;
    with_price(&mut h, PULL, |p| p.expo = 34);
    deposit_fails(&mut h, &u, VaultError::OracleExponentOutOfRange).await;
}

#[tokio::test]
async fn oracle_fails_price_too_small_or_too_large() {
    let (mut h, u) = setup().await;
    // $1e-12 per whole token = 1e-15 base units per unit: below 2^-28, refused.
    with_price(&mut h, PULL, |p| {
        p.price = 1;
        p.conf = 0;
        p.ema_price = 1;
        p.expo = -12;
    });
    deposit_fails(&mut h, &u, VaultError::OraclePriceOutOfRange).await;
    // i64::MAX at expo 20 overflows the fixed-point type: refused, not truncated.
    with_price(&mut h, PULL, |p| {
        p.price = i64::MAX;
        p.ema_price = i64::MAX;
        p.expo = 20;
    });
    deposit_fails(&mut h, &u, VaultError::OraclePriceOutOfRange).await;
}

#[tokio::test]
async fn oracle_fails_price_older_than_last_used() {
    // Cherry-picking: a still-fresh but older update after a newer one was used.
    let (mut h, u) = setup().await;
    h.warp_seconds(10).await;
    h.refresh_prices().await;
    h.deposit(&u, 1_000_000, 1).await.unwrap();
    with_price(&mut h, PULL, |p| p.publish_time -= 5);
    deposit_fails(&mut h, &u, VaultError::OraclePriceOlderThanLastUsed).await;
}

#[tokio::test]
async fn oracle_fails_missing_or_extra_account() {
    let (mut h, u) = setup().await;
    let mut metas = h.oracle_metas();
    metas.pop();
    deposit_fails_with_metas(&mut h, &u, metas, VaultError::OracleAccountCountMismatch).await;
    let mut metas = h.oracle_metas();
    metas.push(metas[0].clone());
    deposit_fails_with_metas(&mut h, &u, metas, VaultError::OracleAccountCountMismatch).await;
}

#[tokio::test]
async fn oracle_fails_reordered_or_duplicated() {
    let (mut h, u) = setup().await;
    // Assets 0 and 2 are both PriceUpdateV2: swapped, the feed ids do not match.
    let mut metas = h.oracle_metas();
    metas.swap(0, 2);
    deposit_fails_with_metas(&mut h, &u, metas, VaultError::OracleWrongFeedId).await;
    let mut metas = h.oracle_metas();
    metas[2] = metas[0].clone();
    deposit_fails_with_metas(&mut h, &u, metas, VaultError::OracleWrongFeedId).await;
}
