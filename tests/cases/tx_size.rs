//! Builds every instruction's transaction at 16 assets and measures it: serialized bytes and
//! account count, as a legacy message and as a v0 message with one address lookup table
//! holding the vault's static accounts. Every instruction must fit 1,232 bytes and 64 accounts
//! in at least one form; the printed table says which need the lookup table.
//! `cargo test -p vault-tests --test tx_size -- --nocapture` prints it.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{PAUSE_DEPOSITS, VENUE_KIND_AMM};
use portfolio_vault::state::RiskPatch;
use portfolio_vault::state::{DeriskAction, ParamChange};
use solana_instruction::Instruction;
use solana_message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_signer::Signer;
use vault_tests::*;

const MAX_TX_BYTES: usize = 1_232;
const MAX_ACCOUNTS: usize = 64;

struct Measure {
    name: &'static str,
    legacy_bytes: usize,
    legacy_accounts: usize,
    v0_bytes: usize,
    v0_accounts: usize,
}

fn measure(
    name: &'static str,
    payer: &Pubkey,
    ix: Instruction,
    alt: &AddressLookupTableAccount,
) -> Measure {
    let legacy = Message::new(std::slice::from_ref(&ix), Some(payer));
    let sigs = legacy.header.num_required_signatures as usize;
    let legacy_bytes = 1 + 64 * sigs + legacy.serialize().len();
    let v0 = v0::Message::try_compile(payer, &[ix], std::slice::from_ref(alt), Default::default())
        .unwrap();
    let v0_accounts = v0.account_keys.len()
        + v0.address_table_lookups
            .iter()
            .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
            .sum::<usize>();
    let v0_sigs = v0.header.num_required_signatures as usize;
    let v0_bytes = 1 + 64 * v0_sigs + VersionedMessage::V0(v0).serialize().len();
    Measure {
        name,
        legacy_bytes,
        legacy_accounts: legacy.account_keys.len(),
        v0_bytes,
        v0_accounts,
    }
}

/// `build` as it is for a vault with a hedge venue (two more priced accounts, the claim).
fn with_hedge(
    h: &mut Harness,
    venue: &vault_tests::perp::TestExchange,
    build: impl Fn(&Harness) -> Instruction,
) -> Instruction {
    h.hedge = Some((venue.exchange, h.vault_margin(venue)));
    let ix = build(h);
    h.hedge = None;
    ix
}

