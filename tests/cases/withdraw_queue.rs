//! The withdrawal queue: `request_withdraw`, `fill_withdraw`, `claim_withdraw` and
//! `cancel_withdraw` (`operations::queue`).

use anchor_lang::AccountDeserialize;
use portfolio_vault::constants::PAUSE_ALL_FLAGS;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::WithdrawRequest;
use vault_client::pda;
use vault_tests::*;

/// A vault with 11 USDC idle and about 100 USDC of asset 0; `u` holds 10 of the 11 M shares.
async fn invested() -> (Harness, User) {
    let mut h = Harness::new(1).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 10_000_000, 1).await.unwrap();
    h.give_holdings(0, 1_000_000_000).await;
    (h, u)
}

async fn request(h: &mut Harness, u: &User, shares: u64, min_owed: u64) -> (u64, TxResult) {
    let id = h.vault_state().await.queue_next;
    let ix = h
        .keys()
        .request_withdraw(u.key(), u.shares, u.base, id, shares, min_owed);
    (id, h.process_auto(&[ix], &[&u.kp]).await)
}

async fn fill(h: &mut Harness, id: u64) -> TxResult {
    let ix = h.keys().fill_withdraw(id);
    h.process_auto(&[ix], &[]).await
}

async fn claim(h: &mut Harness, u: &User, id: u64) -> TxResult {
    let ix = h.keys().claim_withdraw(id, u.key(), u.base);
    h.process(&[ix], &[]).await
}

async fn cancel(h: &mut Harness, u: &User, id: u64) -> TxResult {
    let ix = h.keys().cancel_withdraw(u.key(), u.shares, id);
    h.process(&[ix], &[&u.kp]).await
}

async fn request_state(h: &mut Harness, id: u64) -> Option<WithdrawRequest> {
    let key = pda::withdraw_request(&h.vault, id);
    let acc = h.account(&key).await?;
    Some(WithdrawRequest::try_deserialize(&mut &acc.data[..]).unwrap())
}

async fn escrow_balance(h: &mut Harness) -> u64 {
    let key = pda::share_escrow(&h.vault);
    h.balance(&key).await
}

/// What a fill of all of `r` pays now: the lower of its owed value and its value at the low
/// side (NAV `nav_low`, supply `supply`) scaled by `owed / gross`.
fn lower_value(r: &WithdrawRequest, nav_low: u128, supply: u128) -> u64 {
    let now = r.shares as u128 * nav_low / supply;
    (now * r.owed as u128 / r.gross as u128).min(r.owed as u128) as u64
}

#[tokio::test]
async fn request_withdraw_ok_escrows_shares_and_reserves_the_idle_base() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 10_000_000, 1).await;
    res.unwrap();
    let r = request_state(&mut h, id).await.unwrap();
    let v = h.vault_state().await;
    assert_eq!(
        (r.shares, r.owner, r.receiver),
        (10_000_000, u.key(), u.base)
    );
    assert!(r.owed > v.idle_base && r.owed <= r.gross);
    assert_eq!(
        (v.queue_shares, v.queue_owed, v.queue_next),
        (r.shares, r.owed, 1)
    );
    assert_eq!(h.balance(&u.shares).await, 0);
    assert_eq!(escrow_balance(&mut h).await, 10_000_000);
    // The escrowed shares stay in the supply; the idle base is the queue's.
    assert_eq!(h.share_supply().await, 11_000_000);
    let w = h.new_user(1_000_000).await;
    h.deposit(&w, 1_000_000, 1).await.unwrap();
    let before = h.snapshot(&[w.base, w.shares]).await;
    assert_vault_error(
        h.withdraw(&w, 10_000, 1).await,
        VaultError::WithdrawInsufficientIdle,
    );
    h.assert_unchanged(&before).await;
    h.check_invariants().await;
}

