//! Governance changes that are valid one by one must stay valid together (hardening issue,
//! item 4): pending proposals of one family change only the fields they name, an older
//! proposal never undoes a later de-risking, and weight bounds are checked against the risk
//! account's fixed weights as well as the vault, when proposed and when applied. Each case runs
//! in both orders.

use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::{DeriskAction, HedgePatch, ParamChange, RebalancePatch, RiskPatch};
use vault_tests::*;

const DAY: i64 = 86_400;

fn band(bps: u16) -> ParamChange {
    ParamChange::Rebalance(RebalancePatch {
        band_bps: Some(bps),
        ..Default::default()
    })
}

fn cooldown(s: u32) -> ParamChange {
    ParamChange::Rebalance(RebalancePatch {
        cooldown_s: Some(s),
        ..Default::default()
    })
}

fn bounty_cap(per_call: u64) -> RebalancePatch {
    RebalancePatch {
        bounty_cap_per_call: Some(per_call),
        ..Default::default()
    }
}

const ADD_AMM: ParamChange = ParamChange::AddVenue {
    program_id: sim_amm::ID,
    kind: VENUE_KIND_AMM,
    fee_bps: 30,
};

async fn proposed(h: &mut Harness, changes: &[ParamChange]) -> Vec<u64> {
    let mut ids = vec![];
    for c in changes {
        ids.push(h.propose(*c).await.expect("propose"));
    }
    ids
}

#[tokio::test]
async fn apply_proposal_ok_rebalance_patches_compose_in_both_orders() {
    // Two pending, band 300 and cooldown 120: whichever lands second keeps the first's field.
    for order in [[0, 1], [1, 0]] {
        let mut h = Harness::new(1).await;
        let ids = proposed(&mut h, &[band(300), cooldown(120)]).await;
        h.warp_seconds(DAY + 1).await;
        for k in order {
            h.apply(ids[k]).await.unwrap();
        }
        let r = h.vault_state().await.rebalance;
        assert_eq!((r.band_bps, r.cooldown_s), (300, 120), "order {order:?}");
        assert_eq!(r.max_slippage_bps, DEFAULT_MAX_SLIPPAGE_BPS, "untouched");
    }
}

#[tokio::test]
async fn apply_proposal_ok_hedge_and_risk_patches_compose_in_both_orders() {
    let hedge = [
        ParamChange::Hedge(HedgePatch {
            delta_band_bps: Some(300),
            ..Default::default()
        }),
        ParamChange::Hedge(HedgePatch {
            cooldown_s: Some(600),
            ..Default::default()
        }),
    ];
    let risk = [
        ParamChange::RiskParams(RiskPatch {
            strategy: Some(2),
            ..Default::default()
        }),
        ParamChange::RiskParams(RiskPatch {
            shrinkage_bps: Some(1_500),
            ..Default::default()
        }),
    ];
    for order in [[0, 1], [1, 0]] {
        let mut h = Harness::new(2).await;
        let args = h.default_risk_args();
        h.initialize_risk(args).await.unwrap();
        let mut changes = hedge.to_vec();
        changes.extend(risk);
        let ids = proposed(&mut h, &changes).await;
        h.warp_seconds(DAY + 1).await;
        for k in order {
            h.apply(ids[k]).await.unwrap();
            h.apply(ids[2 + k]).await.unwrap();
        }
        let p = h.vault_state().await.hedge.params;
        assert_eq!((p.delta_band_bps, p.cooldown_s), (300, 600));
        let r = h.risk_state().await.params;
        assert_eq!((r.strategy, r.shrinkage_bps), (2, 1_500));
        assert_eq!(r.min_samples, args.min_samples, "untouched");
    }
}