#[tokio::test]
async fn every_instruction_fits_at_sixteen_assets() {
    let mut h = Harness::new(16).await;
    let u = h.new_user(100_000_000).await;

    // Execute the priced and per-asset instructions for real at 16 assets.
    for i in 0..16 {
        h.give_holdings(i, 1_000_000_000 + i as u64).await;
    }
    h.deposit(&u, 50_000_000, 1).await.unwrap();
    let held = h.balance(&u.shares).await;
    h.withdraw(&u, held / 3, 1).await.unwrap();
    h.redeem_in_kind(&u, held / 3).await.unwrap();
    h.warp_seconds(1).await;
    h.refresh_prices().await;
    h.accrue_fees().await.unwrap();
    // The risk engine at 16 assets, minimum variance after warm-up.
    let mut risk_args = h.default_risk_args();
    risk_args.strategy = 3;
    // Four samples of sixteen assets give a rank-4 covariance: shrinkage makes it invertible.
    risk_args.shrinkage_bps = 2_000;
    h.initialize_risk(risk_args).await.unwrap();
    h.update_risk().await.unwrap();
    for k in 0..4 {
        let factors: Vec<f64> = (0..16)
            .map(|i| 1.0 + 0.002 * (((i * 7 + k * 3) % 11) as f64 - 5.0))
            .collect();
        h.step_prices(3_600, &factors).await.unwrap();
    }
    h.compute_targets_until_published().await;
    assert_eq!(h.risk_state().await.targets_strategy, 3);
    h.check_invariants().await;

    // A keeper rebalances at 16 assets through a sim-amm pool, for real.
    let keeper = h.new_user(0).await;
    h.govern_rebalancing(&[(sim_amm::ID, VENUE_KIND_AMM, 30)], None)
        .await;
    let trade = h.plan(30).await.expect("16 assets off target");
    let pool = h
        .create_pool_at_oracle(trade.sell, trade.buy, 30, 1_000_000_000_000_000)
        .await;
    let rebalance_ix = |h: &Harness| {
        h.ix_rebalance_swap(
            &keeper,
            &pool,
            trade.sell,
            trade.buy,
            trade.amount_in,
            trade.check.min_out,
            0,
            vec![],
            &[],
        )
    };
    let ix = rebalance_ix(&h);
    h.process_auto(&[ix], &[&keeper.kp]).await.unwrap();

    // The lookup table the 16-asset redeem above really went through: every account that
    // belongs to the vault rather than to a user.
    let alt: AddressLookupTableAccount = h.vault_lookup_table().await;
    assert!(alt.addresses.len() <= 256);

    let extra_mint = h.create_mint(9, SPL_TOKEN, None).await;
    let extra = h
        .new_test_asset(extra_mint, SPL_TOKEN, OracleFormat::PullV2, 77)
        .await;
    let admin = h.admin.pubkey();
    let fee_owner = h.fee_recipient.pubkey();
    let dest = h
        .create_token_account(&h.base_mint.clone(), &fee_owner, SPL_TOKEN)
        .await;
    let (bm, bv) = (h.base_mint, h.base_vault);
    let creator = h.creator.pubkey();
    let mut init_args = h.init_args();
    init_args.seed_id = 1;
    // The hedge instructions' accounts (their execution is in tests/rebalance_hedge.rs).
    let venue = vault_tests::perp::TestExchange {
        exchange: Pubkey::new_unique(),
        collateral_vault: Pubkey::new_unique(),
        collateral_mint: h.base_mint,
    };
    let rows = vec![
        measure(
            "initialize_vault",
            &creator,
            h.ix_initialize(init_args),
            &alt,
        ),
        measure(
            "add_asset",
            &admin,
            h.ix_add_asset(
                &extra,
                default_asset_args(OracleFormat::PullV2, extra.oracle_id()),
            ),
            &alt,
        ),
        measure("deposit", &u.key(), h.ix_deposit(&u, 1_000_000, 1), &alt),
        measure("withdraw", &u.key(), h.ix_withdraw(&u, 1_000_000, 1), &alt),
        measure(
            "redeem_in_kind",
            &u.key(),
            h.ix_redeem_in_kind(&u, 1_000_000),
            &alt,
        ),
        measure("accrue_fees", &u.key(), h.ix_accrue_fees(), &alt),
        measure(
            "initialize_risk",
            &admin,
            h.ix_initialize_risk(&admin, h.default_risk_args()),
            &alt,
        ),
        measure("update_risk", &u.key(), h.ix_update_risk(), &alt),
        measure("compute_targets", &u.key(), h.ix_compute_targets(), &alt),
        measure(
            "propose_change",
            &admin,
            h.ix_propose(
                &admin,
                0,
                ParamChange::RiskParams(RiskPatch::all_of(&h.default_risk_args().params())),
            ),
            &alt,
        ),
        measure("cancel_proposal", &admin, h.ix_cancel(&admin, 0), &alt),
        measure("apply_proposal", &u.key(), h.ix_apply(0), &alt),
        measure(
            "derisk",
            &admin,
            h.ix_derisk(&admin, DeriskAction::Pause(PAUSE_DEPOSITS)),
            &alt,
        ),
        measure("accept_admin", &admin, h.ix_accept_admin(&admin), &alt),
        measure("rebalance_swap", &keeper.key(), rebalance_ix(&h), &alt),
        measure(
            "rebalance_hedge",
            &keeper.key(),
            h.ix_rebalance_hedge(&keeper, &venue, 15, -1_000),
            &alt,
        ),
        measure(
            "move_collateral",
            &keeper.key(),
            h.ix_move_collateral(&keeper, &venue, 1_000, true),
            &alt,
        ),
        measure(
            "settle_hedge_claim",
            &keeper.key(),
            h.ix_settle_hedge_claim(&keeper, &venue, &u),
            &alt,
        ),
        measure("init_hedge", &keeper.key(), h.ix_init_hedge(&venue), &alt),
        measure(
            "rebalance_swap+hedge",
            &keeper.key(),
            with_hedge(&mut h, &venue, rebalance_ix),
            &alt,
        ),
        measure(
            "deposit+hedge",
            &u.key(),
            with_hedge(&mut h, &venue, |h| h.ix_deposit(&u, 1_000_000, 1)),
            &alt,
        ),
        measure(
            "redeem_in_kind+hedge",
            &u.key(),
            with_hedge(&mut h, &venue, |h| h.ix_redeem_in_kind(&u, 1_000_000)),
            &alt,
        ),
        measure(
            "set_pause",
            &admin,
            h.ix_set_pause(&admin, PAUSE_DEPOSITS),
            &alt,
        ),
        measure(
            "sweep_surplus",
            &admin,
            h.ix_sweep_surplus(&admin, &bm, SPL_TOKEN, &bv, &dest),
            &alt,
        ),
    ];

    println!("\ninstruction        legacy bytes  accounts |  v0+ALT bytes  accounts | needs ALT");
    for r in &rows {
        let legacy_fits = r.legacy_bytes <= MAX_TX_BYTES && r.legacy_accounts <= MAX_ACCOUNTS;
        let v0_fits = r.v0_bytes <= MAX_TX_BYTES && r.v0_accounts <= MAX_ACCOUNTS;
        println!(
            "{:<18} {:>12} {:>9} | {:>13} {:>9} | {}",
            r.name,
            r.legacy_bytes,
            r.legacy_accounts,
            r.v0_bytes,
            r.v0_accounts,
            if legacy_fits { "no" } else { "yes" }
        );
        assert!(
            legacy_fits || v0_fits,
            "{} does not fit in any form",
            r.name
        );
        assert!(
            v0_fits,
            "{} must fit as v0 with the vault's lookup table",
            r.name
        );
    }
    // The ones that must stay legacy-sized: everything that does not scale with the assets.
    let fixed_size = [
        "initialize_vault",
        "add_asset",
        "set_pause",
        "sweep_surplus",
        "initialize_risk",
        "compute_targets",
        "propose_change",
        "cancel_proposal",
        "apply_proposal",
        "derisk",
        "accept_admin",
        "init_hedge",
    ];
    for r in rows.iter().filter(|r| fixed_size.contains(&r.name)) {
        assert!(
            r.legacy_bytes <= MAX_TX_BYTES,
            "{} should not need a lookup table",
            r.name
        );
    }
}