#[tokio::test]
async fn request_withdraw_fails_more_shares_than_held_or_min_owed() {
    let (mut h, u) = invested().await;
    let before = h.snapshot(&[u.base, u.shares]).await;
    let (_, res) = request(&mut h, &u, 10_000_001, 0).await;
    assert_vault_error(res, VaultError::WithdrawInsufficientShares);
    let (_, res) = request(&mut h, &u, 0, 0).await;
    assert_vault_error(res, VaultError::WithdrawZeroShares);
    let (_, res) = request(&mut h, &u, 1_000_000, u64::MAX).await;
    assert_vault_error(res, VaultError::QueueSlippageExceeded);
    h.assert_unchanged(&before).await;
    assert!(request_state(&mut h, 0).await.is_none());
    assert_eq!(h.vault_state().await.queue_next, 0);
}

#[tokio::test]
async fn fill_withdraw_ok_in_part_then_in_full_and_claim_pays_the_receiver() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 10_000_000, 1).await;
    res.unwrap();
    let owed = request_state(&mut h, id).await.unwrap().owed;
    // 11 USDC idle pays part of the request.
    fill(&mut h, id).await.unwrap();
    let r = request_state(&mut h, id).await.unwrap();
    let v = h.vault_state().await;
    assert_eq!(v.idle_base, 11_000_000 - r.payable);
    assert!(r.payable > 10_900_000 && r.shares > 0, "{r:?}");
    assert_eq!(
        v.queue_head, id,
        "a request filled in part stays at the head"
    );
    assert_eq!(v.queue_payable, r.payable);
    claim(&mut h, &u, id).await.unwrap();
    let first = h.balance(&u.base).await;
    assert_eq!(first, r.payable);
    assert!(request_state(&mut h, id).await.is_some(), "still queued");
    // Fresh cash (a deposit) fills the rest.
    let w = h.new_user(200_000_000).await;
    h.deposit(&w, 200_000_000, 1).await.unwrap();
    fill(&mut h, id).await.unwrap();
    claim(&mut h, &u, id).await.unwrap();
    let paid = h.balance(&u.base).await;
    assert!(paid <= owed && paid + 2 >= owed, "paid {paid} of {owed}");
    assert!(request_state(&mut h, id).await.is_none(), "closed");
    let v = h.vault_state().await;
    assert_eq!(
        (v.queue_head, v.queue_owed, v.queue_shares, v.queue_payable),
        (1, 0, 0, 0)
    );
    assert_eq!(escrow_balance(&mut h).await, 0);
    h.check_invariants().await;
}

#[tokio::test]
async fn fill_withdraw_ok_pays_the_request_value_when_the_price_rose() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 1_000_000, 1).await;
    res.unwrap();
    let r = request_state(&mut h, id).await.unwrap();
    h.move_price(0, 120_00000000).await;
    fill(&mut h, id).await.unwrap();
    let after = request_state(&mut h, id).await.unwrap();
    assert_eq!((after.payable, after.shares), (r.owed, 0));
    h.check_invariants().await;
}

#[tokio::test]
async fn fill_withdraw_ok_pays_the_value_now_when_the_price_fell() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 1_000_000, 1).await;
    res.unwrap();
    let r = request_state(&mut h, id).await.unwrap();
    h.move_price(0, 80_00000000).await;
    let supply = h.share_supply().await as u128;
    let conf = h.cfg.conf_bps as u128;
    let asset_low = 1_000_000_000u128 * 80 * (10_000 - conf) / 10_000 / 1_000;
    let nav_low = h.vault_state().await.idle_base as u128 + asset_low;
    fill(&mut h, id).await.unwrap();
    let after = request_state(&mut h, id).await.unwrap();
    let want = lower_value(&r, nav_low, supply);
    assert!(want < r.owed);
    assert_eq!(after.payable, want);
    h.check_invariants().await;
}

#[tokio::test]
async fn fill_withdraw_fails_not_head_or_not_funded() {
    let (mut h, u) = invested().await;
    let (a, res) = request(&mut h, &u, 5_000_000, 1).await;
    res.unwrap();
    let (b, res) = request(&mut h, &u, 5_000_000, 1).await;
    res.unwrap();
    let before = h
        .snapshot(&[u.base, u.shares, pda::withdraw_request(&h.vault, b)])
        .await;
    assert_vault_error(fill(&mut h, b).await, VaultError::QueueNotHead);
    h.assert_unchanged(&before).await;
    fill(&mut h, a).await.unwrap();
    fill(&mut h, a).await.unwrap_or(());
    // The idle base is spent on the head: nothing is left for anyone.
    h.patch_vault(|v| {
        assert!(v.idle_base < 1_000);
    })
    .await;
    let head = h.vault_state().await.queue_head;
    let before = h.snapshot(&[pda::withdraw_request(&h.vault, head)]).await;
    assert_vault_error(fill(&mut h, head).await, VaultError::QueueNotFunded);
    h.assert_unchanged(&before).await;
    h.check_invariants().await;
}

