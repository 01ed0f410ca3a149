//! Pre-funded addresses (hardening issue, item 1). Every account the three programs create at
//! a predictable address is sent lamports first, the rent minimum of an empty account (what an
//! attacker with 0.001 SOL can do to each) and 5 SOL, then created. Creation succeeds, the
//! account has the right owner and data, and the lamports sent stay in the account: its
//! balance is `max(sent, rent minimum of its size)`, so nobody gets them back and nothing else
//! changes.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::state::{HedgePatch, ParamChange};
use solana_signer::Signer;
use vault_tests::*;

/// Rent minimum of an account without data: the least an attacker must send.
const RENT_MIN_EMPTY: u64 = 890_880;
const FIVE_SOL: u64 = 5_000_000_000;
const AMOUNTS: [u64; 2] = [RENT_MIN_EMPTY, FIVE_SOL];

async fn prefund(h: &mut Harness, addresses: &[Pubkey], lamports: u64) {
    let payer = h.ctx.payer.pubkey();
    let ixs: Vec<_> = addresses
        .iter()
        .map(|a| anchor_lang::solana_program::system_instruction::transfer(&payer, a, lamports))
        .collect();
    h.process(&ixs, &[]).await.expect("pre-fund");
    for a in addresses {
        let acc = h.account(a).await.expect("pre-funded account");
        assert_eq!(acc.lamports, lamports);
        assert!(acc.data.is_empty());
    }
}

/// Each address is owned by `owner` and holds what was sent, topped up to rent exemption.
async fn assert_created_keeping(h: &mut Harness, addresses: &[Pubkey], owner: &Pubkey, sent: u64) {
    let rent = h.ctx.banks_client.get_rent().await.unwrap();
    for a in addresses {
        let acc = h.account(a).await.expect("created");
        assert_eq!(acc.owner, *owner, "owner of {a}");
        assert!(!acc.data.is_empty(), "{a} has data");
        let expected = sent.max(rent.minimum_balance(acc.data.len()));
        assert_eq!(acc.lamports, expected, "lamports of {a}");
    }
}

#[tokio::test]
async fn initialize_vault_ok_every_address_prefunded() {
    for sent in AMOUNTS {
        let mut h = Harness::bare(VaultConfig::default()).await;
        let (vault, share_mint, base_vault, dead) =
            (h.vault, h.share_mint, h.base_vault, h.dead_shares);
        prefund(&mut h, &[vault, share_mint, base_vault, dead], sent).await;
        h.initialize().await.expect("initialize_vault");
        assert_created_keeping(&mut h, &[vault], &portfolio_vault::ID, sent).await;
        assert_created_keeping(&mut h, &[share_mint, base_vault, dead], &SPL_TOKEN, sent).await;
        assert_eq!(h.share_supply().await, h.balance(&dead).await);
        h.check_invariants().await;
    }
}

#[tokio::test]
async fn initialize_risk_ok_prefunded() {
    for sent in AMOUNTS {
        let mut h = Harness::new(3).await;
        let risk = h.risk();
        prefund(&mut h, &[risk], sent).await;
        let args = h.default_risk_args();
        h.initialize_risk(args).await.expect("initialize_risk");
        assert_created_keeping(&mut h, &[risk], &portfolio_vault::ID, sent).await;
        h.update_risk()
            .await
            .expect("update_risk after a pre-funded init");
    }
}

#[tokio::test]
async fn propose_change_ok_prefunded_next_proposal() {
    for sent in AMOUNTS {
        let mut h = Harness::new(1).await;
        let id = h.vault_state().await.next_proposal_id;
        let next = h.proposal_pda(id);
        prefund(&mut h, &[next], sent).await;
        let change = ParamChange::DepositLimits {
            deposit_cap: 5_000_000_000,
            min_deposit: 1_000,
        };
        let id = h.propose(change).await.expect("propose_change");
        assert_eq!(h.proposal_pda(id), next);
        assert_created_keeping(&mut h, &[next], &portfolio_vault::ID, sent).await;
    }
}

