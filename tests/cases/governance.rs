//! Governance: timelocked proposals (propose, cancel, apply), de-risking by admin or guardian,
//! pause gates only the admin reopens, the two-step admin transfer, and a depositor exiting
//! at the old fee before a fee raise matures.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::RiskPatch;
use portfolio_vault::state::{DeriskAction, ParamChange, ProposalStatus};
use portfolio_vault::state::{HedgePatch, RebalancePatch};
use solana_signer::Signer;
use vault_tests::*;

const DAY: i64 = 86_400;

async fn derisk_fails(
    h: &mut Harness,
    signer: &solana_keypair::Keypair,
    action: DeriskAction,
    e: VaultError,
) {
    let before = h.snapshot(&[]).await;
    let res = h.derisk(signer, action).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

const LIMITS: ParamChange = ParamChange::DepositLimits {
    deposit_cap: 5_000_000_000,
    min_deposit: 2_000,
};

#[tokio::test]
async fn propose_change_ok() {
    let mut h = Harness::new(1).await;
    let now = h.now().await;
    let id = h.propose(LIMITS).await.unwrap();
    let p = h.proposal(id).await;
    assert_eq!(
        (p.id, p.status, p.change),
        (0, ProposalStatus::Pending, LIMITS)
    );
    assert_eq!(p.eta_ts, now + DAY);
    assert_eq!(p.expiry_ts, now + DAY + PROPOSAL_GRACE_S);
    assert_eq!(h.vault_state().await.next_proposal_id, 1);
    assert_eq!(
        h.vault_state().await.params.deposit_cap,
        1_000_000_000_000_000,
        "nothing changes before the timelock"
    );
}

#[tokio::test]
async fn propose_change_fails_not_admin() {
    let mut h = Harness::new(1).await;
    let guardian = h.guardian.insecure_clone();
    h.propose_fails(&guardian, LIMITS, VaultError::AuthNotAdmin)
        .await;
    let stranger = solana_keypair::Keypair::new();
    h.propose_fails(&stranger, LIMITS, VaultError::AuthNotAdmin)
        .await;
}

#[tokio::test]
async fn propose_change_fails_out_of_bounds() {
    let mut h = Harness::new(2).await;
    let admin = h.admin.insecure_clone();
    let cases = [
        (
            ParamChange::Fees {
                management_fee_bps: 501,
                performance_fee_bps: 0,
            },
            VaultError::ParamManagementFeeTooHigh,
        ),
        (
            ParamChange::Fees {
                management_fee_bps: 0,
                performance_fee_bps: 5_001,
            },
            VaultError::ParamPerformanceFeeTooHigh,
        ),
        (
            ParamChange::DepositLimits {
                deposit_cap: 10,
                min_deposit: 11,
            },
            VaultError::ParamDepositCapBelowMinDeposit,
        ),
        (
            ParamChange::AssetOracle {
                index: 2,
                max_age_s: 60,
                max_conf_bps: 100,
                max_ema_dev_bps: 100,
            },
            VaultError::AssetIndexOutOfRange,
        ),
        (
            ParamChange::AssetOracle {
                index: 0,
                max_age_s: 3_601,
                max_conf_bps: 100,
                max_ema_dev_bps: 100,
            },
            VaultError::ParamOracleMaxAgeOutOfBounds,
        ),
        (
            ParamChange::AssetWeights {
                index: 0,
                min_weight_bps: 7_000,
                max_weight_bps: 6_000,
            },
            VaultError::ParamWeightBoundsInvalid,
        ),
        (
            ParamChange::Timelock(DAY as u32 - 1),
            VaultError::ParamTimelockOutOfBounds,
        ),
        (
            ParamChange::Timelock(MAX_TIMELOCK_S + 1),
            VaultError::ParamTimelockOutOfBounds,
        ),
    ];
    for (change, e) in cases {
        h.propose_fails(&admin, change, e).await;
    }
    // Risk parameters patch the risk account's: without one there is nothing to patch.
    let mut risk = h.default_risk_args();
    risk.strategy = 9;
    let bad = ParamChange::RiskParams(RiskPatch::all_of(&risk.params()));
    h.propose_fails(&admin, bad, VaultError::GovRiskAccountMissing)
        .await;
    h.initialize_risk(h.default_risk_args()).await.unwrap();
    h.propose_fails(&admin, bad, VaultError::ParamStrategyUnknown)
        .await;
    // A change that names no field is refused too.
    let empty = ParamChange::RiskParams(RiskPatch::default());
    h.propose_fails(&admin, empty, VaultError::GovChangeEmpty)
        .await;
}

#[tokio::test]
async fn propose_change_fails_wrong_id() {
    let mut h = Harness::new(1).await;
    let admin = h.admin.insecure_clone();
    let ix = h.ix_propose(&admin.pubkey(), 5, LIMITS);
    let before = h.snapshot(&[]).await;
    let res = h.process(&[ix], &[&admin]).await;
    assert_vault_error(res, VaultError::GovWrongProposalId);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn apply_proposal_ok_by_anyone_after_timelock() {
    let mut h = Harness::new(1).await;
    let id = h.propose(LIMITS).await.unwrap();
    h.warp_seconds(DAY).await;
    h.apply(id).await.unwrap(); // sent by the payer: a stranger to the vault
    let v = h.vault_state().await;
    assert_eq!(
        (v.params.deposit_cap, v.params.min_deposit),
        (5_000_000_000, 2_000)
    );
    assert_eq!(h.proposal(id).await.status, ProposalStatus::Applied);
}

#[tokio::test]
async fn apply_proposal_fails_before_maturity_after_expiry_and_twice() {
    let mut h = Harness::new(1).await;
    let id = h.propose(LIMITS).await.unwrap();
    h.warp_seconds(DAY - 1).await;
    h.apply_fails(id, VaultError::GovProposalNotMature).await;
    h.warp_seconds(1 + PROPOSAL_GRACE_S + 1).await;
    h.apply_fails(id, VaultError::GovProposalExpired).await;

    let id = h.propose(LIMITS).await.unwrap();
    h.warp_seconds(DAY).await;
    h.apply(id).await.unwrap();
    h.apply_fails(id, VaultError::GovProposalNotPending).await;
}

#[tokio::test]
async fn apply_proposal_fails_when_invalid_against_landing_state() {
    // Each is valid alone; together the minimum weights would exceed 100 %.
    let mut h = Harness::new(2).await;
    let a = h
        .propose(ParamChange::AssetWeights {
            index: 0,
            min_weight_bps: 6_000,
            max_weight_bps: 10_000,
        })
        .await
        .unwrap();
    let b = h
        .propose(ParamChange::AssetWeights {
            index: 1,
            min_weight_bps: 6_000,
            max_weight_bps: 10_000,
        })
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply(b).await.unwrap();
    h.apply_fails(a, VaultError::ParamMinWeightsExceedOne).await;
}

#[tokio::test]
async fn apply_proposal_ok_in_any_order() {
    let changes = [
        LIMITS,
        ParamChange::AssetOracle {
            index: 0,
            max_age_s: 30,
            max_conf_bps: 50,
            max_ema_dev_bps: 200,
        },
        ParamChange::Timelock(2 * DAY as u32),
    ];
    let mut results = vec![];
    for order in [[0usize, 1, 2], [2, 1, 0]] {
        let mut h = Harness::new(1).await;
        let mut ids = vec![];
        for c in changes {
            ids.push(h.propose(c).await.unwrap());
        }
        h.warp_seconds(DAY).await;
        for k in order {
            h.apply(ids[k]).await.unwrap();
        }
        let v = h.vault_state().await;
        let o = v.assets[0].oracle;
        // Everything governance touched (the feed id differs: each vault has its own mints).
        results.push((
            v.params,
            (o.max_age_s, o.max_conf_bps, o.max_ema_dev_bps),
            v.timelock_s,
        ));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0].2, 2 * DAY as u32);
}

#[tokio::test]
async fn apply_proposal_fees_need_fresh_crystallisation() {
    let mut h = Harness::new(1).await;
    let id = h
        .propose(ParamChange::Fees {
            management_fee_bps: 300,
            performance_fee_bps: 1_000,
        })
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply_fails(id, VaultError::GovFeesNotCrystallized).await;
    h.refresh_prices().await;
    let ixs = [h.ix_accrue_fees(), h.ix_apply(id)];
    h.process(&ixs, &[]).await.unwrap();
    let v = h.vault_state().await;
    assert_eq!(
        (v.params.management_fee_bps, v.params.performance_fee_bps),
        (300, 1_000)
    );
}

#[tokio::test]
async fn apply_proposal_fails_risk_account_not_the_vaults() {
    let mut h = Harness::new(2).await;
    let args = h.default_risk_args();
    h.initialize_risk(args).await.unwrap();
    let patch = RiskPatch {
        strategy: Some(2),
        shrinkage_bps: Some(1_500),
        ..Default::default()
    };
    let id = h.propose(ParamChange::RiskParams(patch)).await.unwrap();
    h.warp_seconds(DAY).await;
    // Any other account in the risk slot fails the PDA check, and nothing changes.
    let mut ix = h.ix_apply(id);
    let risk = h.risk();
    replace_account(
        &mut ix,
        risk,
        solana_instruction::AccountMeta::new(Pubkey::new_unique(), false),
    );
    let before = h.snapshot(&[h.proposal_pda(id)]).await;
    let res = h.process(&[ix], &[]).await;
    assert_anchor_error(res, anchor_lang::error::ErrorCode::ConstraintSeeds);
    h.assert_unchanged(&before).await;
    let ix = h.ix_apply(id);
    h.process(&[ix], &[]).await.unwrap();
    let r = h.risk_state().await;
    assert_eq!((r.params.strategy, r.params.shrinkage_bps), (2, 1_500));
}

#[tokio::test]
async fn cancel_proposal_ok_by_guardian_and_fails_for_stranger() {
    let mut h = Harness::new(1).await;
    let id = h.propose(LIMITS).await.unwrap();
    let stranger = solana_keypair::Keypair::new();
    let ix = h.ix_cancel(&stranger.pubkey(), id);
    let before = h.snapshot(&[h.proposal_pda(id)]).await;
    let res = h.process(&[ix], &[&stranger]).await;
    assert_vault_error(res, VaultError::AuthNotAdminOrGuardian);
    h.assert_unchanged(&before).await;

    let guardian = h.guardian.insecure_clone();
    let ix = h.ix_cancel(&guardian.pubkey(), id);
    h.process(&[ix], &[&guardian]).await.unwrap();
    assert_eq!(h.proposal(id).await.status, ProposalStatus::Cancelled);
    h.warp_seconds(DAY).await;
    h.apply_fails(id, VaultError::GovProposalNotPending).await;
}

#[tokio::test]
async fn derisk_ok_by_guardian() {
    let mut h = Harness::new(1).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::LowerDepositCap(50_000_000))
        .await
        .unwrap();
    h.derisk(
        &g,
        DeriskAction::TightenAssetOracle {
            index: 0,
            max_age_s: 30,
            max_conf_bps: 100,
            max_ema_dev_bps: 500,
        },
    )
    .await
    .unwrap();
    h.derisk(&g, DeriskAction::Pause(PAUSE_DEPOSITS))
        .await
        .unwrap();
    let v = h.vault_state().await;
    assert_eq!(v.params.deposit_cap, 50_000_000);
    assert_eq!(v.assets[0].oracle.max_age_s, 30);
    assert_eq!(v.pause_flags, PAUSE_DEPOSITS);
}

