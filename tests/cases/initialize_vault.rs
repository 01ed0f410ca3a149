//! `initialize_vault`: parameters within hard bounds, dead shares, mint checks, re-init.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022::extension::transfer_fee::instruction::initialize_transfer_fee_config;
use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use anchor_spl::token_2022::spl_token_2022::instruction::initialize_mint_close_authority;
use portfolio_vault::error::VaultError;
use portfolio_vault::state::InitializeVaultArgs;
use solana_signer::Signer;
use vault_tests::*;

async fn try_init(h: &mut Harness, args: InitializeVaultArgs) -> TxResult {
    let ix = h.ix_initialize(args);
    let creator = h.creator.insecure_clone();
    h.process(&[ix], &[&creator]).await
}

#[tokio::test]
async fn initialize_vault_ok() {
    let mut h = Harness::new(0).await;
    let v = h.vault_state().await;
    assert_eq!(v.idle_base, 1_000_000);
    assert_eq!(v.admin, h.admin.pubkey());
    assert_eq!(v.fee_recipient, h.fee_recipient.pubkey());
    assert_eq!(v.num_assets, 0);
    assert_eq!(h.share_supply().await, 1_000_000);
    let (dead, base_vault) = (h.dead_shares, h.base_vault);
    assert_eq!(
        h.balance(&dead).await,
        1_000_000,
        "the whole first deposit is dead shares"
    );
    assert_eq!(h.balance(&base_vault).await, 1_000_000);
    // The dead-share account belongs to a PDA the program never signs for.
    let data = h.account(&dead).await.unwrap().data;
    let owner = Pubkey::try_from(&data[32..64]).unwrap();
    let (_, _, _, _, dead_owner, _) = vault_pdas(&h.creator.pubkey(), &h.base_mint, 0);
    assert_eq!(owner, dead_owner);
    h.check_invariants().await;
}

#[tokio::test]
async fn initialize_vault_ok_token_2022_base_mint() {
    let cfg = VaultConfig {
        base_token_program: TOKEN_2022,
        ..Default::default()
    };
    let mut h = Harness::with_config(cfg).await;
    let base_vault = h.base_vault;
    assert_eq!(h.account(&base_vault).await.unwrap().owner, TOKEN_2022);
    let u = h.new_user(10_000_000).await;
    h.deposit(&u, 5_000_000, 1).await.unwrap();
    h.check_invariants().await;
}

async fn init_fails(mutate: impl FnOnce(&mut InitializeVaultArgs), e: VaultError) {
    let mut h = Harness::bare(VaultConfig::default()).await;
    let mut args = h.init_args();
    mutate(&mut args);
    let creator_base = h.creator_base;
    let before = h.balance(&creator_base).await;
    let res = try_init(&mut h, args).await;
    assert_vault_error(res, e);
    let vault = h.vault;
    assert!(
        h.account(&vault).await.is_none(),
        "no vault account is left behind"
    );
    assert_eq!(h.balance(&creator_base).await, before, "no tokens moved");
}

#[tokio::test]
async fn initialize_vault_fails_management_fee_above_cap() {
    init_fails(
        |a| a.management_fee_bps = 501,
        VaultError::ParamManagementFeeTooHigh,
    )
    .await;
}

#[tokio::test]
async fn initialize_vault_fails_performance_fee_above_cap() {
    init_fails(
        |a| a.performance_fee_bps = 5_001,
        VaultError::ParamPerformanceFeeTooHigh,
    )
    .await;
}

#[tokio::test]
async fn initialize_vault_fails_min_deposit_zero() {
    init_fails(|a| a.min_deposit = 0, VaultError::ParamMinDepositZero).await;
}

#[tokio::test]
async fn initialize_vault_fails_cap_below_min_deposit() {
    init_fails(
        |a| a.deposit_cap = a.min_deposit - 1,
        VaultError::ParamDepositCapBelowMinDeposit,
    )
    .await;
}

#[tokio::test]
async fn initialize_vault_fails_timelock_out_of_bounds() {
    init_fails(
        |a| a.timelock_s = 86_399,
        VaultError::ParamTimelockOutOfBounds,
    )
    .await;
    init_fails(
        |a| a.timelock_s = 30 * 86_400 + 1,
        VaultError::ParamTimelockOutOfBounds,
    )
    .await;
}

#[tokio::test]
async fn initialize_vault_fails_initial_deposit_too_small() {
    init_fails(
        |a| a.initial_deposit = 999,
        VaultError::ParamInitialDepositTooSmall,
    )
    .await;
    init_fails(
        |a| {
            a.min_deposit = 5_000;
            a.initial_deposit = 4_999;
        },
        VaultError::ParamInitialDepositTooSmall,
    )
    .await;
}