#[tokio::test]
async fn open_hedge_claim_ok_prefunded() {
    for sent in AMOUNTS {
        let mut h = Harness::new(1).await;
        let owner = Pubkey::new_unique();
        let claim = h.hedge_claim(&owner);
        prefund(&mut h, &[claim], sent).await;
        h.open_hedge_claim(&owner).await.expect("open_hedge_claim");
        assert_created_keeping(&mut h, &[claim], &portfolio_vault::ID, sent).await;
        let state = h.hedge_claim_state(&owner).await;
        assert_eq!((state.owner, state.units, state.owed), (owner, 0, 0));
    }
}

#[tokio::test]
async fn init_hedge_ok_prefunded_margin_account() {
    for sent in AMOUNTS {
        let mut h = Harness::new(2).await;
        let x = h.create_exchange(5, 1_000, 500, 0, 0).await;
        let margin = h.vault_margin(&x);
        prefund(&mut h, &[margin], sent).await;
        let params = hedged::hedge_params(portfolio_vault::constants::HEDGE_MODE_DELTA_NEUTRAL);
        h.govern_hedge(&x, HedgePatch::all_of(&params)).await;
        assert_created_keeping(&mut h, &[margin], &sim_perp::ID, sent).await;
        assert_eq!(h.margin_state(&margin).await.owner, h.vault_authority);
    }
}

#[tokio::test]
async fn sim_perp_create_exchange_and_margin_account_ok_prefunded() {
    for sent in AMOUNTS {
        let mut h = Harness::new(1).await;
        let payer = h.ctx.payer.pubkey();
        let exchange = vault_client::pda::perp::exchange(&payer, &h.base_mint);
        let collateral = vault_client::pda::perp::collateral_vault(&exchange);
        prefund(&mut h, &[exchange, collateral], sent).await;
        let x = h.create_exchange(5, 1_000, 500, 0, 0).await;
        assert_created_keeping(&mut h, &[exchange], &sim_perp::ID, sent).await;
        assert_created_keeping(&mut h, &[collateral], &SPL_TOKEN, sent).await;
        let user = h.new_user(0).await;
        let margin = x.margin_account(&user.key());
        prefund(&mut h, &[margin], sent).await;
        h.create_margin_account(&x, &user).await.expect("margin");
        assert_created_keeping(&mut h, &[margin], &sim_perp::ID, sent).await;
    }
}

#[tokio::test]
async fn sim_amm_create_pool_ok_prefunded() {
    for sent in AMOUNTS {
        let mut h = Harness::new(1).await;
        let (x, y) = (h.base_mint, h.assets[0].mint);
        let (a, b) = if x.to_bytes() < y.to_bytes() {
            (x, y)
        } else {
            (y, x)
        };
        let pool = vault_client::pda::amm::pool(&a, &b);
        let vault_a = vault_client::pda::amm::pool_vault(&pool, &a);
        let vault_b = vault_client::pda::amm::pool_vault(&pool, &b);
        let lp = vault_client::pda::amm::lp_mint(&pool);
        prefund(&mut h, &[pool, vault_a, vault_b, lp], sent).await;
        h.create_pool(x, y, 30, 1_000_000_000, 1_000_000_000).await;
        assert_created_keeping(&mut h, &[pool], &sim_amm::ID, sent).await;
        assert_created_keeping(&mut h, &[vault_a, vault_b, lp], &SPL_TOKEN, sent).await;
    }
}

#[tokio::test]
async fn add_asset_ok_prefunded_token_account() {
    for sent in AMOUNTS {
        let mut h = Harness::new(0).await;
        let mint = h.create_mint(h.cfg.asset_decimals, SPL_TOKEN, None).await;
        let asset = h
            .new_test_asset(mint, SPL_TOKEN, OracleFormat::PullV2, 7)
            .await;
        let ta = asset.vault_ta;
        prefund(&mut h, &[ta], sent).await;
        let args = default_asset_args(OracleFormat::PullV2, asset.oracle_id());
        h.add_prepared_asset(asset, args).await.expect("add_asset");
        assert_created_keeping(&mut h, &[ta], &SPL_TOKEN, sent).await;
        h.check_invariants().await;
    }
}