#[tokio::test]
async fn apply_proposal_fails_undoing_a_later_derisk() {
    // The guardian lowers the bounty after a raise was proposed: the raise is refused.
    let mut h = Harness::new(1).await;
    let before = h.vault_state().await.rebalance.bounty_cap_per_call;
    let raise = bounty_cap(before * 2);
    let id = h.propose(ParamChange::Rebalance(raise)).await.unwrap();
    h.warp_seconds(10).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::TightenRebalance(bounty_cap(0)))
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply_fails(id, VaultError::GovProposalUndoesDerisk).await;
    assert_eq!(h.vault_state().await.rebalance.bounty_cap_per_call, 0);
    // The same raise proposed after the de-risking is the admin's new decision: it applies.
    let id = h.propose(ParamChange::Rebalance(raise)).await.unwrap();
    h.warp_seconds(DAY + 1).await;
    h.apply(id).await.unwrap();
    assert_eq!(
        h.vault_state().await.rebalance.bounty_cap_per_call,
        before * 2
    );
}

#[tokio::test]
async fn apply_proposal_ok_derisk_after_the_proposal_landed() {
    // The other order: the raise lands first, then the guardian lowers it. The lower value stays.
    let mut h = Harness::new(1).await;
    let before = h.vault_state().await.rebalance.bounty_cap_per_call;
    let id = h
        .propose(ParamChange::Rebalance(bounty_cap(before * 2)))
        .await
        .unwrap();
    h.warp_seconds(DAY + 1).await;
    h.apply(id).await.unwrap();
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::TightenRebalance(bounty_cap(0)))
        .await
        .unwrap();
    assert_eq!(h.vault_state().await.rebalance.bounty_cap_per_call, 0);
}

#[tokio::test]
async fn apply_proposal_ok_older_proposal_touching_other_fields_after_derisk() {
    // A pending band change does not loosen the bounty the guardian lowered: it applies.
    let mut h = Harness::new(1).await;
    let id = h.propose(band(300)).await.unwrap();
    h.warp_seconds(10).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::TightenRebalance(bounty_cap(0)))
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply(id).await.unwrap();
    let r = h.vault_state().await.rebalance;
    assert_eq!((r.band_bps, r.bounty_cap_per_call), (300, 0));
}

#[tokio::test]
async fn apply_proposal_fails_raising_a_deposit_cap_the_guardian_lowered() {
    let mut h = Harness::new(1).await;
    let raise = ParamChange::DepositLimits {
        deposit_cap: 2_000_000_000_000_000,
        min_deposit: 1_000,
    };
    let id = h.propose(raise).await.unwrap();
    h.warp_seconds(10).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::LowerDepositCap(50_000_000))
        .await
        .unwrap();
    h.warp_seconds(DAY).await;
    h.apply_fails(id, VaultError::GovProposalUndoesDerisk).await;
    assert_eq!(h.vault_state().await.params.deposit_cap, 50_000_000);
}

#[tokio::test]
async fn apply_proposal_fails_loosening_an_oracle_the_guardian_tightened() {
    let mut h = Harness::new(1).await;
    let loosen = ParamChange::AssetOracle {
        index: 0,
        max_age_s: 120,
        max_conf_bps: 200,
        max_ema_dev_bps: 1_000,
    };
    let id = h.propose(loosen).await.unwrap();
    h.warp_seconds(10).await;
    let g = h.guardian.insecure_clone();
    let tight = DeriskAction::TightenAssetOracle {
        index: 0,
        max_age_s: 30,
        max_conf_bps: 100,
        max_ema_dev_bps: 500,
    };
    h.derisk(&g, tight).await.unwrap();
    h.warp_seconds(DAY).await;
    h.apply_fails(id, VaultError::GovProposalUndoesDerisk).await;
    assert_eq!(h.vault_state().await.assets[0].oracle.max_age_s, 30);
}

#[tokio::test]
async fn apply_proposal_fails_readding_a_venue_after_removal() {
    // A venue proposal made before the guardian removed a venue would bring it back.
    let mut h = Harness::new(1).await;
    let ids = proposed(&mut h, &[ADD_AMM, ADD_AMM]).await;
    h.warp_seconds(DAY + 1).await;
    h.apply(ids[0]).await.unwrap();
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::RemoveVenue(0)).await.unwrap();
    h.apply_fails(ids[1], VaultError::GovProposalUndoesDerisk)
        .await;
    assert!(h.vault_state().await.venues.iter().all(|v| v.is_empty()));
    // Proposed after the removal, it is a new decision and applies.
    h.govern(&[ADD_AMM]).await;
    assert_eq!(h.vault_state().await.venues[0].program_id, sim_amm::ID);
}