#[tokio::test]
async fn derisk_fails_loosening_or_stranger() {
    let mut h = Harness::new(1).await;
    let g = h.guardian.insecure_clone();
    let oracle = |max_age_s, max_conf_bps| DeriskAction::TightenAssetOracle {
        index: 0,
        max_age_s,
        max_conf_bps,
        max_ema_dev_bps: 500,
    };
    let cases = [
        (
            DeriskAction::LowerDepositCap(u64::MAX),
            VaultError::GovNotDerisking,
        ),
        (
            DeriskAction::LowerDepositCap(999),
            VaultError::ParamDepositCapBelowMinDeposit,
        ),
        (oracle(30, 200), VaultError::GovNotDerisking),
        (oracle(60, 100), VaultError::GovNotDerisking),
        (DeriskAction::Pause(0), VaultError::GovNotDerisking),
        (
            DeriskAction::Pause(1 << 7),
            VaultError::ParamUnknownPauseFlag,
        ),
    ];
    for (action, e) in cases {
        derisk_fails(&mut h, &g, action, e).await;
    }
    let stranger = solana_keypair::Keypair::new();
    derisk_fails(
        &mut h,
        &stranger,
        DeriskAction::Pause(PAUSE_DEPOSITS),
        VaultError::AuthNotAdminOrGuardian,
    )
    .await;
}