/// An attacker at the head of the queue whose receiver is closed after the request holds up
/// no one: its fill is paid into the request, and the request behind it is filled and paid.
#[tokio::test]
async fn fill_withdraw_ok_a_closed_receiver_ahead_delays_no_one() {
    let (mut h, u) = invested().await;
    let m = h.new_user(1_000_000).await;
    h.deposit(&m, 1_000_000, 1).await.unwrap();
    let gone = h
        .create_token_account(&h.base_mint.clone(), &m.key(), SPL_TOKEN)
        .await;
    let id = h.vault_state().await.queue_next;
    let held = h.balance(&m.shares).await;
    let ix = h
        .keys()
        .request_withdraw(m.key(), m.shares, gone, id, held / 2, 1);
    h.process_auto(&[ix], &[&m.kp]).await.unwrap();
    let close = anchor_spl::token_2022::spl_token_2022::instruction::close_account(
        &SPL_TOKEN,
        &gone,
        &m.key(),
        &m.key(),
        &[],
    )
    .unwrap();
    h.process(&[close], &[&m.kp]).await.unwrap();
    let (mine, res) = request(&mut h, &u, 1_000_000, 1).await;
    res.unwrap();

    fill(&mut h, id).await.unwrap();
    let before = h.snapshot(&[pda::withdraw_request(&h.vault, id)]).await;
    let stuck = h.keys().claim_withdraw(id, m.key(), gone);
    assert_anchor_error(
        h.process(&[stuck], &[]).await,
        anchor_lang::error::ErrorCode::AccountNotInitialized,
    );
    h.assert_unchanged(&before).await;
    assert_eq!(h.vault_state().await.queue_head, mine);
    fill(&mut h, mine).await.unwrap();
    claim(&mut h, &u, mine).await.unwrap();
    assert!(h.balance(&u.base).await > 0);
    assert!(request_state(&mut h, mine).await.is_none());
    h.check_invariants().await;
}

/// Requesting buys no option on the price: an attacker who deposits and requests at once
/// (the two flows net, so no levy is due), then picks the better of being paid or cancelling
/// once the price has moved, ends with no more than a holder who did nothing, whichever way
/// the price went.
#[tokio::test]
async fn request_withdraw_ok_timing_gains_nothing_whichever_way_the_price_moves() {
    for price in [80_00000000i64, 125_00000000] {
        let (mut h, u) = invested().await;
        let m = h.new_user(1_000_000).await;
        h.deposit(&m, 1_000_000, 1).await.unwrap();
        let held = h.balance(&m.shares).await;
        let id = h.vault_state().await.queue_next;
        let ix = h
            .keys()
            .request_withdraw(m.key(), m.shares, m.base, id, held, 1);
        h.process_auto(&[ix], &[&m.kp]).await.unwrap();
        h.move_price(0, price).await;
        // What a holder of `held` shares who never requested is worth now, at the low side.
        let s = h.vault_snapshot().await;
        let stayer = s.preview_exit(held).unwrap().gross;
        let r = request_state(&mut h, id).await.unwrap();
        let paid = s.preview_fill(&r).unwrap().paid;
        cancel(&mut h, &m, id).await.unwrap();
        let back = h.balance(&m.shares).await;
        let s = h.vault_snapshot().await;
        let cancelled = s.preview_exit(back).unwrap().gross;
        assert!(
            paid <= stayer && cancelled <= stayer,
            "price {price}: paid {paid}, cancelled {cancelled}, stayer {stayer}"
        );
        assert!(back <= held);
        h.check_invariants().await;
        drop(u);
    }
}