#[tokio::test]
async fn apply_proposal_ok_venue_added_before_a_later_removal() {
    // The other order: the addition lands, then the guardian removes it. It stays removed.
    let mut h = Harness::new(1).await;
    h.govern(&[ADD_AMM]).await;
    let g = h.guardian.insecure_clone();
    h.derisk(&g, DeriskAction::RemoveVenue(0)).await.unwrap();
    assert!(h.vault_state().await.venues[0].is_empty());
}

/// A two-asset vault whose risk account holds fixed warm-up weights of 45 % each.
async fn with_fixed_weights() -> Harness {
    let mut h = Harness::new(2).await;
    let mut args = h.default_risk_args();
    args.fixed_weights_bps[0] = 4_500;
    args.fixed_weights_bps[1] = 4_500;
    h.initialize_risk(args).await.unwrap();
    h
}

fn weights(index: u8, min: u16, max: u16) -> ParamChange {
    ParamChange::AssetWeights {
        index,
        min_weight_bps: min,
        max_weight_bps: max,
    }
}

fn fixed_weights(a: u16, b: u16) -> ParamChange {
    let mut w = [0u16; MAX_ASSETS];
    w[0] = a;
    w[1] = b;
    ParamChange::RiskParams(RiskPatch {
        fixed_weights_bps: Some(w),
        ..Default::default()
    })
}

#[tokio::test]
async fn propose_change_fails_weight_bound_breaking_fixed_weights() {
    // A cap below the risk account's warm-up weight would stall every `compute_targets`.
    let mut h = with_fixed_weights().await;
    let admin = h.admin.insecure_clone();
    h.propose_fails(
        &admin,
        weights(0, 0, 4_000),
        VaultError::RiskFixedWeightsOutOfBounds,
    )
    .await;
    // And the other side: fixed weights above a cap governance already set.
    h.govern(&[weights(0, 0, 5_000)]).await;
    h.propose_fails(
        &admin,
        fixed_weights(6_000, 3_000),
        VaultError::RiskFixedWeightsOutOfBounds,
    )
    .await;
}

#[tokio::test]
async fn apply_proposal_fails_weights_and_fixed_weights_together_in_both_orders() {
    // Each is valid alone against today's state (fixed weights 45 % / 45 %, no caps): a 46 %
    // cap on asset 0, and fixed weights of 50 % / 40 %. Whichever lands second breaks the
    // other and is refused; the risk engine keeps computing targets.
    for order in [[0, 1], [1, 0]] {
        let mut h = with_fixed_weights().await;
        let ids = proposed(&mut h, &[weights(0, 0, 4_600), fixed_weights(5_000, 4_000)]).await;
        h.warp_seconds(DAY + 1).await;
        h.apply(ids[order[0]]).await.unwrap();
        h.apply_fails(ids[order[1]], VaultError::RiskFixedWeightsOutOfBounds)
            .await;
        h.compute_targets().await.expect("targets still compute");
    }
}

#[tokio::test]
async fn add_asset_fails_min_weight_above_its_fixed_weight() {
    // A new asset's fixed weight is 0 until governance sets it: a floor above it is refused.
    let mut h = with_fixed_weights().await;
    let mint = h.create_mint(9, SPL_TOKEN, None).await;
    let asset = h
        .new_test_asset(mint, SPL_TOKEN, OracleFormat::PullV2, 50)
        .await;
    let mut args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    args.min_weight_bps = 500;
    let before = h.snapshot(&[h.risk()]).await;
    let res = h.add_prepared_asset(asset.clone(), args).await;
    assert_vault_error(res, VaultError::RiskFixedWeightsOutOfBounds);
    h.assert_unchanged(&before).await;
    args.min_weight_bps = 0;
    h.add_prepared_asset(asset, args).await.unwrap();
    assert_eq!(h.vault_state().await.num_assets, 3);
}