#[tokio::test]
async fn set_pause_fails_guardian_reopening() {
    let mut h = Harness::new(1).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::Pause(PAUSE_ALL_FLAGS))
        .await
        .unwrap();
    let ix = h.ix_set_pause(&g.pubkey(), 0);
    let before = h.snapshot(&[]).await;
    let res = h.process(&[ix], &[&g]).await;
    assert_vault_error(res, VaultError::AuthNotAdmin);
    h.assert_unchanged(&before).await;
    h.set_pause(0).await.unwrap(); // only the admin reopens
    assert_eq!(h.vault_state().await.pause_flags, 0);
}

#[tokio::test]
async fn pause_all_never_blocks_exits() {
    let mut h = Harness::new(2).await;
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 10_000_000, 1).await.unwrap();
    h.give_holdings(0, 1_000_000).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::Pause(PAUSE_ALL_FLAGS))
        .await
        .unwrap();
    assert_vault_error(h.deposit(&u, 1_000_000, 0).await, VaultError::DepositPaused);
    h.withdraw(&u, 4_000_000, 1).await.unwrap();
    h.redeem_in_kind(&u, 4_000_000).await.unwrap();
    assert!(h.balance(&u.assets[0]).await > 0);
}

#[tokio::test]
async fn pause_gates_update_risk_and_compute_targets() {
    let mut h = Harness::new(2).await;
    let args = h.default_risk_args();
    h.initialize_risk(args).await.unwrap();
    let g = h.guardian.insecure_clone();
    h.derisk(
        &g,
        DeriskAction::Pause(PAUSE_UPDATE_RISK | PAUSE_COMPUTE_TARGETS),
    )
    .await
    .unwrap();
    let before = h.snapshot(&[h.risk()]).await;
    assert_vault_error(h.update_risk().await, VaultError::InstructionPaused);
    assert_vault_error(h.compute_targets().await, VaultError::InstructionPaused);
    h.assert_unchanged(&before).await;
    h.set_pause(0).await.unwrap();
    h.update_risk().await.unwrap();
    h.compute_targets().await.unwrap();
}

