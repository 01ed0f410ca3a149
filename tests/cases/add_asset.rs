//! `add_asset`: bounds, duplicates, mint checks, admin only, canonical token account.

use anchor_lang::error::ErrorCode;
use anchor_spl::token_2022::spl_token_2022::extension::transfer_fee::instruction::initialize_transfer_fee_config;
use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use anchor_spl::token_2022::spl_token_2022::instruction::{
    close_account, initialize_mint_close_authority, initialize_permanent_delegate,
};
use portfolio_vault::error::VaultError;
use portfolio_vault::state::AddAssetArgs;
use solana_keypair::Keypair;
use solana_signer::Signer;
use vault_tests::*;

/// A fresh SPL asset with its oracle written, not yet added.
async fn prepared(h: &mut Harness, format: OracleFormat) -> (TestAsset, AddAssetArgs) {
    let decimals = h.cfg.asset_decimals;
    let mint = h.create_mint(decimals, SPL_TOKEN, None).await;
    let salt = 100 + h.assets.len();
    let asset = h.new_test_asset(mint, SPL_TOKEN, format, salt).await;
    let args = default_asset_args(format, asset.oracle_id());
    (asset, args)
}

async fn add_fails(h: &mut Harness, asset: TestAsset, args: AddAssetArgs, e: VaultError) {
    let before = h.snapshot(&[asset.vault_ta]).await;
    let res = h.add_prepared_asset(asset, args).await;
    assert_vault_error(res, e);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn add_asset_ok_both_oracle_formats() {
    let mut h = Harness::new(2).await;
    let v = h.vault_state().await;
    assert_eq!(v.num_assets, 2);
    for (i, a) in h.assets.clone().iter().enumerate() {
        assert_eq!(v.assets[i].mint, a.mint);
        assert_eq!(v.assets[i].token_account, a.vault_ta);
        assert_eq!(v.assets[i].oracle.oracle_id, a.oracle_id());
        let acc = h.account(&a.vault_ta).await.unwrap();
        assert_eq!(acc.owner, SPL_TOKEN);
        assert_eq!(h.balance(&a.vault_ta).await, 0);
    }
    // A deposit prices both formats.
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 1_000_000, 1).await.unwrap();
}

#[tokio::test]
async fn add_asset_ok_sixteen_assets_and_token_2022() {
    let mut h = Harness::new(15).await;
    let mint = h.create_mint(6, TOKEN_2022, None).await;
    let asset = h
        .new_test_asset(mint, TOKEN_2022, OracleFormat::PullV2, 99)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    h.add_prepared_asset(asset, args).await.unwrap();
    assert_eq!(h.vault_state().await.num_assets, 16);
    let (asset, args) = prepared(&mut h, OracleFormat::PullV2).await;
    add_fails(&mut h, asset, args, VaultError::AssetLimitReached).await;
}