#[tokio::test]
async fn initialize_vault_fails_reinitialization() {
    let mut h = Harness::new(0).await;
    let before = h.snapshot(&[]).await;
    let args = h.init_args();
    let res = try_init(&mut h, args).await;
    assert_vault_error(res, VaultError::AccountAlreadyInitialized);
    h.assert_unchanged(&before).await;
}

#[tokio::test]
async fn initialize_vault_fails_transfer_fee_base_mint() {
    let mut h = Harness::bare(VaultConfig {
        base_token_program: TOKEN_2022,
        ..Default::default()
    })
    .await;
    let payer = h.ctx.payer.pubkey();
    let mint = h
        .create_mint_2022_with(6, &[ExtensionType::TransferFeeConfig], |m| {
            vec![initialize_transfer_fee_config(
                &TOKEN_2022,
                m,
                Some(&payer),
                Some(&payer),
                100,
                1_000_000,
            )
            .unwrap()]
        })
        .await;
    h.base_mint = mint;
    let creator = h.creator.pubkey();
    h.creator_base = h.create_token_account(&mint, &creator, TOKEN_2022).await;
    let cb = h.creator_base;
    h.mint_to(&mint, &cb, 10_000_000).await;
    let args = h.init_args();
    let res = try_init(&mut h, args).await;
    assert_vault_error(res, VaultError::MintExtensionNotAllowed);
    assert_eq!(h.balance(&cb).await, 10_000_000);
}

#[tokio::test]
async fn initialize_vault_fails_mint_close_authority_base_mint() {
    // A closable base mint could be closed at zero supply and come back with other rules.
    let mut h = Harness::bare(VaultConfig {
        base_token_program: TOKEN_2022,
        ..Default::default()
    })
    .await;
    let payer = h.ctx.payer.pubkey();
    let mint = h
        .create_mint_2022_with(6, &[ExtensionType::MintCloseAuthority], |m| {
            vec![initialize_mint_close_authority(&TOKEN_2022, m, Some(&payer)).unwrap()]
        })
        .await;
    h.base_mint = mint;
    let creator = h.creator.pubkey();
    h.creator_base = h.create_token_account(&mint, &creator, TOKEN_2022).await;
    let cb = h.creator_base;
    h.mint_to(&mint, &cb, 10_000_000).await;
    let (vault, ..) = vault_pdas(&creator, &mint, h.cfg.init.seed_id);
    let args = h.init_args();
    let res = try_init(&mut h, args).await;
    assert_vault_error(res, VaultError::MintExtensionNotAllowed);
    assert_eq!(h.balance(&cb).await, 10_000_000);
    assert!(h.account(&vault).await.is_none());
}

#[tokio::test]
async fn initialize_vault_fails_creator_account_of_another_owner() {
    let mut h = Harness::bare(VaultConfig::default()).await;
    let other = solana_keypair::Keypair::new();
    let base_mint = h.base_mint;
    let foreign = h
        .create_token_account(&base_mint, &other.pubkey(), SPL_TOKEN)
        .await;
    h.mint_to(&base_mint, &foreign, 10_000_000).await;
    h.creator_base = foreign;
    let args = h.init_args();
    let res = try_init(&mut h, args).await;
    assert_anchor_error(res, ErrorCode::ConstraintTokenOwner);
    assert_eq!(h.balance(&foreign).await, 10_000_000);
}

#[tokio::test]
async fn initialize_vault_fails_missing_creator_signature() {
    let mut h = Harness::bare(VaultConfig::default()).await;
    let mut ix = h.ix_initialize(h.init_args());
    ix.accounts[0].is_signer = false;
    let res = h.process(&[ix], &[]).await;
    assert_anchor_error(res, ErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn initialize_vault_fails_non_canonical_vault_address() {
    let mut h = Harness::bare(VaultConfig::default()).await;
    let args = h.init_args();
    let mut ix = h.ix_initialize(args);
    // A vault address derived with seed_id 1 while the args say 0: the seeds do not match.
    let (other_vault, ..) = vault_pdas(&h.creator.pubkey(), &h.base_mint, 1);
    ix.accounts[1].pubkey = other_vault;
    let creator = h.creator.insecure_clone();
    let res = h.process(&[ix], &[&creator]).await;
    assert_anchor_error(res, ErrorCode::ConstraintSeeds);
}