#[tokio::test]
async fn accept_admin_two_step_transfer() {
    let mut h = Harness::new(1).await;
    let new_admin = solana_keypair::Keypair::new();
    let id = h
        .propose(ParamChange::NominateAdmin(new_admin.pubkey()))
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply(id).await.unwrap();
    assert_eq!(
        h.vault_state().await.admin,
        h.admin.pubkey(),
        "nominating changes nothing yet"
    );

    // Someone else cannot accept.
    let impostor = solana_keypair::Keypair::new();
    let ix = h.ix_accept_admin(&impostor.pubkey());
    let before = h.snapshot(&[]).await;
    let res = h.process(&[ix], &[&impostor]).await;
    assert_vault_error(res, VaultError::AuthNotPendingAdmin);
    h.assert_unchanged(&before).await;

    let ix = h.ix_accept_admin(&new_admin.pubkey());
    h.process(&[ix], &[&new_admin]).await.unwrap();
    let v = h.vault_state().await;
    assert_eq!(
        (v.admin, v.pending_admin),
        (new_admin.pubkey(), Pubkey::default())
    );

    // The old admin has no power left.
    let old = h.admin.insecure_clone();
    assert_vault_error(h.set_pause(PAUSE_DEPOSITS).await, VaultError::AuthNotAdmin);
    h.propose_fails(&old, LIMITS, VaultError::AuthNotAdmin)
        .await;
    let ix = h.ix_derisk(&old.pubkey(), DeriskAction::Pause(PAUSE_DEPOSITS));
    assert_vault_error(
        h.process(&[ix], &[&old]).await,
        VaultError::AuthNotAdminOrGuardian,
    );
    // The new one has it all.
    h.admin = new_admin;
    h.set_pause(PAUSE_DEPOSITS).await.unwrap();
    h.propose(LIMITS).await.unwrap();
}