#[tokio::test]
async fn add_asset_fails_not_admin() {
    let mut h = Harness::new(0).await;
    let (asset, args) = prepared(&mut h, OracleFormat::PullV2).await;
    let stranger = solana_keypair::Keypair::new();
    let mut ix = h.ix_add_asset(&asset, args);
    ix.accounts[0].pubkey = stranger.pubkey();
    let before = h.snapshot(&[asset.vault_ta]).await;
    let res = h.process(&[ix], &[&stranger]).await;
    assert_vault_error(res, VaultError::AuthNotAdmin);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn add_asset_fails_duplicate_mint() {
    let mut h = Harness::new(1).await;
    let first = h.assets[0].clone();
    let (mut asset, mut args) = prepared(&mut h, OracleFormat::PullV2).await;
    asset.mint = first.mint;
    asset.vault_ta = first.vault_ta;
    args.oracle_id[0] ^= 0xff;
    add_fails(&mut h, asset, args, VaultError::AssetDuplicateMint).await;
}

#[tokio::test]
async fn add_asset_fails_base_mint() {
    let mut h = Harness::new(0).await;
    let (mut asset, args) = prepared(&mut h, OracleFormat::PullV2).await;
    asset.mint = h.base_mint;
    asset.vault_ta = vault_token_account(&h.vault, &h.base_mint);
    add_fails(&mut h, asset, args, VaultError::AssetIsBaseMint).await;
}

#[tokio::test]
async fn add_asset_fails_duplicate_oracle() {
    let mut h = Harness::new(1).await;
    let (asset, mut args) = prepared(&mut h, OracleFormat::PullV2).await;
    args.oracle_id = h.assets[0].oracle_id();
    add_fails(&mut h, asset, args, VaultError::AssetDuplicateOracle).await;
}

#[tokio::test]
async fn add_asset_fails_freeze_authority() {
    let mut h = Harness::new(0).await;
    let payer = h.ctx.payer.pubkey();
    let mint = h.create_mint(9, SPL_TOKEN, Some(payer)).await;
    let asset = h
        .new_test_asset(mint, SPL_TOKEN, OracleFormat::PullV2, 7)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    add_fails(&mut h, asset, args, VaultError::AssetMintHasFreezeAuthority).await;
}

#[tokio::test]
async fn add_asset_fails_transfer_fee_extension() {
    let mut h = Harness::new(0).await;
    let payer = h.ctx.payer.pubkey();
    let mint = h
        .create_mint_2022_with(9, &[ExtensionType::TransferFeeConfig], |m| {
            vec![initialize_transfer_fee_config(
                &TOKEN_2022,
                m,
                Some(&payer),
                Some(&payer),
                50,
                1_000,
            )
            .unwrap()]
        })
        .await;
    let asset = h
        .new_test_asset(mint, TOKEN_2022, OracleFormat::PullV2, 8)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    add_fails(&mut h, asset, args, VaultError::MintExtensionNotAllowed).await;
}

#[tokio::test]
async fn add_asset_fails_permanent_delegate_extension() {
    let mut h = Harness::new(0).await;
    let payer = h.ctx.payer.pubkey();
    let mint = h
        .create_mint_2022_with(9, &[ExtensionType::PermanentDelegate], |m| {
            vec![initialize_permanent_delegate(&TOKEN_2022, m, &payer).unwrap()]
        })
        .await;
    let asset = h
        .new_test_asset(mint, TOKEN_2022, OracleFormat::PullV2, 9)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    add_fails(&mut h, asset, args, VaultError::MintExtensionNotAllowed).await;
}

#[tokio::test]
async fn add_asset_fails_mint_close_authority_and_its_permanent_delegate_comeback() {
    // The attack: a mint whose authority can close it at zero supply and re-create it at the
    // same address with a permanent delegate, who then moves every token out of the vault's
    // account while its records still count them. The closable mint is refused; so is the
    // mint that comes back.
    let mut h = Harness::new(0).await;
    let payer = h.ctx.payer.pubkey();
    let mint = Keypair::new();
    h.create_mint_2022_at(&mint, 9, &[ExtensionType::MintCloseAuthority], |m| {
        vec![initialize_mint_close_authority(&TOKEN_2022, m, Some(&payer)).unwrap()]
    })
    .await
    .unwrap();
    let asset = h
        .new_test_asset(mint.pubkey(), TOKEN_2022, OracleFormat::PullV2, 10)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    add_fails(
        &mut h,
        asset.clone(),
        args,
        VaultError::MintExtensionNotAllowed,
    )
    .await;
    // At zero supply the close authority closes it and re-creates it with a delegate.
    let close = close_account(&TOKEN_2022, &mint.pubkey(), &payer, &payer, &[]).unwrap();
    h.process(&[close], &[])
        .await
        .expect("a closable mint closes");
    assert!(h.account(&mint.pubkey()).await.is_none());
    h.create_mint_2022_at(&mint, 9, &[ExtensionType::PermanentDelegate], |m| {
        vec![initialize_permanent_delegate(&TOKEN_2022, m, &payer).unwrap()]
    })
    .await
    .unwrap();
    add_fails(&mut h, asset, args, VaultError::MintExtensionNotAllowed).await;
    assert_eq!(h.vault_state().await.num_assets, 0);
}

#[tokio::test]
async fn add_asset_ok_accepted_mint_cannot_be_closed() {
    // What the vault accepts has no close authority: the mint can never be closed and come
    // back with other rules, whoever asks.
    let mut h = Harness::new(0).await;
    let payer = h.ctx.payer.pubkey();
    let mint = h.create_mint(9, TOKEN_2022, None).await;
    let asset = h
        .new_test_asset(mint, TOKEN_2022, OracleFormat::PullV2, 11)
        .await;
    let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
    h.add_prepared_asset(asset, args).await.unwrap();
    let close = close_account(&TOKEN_2022, &mint, &payer, &payer, &[]).unwrap();
    assert!(h.process(&[close], &[]).await.is_err());
    assert!(h.account(&mint).await.is_some());
}

type Mutation = fn(&mut AddAssetArgs);

#[tokio::test]
async fn add_asset_fails_out_of_bound_oracle_parameters() {
    let cases: [(Mutation, VaultError); 8] = [
        (
            |a| a.max_age_s = 0,
            VaultError::ParamOracleMaxAgeOutOfBounds,
        ),
        (
            |a| a.max_age_s = 3_601,
            VaultError::ParamOracleMaxAgeOutOfBounds,
        ),
        (
            |a| a.max_conf_bps = 0,
            VaultError::ParamOracleMaxConfOutOfBounds,
        ),
        (
            |a| a.max_conf_bps = 1_001,
            VaultError::ParamOracleMaxConfOutOfBounds,
        ),
        (
            |a| a.max_ema_dev_bps = 0,
            VaultError::ParamOracleMaxEmaDevOutOfBounds,
        ),
        (
            |a| a.max_ema_dev_bps = 5_001,
            VaultError::ParamOracleMaxEmaDevOutOfBounds,
        ),
        (|a| a.oracle_kind = 2, VaultError::ParamOracleKindUnknown),
        (
            |a| a.max_weight_bps = 10_001,
            VaultError::ParamWeightBoundsInvalid,
        ),
    ];
    let mut h = Harness::new(0).await;
    for (mutate, e) in cases {
        let (asset, mut args) = prepared(&mut h, OracleFormat::PullV2).await;
        mutate(&mut args);
        add_fails(&mut h, asset, args, e).await;
    }
}

#[tokio::test]
async fn add_asset_fails_min_weight_above_max() {
    let mut h = Harness::new(0).await;
    let (asset, mut args) = prepared(&mut h, OracleFormat::PullV2).await;
    args.min_weight_bps = 6_000;
    args.max_weight_bps = 5_000;
    add_fails(&mut h, asset, args, VaultError::ParamWeightBoundsInvalid).await;
}

#[tokio::test]
async fn add_asset_fails_min_weights_above_one() {
    let mut h = Harness::new(0).await;
    let (first, mut args) = prepared(&mut h, OracleFormat::PullV2).await;
    args.min_weight_bps = 6_000;
    h.add_prepared_asset(first, args).await.unwrap();
    // 60 % already claimed; another 50 % minimum cannot also hold.
    let (asset, mut args) = prepared(&mut h, OracleFormat::Legacy).await;
    args.min_weight_bps = 5_000;
    add_fails(&mut h, asset, args, VaultError::ParamMinWeightsExceedOne).await;
}

#[tokio::test]
async fn add_asset_fails_non_canonical_token_account() {
    let mut h = Harness::new(0).await;
    let (mut asset, args) = prepared(&mut h, OracleFormat::PullV2).await;
    asset.vault_ta = anchor_lang::prelude::Pubkey::new_unique();
    add_fails(&mut h, asset, args, VaultError::TokenAccountNotCanonical).await;
}

#[tokio::test]
async fn add_asset_fails_look_alike_vault() {
    let mut h = Harness::new(0).await;
    let (asset, args) = prepared(&mut h, OracleFormat::PullV2).await;
    // Same bytes as the real vault, but owned by another program.
    let real = h.account(&h.vault.clone()).await.unwrap();
    let fake = anchor_lang::prelude::Pubkey::new_unique();
    let mut acc = real.clone();
    acc.owner = anchor_lang::prelude::Pubkey::new_unique();
    h.ctx
        .set_account(&fake, &solana_account::AccountSharedData::from(acc));
    let mut ix = h.ix_add_asset(&asset, args);
    ix.accounts[2].pubkey = fake;
    let admin = h.admin.insecure_clone();
    let before = h.snapshot(&[fake]).await;
    let res = h.process(&[ix], &[&admin]).await;
    assert_anchor_error(res, ErrorCode::AccountOwnedByWrongProgram);
    h.assert_unchanged(&before).await;
}