#[tokio::test]
async fn cancel_withdraw_ok_keeps_the_levy_before_the_longest_wait_and_nothing_after() {
    let (mut h, u) = invested().await;
    let (a, res) = request(&mut h, &u, 4_000_000, 1).await;
    res.unwrap();
    let r = request_state(&mut h, a).await.unwrap();
    cancel(&mut h, &u, a).await.unwrap();
    let kept = 10_000_000 - h.balance(&u.shares).await;
    assert_eq!(
        kept,
        4_000_000 - (4_000_000u128 * r.owed as u128 / r.gross as u128) as u64
    );
    assert_eq!(
        h.vault_state().await.queue_head,
        1,
        "the cancelled head is passed"
    );
    claim(&mut h, &u, a).await.unwrap();
    assert!(request_state(&mut h, a).await.is_none());

    let held = h.balance(&u.shares).await;
    let (b, res) = request(&mut h, &u, held, 1).await;
    res.unwrap();
    let wait = h.vault_state().await.rebalance.max_withdraw_wait_s as i64;
    h.warp_seconds(wait).await;
    cancel(&mut h, &u, b).await.unwrap();
    assert_eq!(h.balance(&u.shares).await, held);
    let v = h.vault_state().await;
    assert_eq!((v.queue_owed, v.queue_shares), (0, 0));
    h.check_invariants().await;
}

#[tokio::test]
async fn cancel_withdraw_ok_then_redeem_in_kind_with_stale_oracles_while_paused() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 10_000_000, 1).await;
    res.unwrap();
    h.set_pause(PAUSE_ALL_FLAGS).await.unwrap();
    h.warp_seconds(30 * 86_400).await; // every oracle is stale, the longest wait is over
    let ixs = [
        h.keys().cancel_withdraw(u.key(), u.shares, id),
        h.ix_redeem_in_kind(&u, 10_000_000),
    ];
    h.process_auto(&ixs, &[&u.kp]).await.unwrap();
    assert_eq!(h.balance(&u.shares).await, 0);
    assert!(h.balance(&u.assets[0]).await > 0);
    h.check_invariants().await;
}

#[tokio::test]
async fn cancel_withdraw_fails_not_the_owner_or_empty() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 1_000_000, 1).await;
    res.unwrap();
    let m = h.new_user(1).await;
    let before = h.snapshot(&[u.shares, m.shares]).await;
    let ix = h.keys().cancel_withdraw(m.key(), m.shares, id);
    assert_vault_error(
        h.process(&[ix], &[&m.kp]).await,
        VaultError::QueueRequestMismatch,
    );
    h.assert_unchanged(&before).await;
    cancel(&mut h, &u, id).await.unwrap();
    assert_vault_error(cancel(&mut h, &u, id).await, VaultError::QueueRequestEmpty);
}

#[tokio::test]
async fn claim_withdraw_fails_nothing_to_claim() {
    let (mut h, u) = invested().await;
    let (id, res) = request(&mut h, &u, 1_000_000, 1).await;
    res.unwrap();
    let before = h.snapshot(&[u.base]).await;
    assert_vault_error(claim(&mut h, &u, id).await, VaultError::QueueNothingToClaim);
    h.assert_unchanged(&before).await;
}

#[test]
fn request_withdraw_ok_queue_demand_raises_the_base_target() {
    use portfolio_vault::math::rebalance::Portfolio;
    use portfolio_vault::math::Fx;
    // 60 of asset 0 and 40 of cash against targets of 90 % and 10 %; 20 owed to the queue.
    let p = Portfolio::new(
        1,
        &[60],
        &[Fx::ONE],
        &[Fx::from_num(0.9)],
        40,
        Fx::from_num(0.1),
    );
    let r = p.reserving(20).unwrap();
    let (asset, cash) = (r.targets[0].to_num::<f64>(), r.targets[1].to_num::<f64>());
    assert!((asset - 0.72).abs() < 1e-12, "asset target {asset}");
    assert!((cash - 0.28).abs() < 1e-12, "cash target {cash}");
    // Nothing owed changes nothing; more owed than NAV leaves no asset target.
    assert_eq!(p.reserving(0).unwrap().targets, p.targets);
    let all = p.reserving(1_000).unwrap();
    assert_eq!((all.targets[0], all.targets[1]), (Fx::ZERO, Fx::ONE));
}