/// A fee raise is proposed; a depositor sees it pending and leaves before it matures, paying
/// only the old fee. The raise then applies to those who stayed.
#[tokio::test]
async fn timeline_depositor_exits_before_fee_raise() {
    let mut cfg = VaultConfig {
        n_assets: 1,
        ..Default::default()
    };
    cfg.init.management_fee_bps = 100;
    let mut h = Harness::with_config(cfg).await;
    let leaver = h.new_user(100_000_000).await;
    let stayer = h.new_user(100_000_000).await;
    h.deposit(&leaver, 100_000_000, 1).await.unwrap();
    h.deposit(&stayer, 100_000_000, 1).await.unwrap();

    let id = h
        .propose(ParamChange::Fees {
            management_fee_bps: 500,
            performance_fee_bps: 0,
        })
        .await
        .unwrap();
    // The leaver reads the pending proposal: a raise to 5 % in one day.
    let p = h.proposal(id).await;
    assert_eq!(p.status, ProposalStatus::Pending);
    assert!(matches!(
        p.change,
        ParamChange::Fees {
            management_fee_bps: 500,
            ..
        }
    ));

    // Twelve hours later, before maturity, it leaves at the old 1 % a year.
    h.warp_seconds(DAY / 2).await;
    h.refresh_prices().await;
    let shares = h.balance(&leaver.shares).await;
    h.withdraw(&leaver, shares, 1).await.unwrap();
    let got = h.balance(&leaver.base).await;
    // Half a day of 1 %: about 100e6 * 0.01 / 730 = 1,370 units; at 5 % it would be ~6,849.
    let fee_paid = 100_000_000 - got;
    assert!((1_300..=1_400).contains(&fee_paid), "paid {fee_paid}");

    // The raise applies after maturity, crystallised first, and only to those who stayed.
    h.warp_seconds(DAY / 2).await;
    h.refresh_prices().await;
    let ixs = [h.ix_accrue_fees(), h.ix_apply(id)];
    h.process(&ixs, &[]).await.unwrap();
    assert_eq!(h.vault_state().await.params.management_fee_bps, 500);
    let fs = h.fee_shares;
    let before = h.balance(&fs).await;
    h.warp_seconds(DAY).await;
    h.refresh_prices().await;
    h.accrue_fees().await.unwrap();
    let day_fee = h.balance(&fs).await - before;
    // One day of 5 % on ~1e8 shares: about 13,700 shares.
    assert!((13_000..=14_500).contains(&day_fee), "{day_fee}");
}

// ---------------------------------------------------------------- rebalancing and venues

fn rebalance_args(h_params: &portfolio_vault::state::RebalanceParams) -> RebalanceParams {
    *h_params
}

use portfolio_vault::state::RebalanceParams;

#[tokio::test]
async fn propose_change_fails_rebalance_out_of_bounds() {
    let mut h = Harness::new(1).await;
    let admin = h.admin.insecure_clone();
    let base = rebalance_args(&h.vault_state().await.rebalance);
    type Tweak = fn(&mut RebalanceParams);
    let cases: [(Tweak, VaultError); 12] = [
        (|p| p.band_bps = 9, VaultError::ParamBandOutOfBounds),
        (|p| p.band_bps = 2_001, VaultError::ParamBandOutOfBounds),
        (
            |p| p.max_slippage_bps = 0,
            VaultError::ParamMaxSlippageOutOfBounds,
        ),
        (
            |p| p.min_trade_bps = 1_001,
            VaultError::ParamMinTradeOutOfBounds,
        ),
        (
            |p| p.notional_cap_bps = 10_001,
            VaultError::ParamNotionalCapOutOfBounds,
        ),
        (
            |p| p.cap_interval_s = 59,
            VaultError::ParamCapIntervalOutOfBounds,
        ),
        (
            |p| p.slippage_budget_bps = 501,
            VaultError::ParamSlippageBudgetOutOfBounds,
        ),
        (
            |p| p.budget_period_s = 3_599,
            VaultError::ParamBudgetPeriodOutOfBounds,
        ),
        (
            |p| p.cooldown_s = 86_401,
            VaultError::ParamCooldownOutOfBounds,
        ),
        (
            |p| p.max_targets_age_s = 59,
            VaultError::ParamTargetsAgeOutOfBounds,
        ),
        (
            |p| p.tracking_aversion_bps = 0,
            VaultError::ParamTrackingAversionOutOfBounds,
        ),
        (
            |p| p.bounty_cap_per_call = p.bounty_cap_per_interval + 1,
            VaultError::ParamBountyCapsInvalid,
        ),
    ];
    for (tweak, e) in cases {
        let mut p = base;
        tweak(&mut p);
        h.propose_fails(
            &admin,
            ParamChange::Rebalance(RebalancePatch::all_of(&p)),
            e,
        )
        .await;
    }
    let mut p = base;
    p.bounty_share_bps = 5_001;
    h.propose_fails(
        &admin,
        ParamChange::Rebalance(RebalancePatch::all_of(&p)),
        VaultError::ParamBountyShareOutOfBounds,
    )
    .await;
}

#[tokio::test]
async fn propose_change_fails_invalid_venue() {
    let mut h = Harness::new(1).await;
    let admin = h.admin.insecure_clone();
    let venue = |program_id, kind, fee_bps| ParamChange::AddVenue {
        program_id,
        kind,
        fee_bps,
    };
    let cases = [
        (venue(sim_amm::ID, 2, 30), VaultError::ParamVenueKindUnknown),
        (
            venue(sim_amm::ID, 0, 1_001),
            VaultError::ParamVenueFeeTooHigh,
        ),
        (
            venue(Pubkey::default(), 0, 30),
            VaultError::ParamVenueProgramInvalid,
        ),
        (
            venue(portfolio_vault::ID, 0, 30),
            VaultError::ParamVenueProgramInvalid,
        ),
        (
            venue(SPL_TOKEN, 1, 30),
            VaultError::ParamVenueProgramInvalid,
        ),
        (
            venue(TOKEN_2022, 1, 30),
            VaultError::ParamVenueProgramInvalid,
        ),
    ];
    for (change, e) in cases {
        h.propose_fails(&admin, change, e).await;
    }
}

#[tokio::test]
async fn apply_proposal_ok_venue_and_rebalance_limits() {
    let mut h = Harness::new(1).await;
    let mut p = rebalance_args(&h.vault_state().await.rebalance);
    p.band_bps = 300;
    p.notional_cap_bps = 5_000;
    let add = ParamChange::AddVenue {
        program_id: sim_amm::ID,
        kind: VENUE_KIND_AMM,
        fee_bps: 30,
    };
    let a = h.propose(add).await.unwrap();
    let b = h
        .propose(ParamChange::Rebalance(RebalancePatch::all_of(&p)))
        .await
        .unwrap();
    let dup = h.propose(add).await.unwrap();
    h.warp_seconds(DAY + 1).await;
    h.apply(b).await.unwrap();
    h.apply(a).await.unwrap();
    let v = h.vault_state().await;
    assert_eq!(v.venues[0].program_id, sim_amm::ID);
    assert_eq!(
        (v.venues[0].kind, v.venues[0].fee_bps),
        (VENUE_KIND_AMM, 30)
    );
    assert_eq!(v.rebalance.band_bps, 300);
    assert_eq!(v.rebalance.notional_cap_bps, 5_000);
    // The same venue twice is refused when the second lands.
    h.apply_fails(dup, VaultError::ParamVenueDuplicate).await;
}

#[tokio::test]
async fn derisk_ok_rebalance_tightened_and_venue_removed() {
    let mut h = Harness::new(1).await;
    let add = ParamChange::AddVenue {
        program_id: sim_amm::ID,
        kind: VENUE_KIND_AMM,
        fee_bps: 30,
    };
    let id = h.propose(add).await.unwrap();
    h.warp_seconds(DAY + 1).await;
    h.apply(id).await.unwrap();
    let g = h.guardian.insecure_clone();
    let mut p = rebalance_args(&h.vault_state().await.rebalance);
    p.max_slippage_bps = 20;
    p.notional_cap_bps = 500;
    p.bounty_cap_per_call = 0;
    h.derisk(
        &g,
        DeriskAction::TightenRebalance(RebalancePatch::all_of(&p)),
    )
    .await
    .unwrap();
    h.derisk(&g, DeriskAction::RemoveVenue(0)).await.unwrap();
    h.derisk(&g, DeriskAction::Pause(PAUSE_REBALANCE))
        .await
        .unwrap();
    let v = h.vault_state().await;
    assert_eq!(v.rebalance.max_slippage_bps, 20);
    assert_eq!(v.rebalance.notional_cap_bps, 500);
    assert!(v.venues[0].is_empty());
    assert_eq!(v.pause_flags, PAUSE_REBALANCE);
}

#[tokio::test]
async fn derisk_fails_loosening_rebalance_or_missing_venue() {
    let mut h = Harness::new(1).await;
    let g = h.guardian.insecure_clone();
    let base = rebalance_args(&h.vault_state().await.rebalance);
    type Tweak = fn(&mut RebalanceParams);
    let loosenings: [Tweak; 8] = [
        |p| p.max_slippage_bps += 1,
        |p| p.slippage_budget_bps += 1,
        |p| p.notional_cap_bps += 1,
        |p| p.bounty_share_bps += 1,
        |p| p.cooldown_s -= 1,
        |p| p.cap_interval_s -= 1,
        // Band and tracking aversion trade risk against cost both ways: timelocked.
        |p| p.band_bps -= 1,
        |p| p.tracking_aversion_bps += 1,
    ];
    for tweak in loosenings {
        let mut p = base;
        tweak(&mut p);
        derisk_fails(
            &mut h,
            &g,
            DeriskAction::TightenRebalance(RebalancePatch::all_of(&p)),
            VaultError::GovNotDerisking,
        )
        .await;
    }
    // Changing nothing is not de-risking either.
    derisk_fails(
        &mut h,
        &g,
        DeriskAction::TightenRebalance(RebalancePatch::all_of(&base)),
        VaultError::GovNotDerisking,
    )
    .await;
    derisk_fails(
        &mut h,
        &g,
        DeriskAction::RemoveVenue(0),
        VaultError::VenueNotWhitelisted,
    )
    .await;
    let stranger = solana_keypair::Keypair::new();
    derisk_fails(
        &mut h,
        &stranger,
        DeriskAction::RemoveVenue(0),
        VaultError::AuthNotAdminOrGuardian,
    )
    .await;
}

// ---------------------------------------------------------------- hedging

use portfolio_vault::state::HedgeParams;

#[tokio::test]
async fn propose_change_fails_hedge_out_of_bounds() {
    let mut h = Harness::new(1).await;
    let admin = h.admin.insecure_clone();
    let base = h.vault_state().await.hedge.params;
    type Tweak = fn(&mut HedgeParams);
    let cases: [(Tweak, VaultError); 9] = [
        (|p| p.mode = 2, VaultError::ParamHedgeModeUnknown),
        (
            |p| p.max_leverage_bps = 0,
            VaultError::ParamHedgeLeverageOutOfBounds,
        ),
        (
            |p| p.max_leverage_bps = 30_001,
            VaultError::ParamHedgeLeverageOutOfBounds,
        ),
        (
            |p| p.min_margin_ratio_bps = 11_999,
            VaultError::ParamHedgeMarginRatioOutOfBounds,
        ),
        (
            |p| p.max_collateral_bps = 5_001,
            VaultError::ParamHedgeCollateralOutOfBounds,
        ),
        (
            |p| p.delta_band_bps = 9,
            VaultError::ParamDeltaBandOutOfBounds,
        ),
        (
            |p| p.hedge_ratio_bps = 10_001,
            VaultError::ParamHedgeRatioOutOfBounds,
        ),
        (
            |p| p.max_fee_bps = 201,
            VaultError::ParamHedgeFeeOutOfBounds,
        ),
        (
            |p| p.cooldown_s = 86_401,
            VaultError::ParamCooldownOutOfBounds,
        ),
    ];
    for (tweak, e) in cases {
        let mut p = base;
        tweak(&mut p);
        h.propose_fails(&admin, ParamChange::Hedge(HedgePatch::all_of(&p)), e)
            .await;
    }
    let venue = ParamChange::HedgeVenue {
        program_id: portfolio_vault::ID,
        exchange: Pubkey::new_unique(),
        margin_account: Pubkey::new_unique(),
    };
    h.propose_fails(&admin, venue, VaultError::ParamVenueProgramInvalid)
        .await;
}

#[tokio::test]
async fn derisk_fails_loosening_hedge() {
    let mut h = Harness::new(1).await;
    let g = h.guardian.insecure_clone();
    let base = h.vault_state().await.hedge.params;
    type Tweak = fn(&mut HedgeParams);
    let loosenings: [Tweak; 6] = [
        |p| p.max_leverage_bps += 1,
        |p| p.min_margin_ratio_bps -= 1,
        |p| p.max_collateral_bps += 1,
        |p| p.max_fee_bps += 1,
        // Turning hedging on, or changing its target, needs the timelock.
        |p| p.mode = HEDGE_MODE_DELTA_NEUTRAL,
        |p| p.hedge_ratio_bps -= 1,
    ];
    for tweak in loosenings {
        let mut p = base;
        tweak(&mut p);
        derisk_fails(
            &mut h,
            &g,
            DeriskAction::TightenHedge(HedgePatch::all_of(&p)),
            VaultError::GovNotDerisking,
        )
        .await;
    }
    let mut p = base;
    p.max_leverage_bps -= 1;
    p.min_margin_ratio_bps += 1;
    h.derisk(&g, DeriskAction::TightenHedge(HedgePatch::all_of(&p)))
        .await
        .unwrap();
    assert_eq!(
        h.vault_state().await.hedge.params.max_leverage_bps,
        base.max_leverage_bps - 1
    );
}
