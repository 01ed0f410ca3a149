//! Shared harness for the integration tests: the vault program runs natively inside
//! solana-program-test with the real SPL Token and Token-2022 programs. One call sets up a
//! vault with N assets; helpers write Pyth accounts in both formats, move the clock, mint and
//! read tokens, snapshot accounts, check the global invariants and assert exact error codes.

#![allow(clippy::result_large_err)]

pub mod amm;
pub mod assets;
pub mod checks;
pub mod clock;
pub mod governance;
pub mod hedged;
pub mod oracle;
pub mod perp;
pub mod risk;
pub mod tokens;
pub mod tx;
pub mod vault;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use portfolio_vault::state::{AddAssetArgs, InitializeVaultArgs, OracleKind};
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use vault_client::keys::{AssetKeys, HedgeKeys, VaultKeys};
use vault_client::{pda, VaultSnapshot};

pub use checks::{
    amm_code, assert_anchor_error, assert_vault_error, custom_code, instruction_error, perp_code,
    vault_code, Snapshot,
};
pub use oracle::{OracleFormat, PriceState};
pub use vault::replace_account;

pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
pub(crate) const MEMO_PROGRAM: Pubkey =
    anchor_lang::pubkey!("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

pub type TxResult = Result<(), BanksClientError>;

/// Proptest settings of the property-test files: `PROPTEST_CASES` cases (default 1,000), no
/// failure files (a failure prints its minimal case).
pub fn proptest_config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// Program-test with the vault, sim-amm and sim-perp registered natively (the client's
/// in-process backend builds the same), logs at error level unless `RUST_LOG` says otherwise.
pub fn program_test() -> ProgramTest {
    vault_client::chain::bank::program_test()
}

/// One asset of a test vault.
#[derive(Clone, Debug)]
pub struct TestAsset {
    pub mint: Pubkey,
    pub decimals: u8,
    pub token_program: Pubkey,
    pub vault_ta: Pubkey,
    pub oracle: Pubkey,
    pub format: OracleFormat,
    pub feed_id: [u8; 32],
    pub price: PriceState,
}

/// A depositor with a base account, a share account and one account per asset.
pub struct User {
    pub kp: Keypair,
    pub base: Pubkey,
    pub shares: Pubkey,
    pub assets: Vec<Pubkey>,
}

impl User {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }

    /// The same user (keypairs are not `Clone`).
    pub fn copy(&self) -> User {
        User {
            kp: self.kp.insecure_clone(),
            base: self.base,
            shares: self.shares,
            assets: self.assets.clone(),
        }
    }
}

/// How the harness builds a vault.
#[derive(Clone, Debug)]
pub struct VaultConfig {
    pub n_assets: usize,
    pub base_decimals: u8,
    pub base_token_program: Pubkey,
    pub asset_decimals: u8,
    /// Whole-token price of every asset, as a Pyth mantissa with `expo`.
    pub asset_price: i64,
    pub expo: i32,
    pub conf_bps: u64,
    pub init: InitializeVaultArgs,
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            n_assets: 2,
            base_decimals: 6,
            base_token_program: SPL_TOKEN,
            asset_decimals: 9,
            asset_price: 100_00000000, // $100.00 at expo -8
            expo: -8,
            conf_bps: 5, // 0.05 %
            init: InitializeVaultArgs {
                seed_id: 0,
                admin: Pubkey::default(),
                guardian: Pubkey::default(),
                fee_recipient: Pubkey::default(),
                timelock_s: 86_400,
                deposit_cap: 1_000_000_000_000_000,
                min_deposit: 1_000,
                management_fee_bps: 0,
                performance_fee_bps: 0,
                initial_deposit: 1_000_000,
            },
        }
    }
}

/// Default per-asset settings used by [`Harness::add_asset`].
pub fn default_asset_args(format: OracleFormat, oracle_id: [u8; 32]) -> AddAssetArgs {
    AddAssetArgs {
        oracle_kind: match format {
            OracleFormat::PullV2 => OracleKind::PullV2 as u8,
            OracleFormat::Legacy => OracleKind::Legacy as u8,
        },
        oracle_id,
        max_age_s: 60,
        max_conf_bps: 100,
        max_ema_dev_bps: 500,
        min_weight_bps: 0,
        max_weight_bps: 10_000,
    }
}

pub struct Harness {
    pub ctx: ProgramTestContext,
    pub cfg: VaultConfig,
    pub creator: Keypair,
    pub admin: Keypair,
    pub guardian: Keypair,
    pub fee_recipient: Keypair,
    pub base_mint: Pubkey,
    pub creator_base: Pubkey,
    pub vault: Pubkey,
    pub vault_authority: Pubkey,
    pub share_mint: Pubkey,
    pub base_vault: Pubkey,
    pub dead_shares: Pubkey,
    pub fee_shares: Pubkey,
    pub assets: Vec<TestAsset>,
    /// Every share token account the harness created: the supply invariant sums them.
    pub share_accounts: Vec<Pubkey>,
    pub(crate) tx_counter: u64,
    /// Lookup table with the vault's static accounts, created on first need.
    pub(crate) vault_alt: Option<solana_message::AddressLookupTableAccount>,
    /// Once the vault exists, every successful transaction is followed by
    /// [`Harness::check_invariants`].
    pub(crate) vault_live: bool,
    /// The vault's hedge venue once governance set it: `(exchange, margin account)`, passed
    /// after the oracles by every priced instruction, and the users' claim accounts.
    pub hedge: Option<(Pubkey, Pubkey)>,
}

/// Static accounts a legacy transaction may carry in this runtime (what fits one packet);
/// above it the harness sends a v0 transaction with the vault's lookup table.
pub use vault_client::chain::MAX_LEGACY_ACCOUNTS as MAX_LEGACY_STATIC_ACCOUNTS;

/// PDAs of a vault: `(vault, authority, share mint, base account, dead owner, dead shares)`.
pub fn vault_pdas(
    creator: &Pubkey,
    base_mint: &Pubkey,
    seed_id: u64,
) -> (Pubkey, Pubkey, Pubkey, Pubkey, Pubkey, Pubkey) {
    let vault = pda::vault(creator, base_mint, seed_id);
    (
        vault,
        pda::authority(&vault),
        pda::share_mint(&vault),
        pda::vault_token(&vault, base_mint),
        pda::dead_owner(&vault),
        pda::dead_shares(&vault),
    )
}

pub fn vault_token_account(vault: &Pubkey, mint: &Pubkey) -> Pubkey {
    pda::vault_token(vault, mint)
}

impl Harness {
    /// A vault with `n_assets` assets (alternating PriceUpdateV2 and legacy oracles), fresh
    /// prices, and the creator's dead shares. Fees are zero unless the config says otherwise.
    pub async fn new(n_assets: usize) -> Self {
        Self::with_config(VaultConfig {
            n_assets,
            ..Default::default()
        })
        .await
    }

    pub async fn with_config(cfg: VaultConfig) -> Self {
        let mut h = Self::bare(cfg.clone()).await;
        h.initialize().await.expect("initialize_vault");
        for i in 0..cfg.n_assets {
            let format = if i % 2 == 0 {
                OracleFormat::PullV2
            } else {
                OracleFormat::Legacy
            };
            h.create_and_add_asset(format).await.expect("add_asset");
        }
        h.check_invariants().await;
        h
    }

    /// Mints and keys for a vault, but no vault yet (for `initialize_vault` tests).
    pub async fn bare(cfg: VaultConfig) -> Self {
        let ctx = program_test().start_with_context().await;
        let creator = Keypair::new();
        let admin = Keypair::new();
        let guardian = Keypair::new();
        let fee_recipient = Keypair::new();
        let payer = ctx.payer.insecure_clone();
        for k in [&creator, &admin, &guardian, &fee_recipient] {
            let ix = system_instruction::transfer(&payer.pubkey(), &k.pubkey(), 10_000_000_000);
            let tx = Transaction::new_signed_with_payer(
                &[ix],
                Some(&payer.pubkey()),
                &[&payer],
                ctx.last_blockhash,
            );
            ctx.banks_client.process_transaction(tx).await.unwrap();
        }
        let mut h = Harness {
            ctx,
            cfg: cfg.clone(),
            creator,
            admin,
            guardian,
            fee_recipient,
            base_mint: Pubkey::default(),
            creator_base: Pubkey::default(),
            vault: Pubkey::default(),
            vault_authority: Pubkey::default(),
            share_mint: Pubkey::default(),
            base_vault: Pubkey::default(),
            dead_shares: Pubkey::default(),
            fee_shares: Pubkey::default(),
            assets: vec![],
            share_accounts: vec![],
            tx_counter: 0,
            vault_alt: None,
            vault_live: false,
            hedge: None,
        };
        // Start at a realistic time so max-age arithmetic has room.
        h.set_time(1_700_000_000).await;
        h.base_mint = h
            .create_mint(cfg.base_decimals, cfg.base_token_program, None)
            .await;
        let creator_key = h.creator.pubkey();
        h.creator_base = h
            .create_token_account(&h.base_mint.clone(), &creator_key, cfg.base_token_program)
            .await;
        h.mint_to(
            &h.base_mint.clone(),
            &h.creator_base.clone(),
            1_000_000_000_000,
        )
        .await;
        let (vault, authority, share_mint, base_vault, _, dead_shares) =
            vault_pdas(&creator_key, &h.base_mint, cfg.init.seed_id);
        h.vault = vault;
        h.vault_authority = authority;
        h.share_mint = share_mint;
        h.base_vault = base_vault;
        h.dead_shares = dead_shares;
        h
    }

    pub fn init_args(&self) -> InitializeVaultArgs {
        InitializeVaultArgs {
            admin: self.admin.pubkey(),
            guardian: self.guardian.pubkey(),
            fee_recipient: self.fee_recipient.pubkey(),
            ..self.cfg.init
        }
    }

    /// Every address of the vault as the client derives them (the oracles at the harness's
    /// addresses, the hedge venue once governance set it).
    pub fn keys(&self) -> VaultKeys {
        VaultKeys {
            vault: self.vault,
            authority: self.vault_authority,
            share_mint: self.share_mint,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            base_token_program: self.cfg.base_token_program,
            share_token_program: SPL_TOKEN,
            fee_recipient: self.fee_recipient.pubkey(),
            dead_shares: self.dead_shares,
            risk: pda::risk(&self.vault),
            assets: self
                .assets
                .iter()
                .map(|a| AssetKeys {
                    mint: a.mint,
                    token_account: a.vault_ta,
                    token_program: a.token_program,
                    oracle: a.oracle,
                    decimals: a.decimals,
                })
                .collect(),
            hedge: self.hedge.map(|(exchange, margin_account)| HedgeKeys {
                program_id: sim_perp::ID,
                exchange,
                margin_account,
                collateral_vault: pda::perp::collateral_vault(&exchange),
            }),
        }
    }

    /// The vault read now as the keeper and the CLI read it (`vault_client::VaultSnapshot`),
    /// for planning trades with the program's own rules.
    pub async fn vault_snapshot(&mut self) -> VaultSnapshot {
        let keys = self.keys();
        let state = Box::new(self.vault_state().await);
        let clock = self.clock().await;
        let mut accounts = vec![];
        for k in VaultSnapshot::wanted(&keys) {
            accounts.push(self.account(&k).await);
        }
        let clock = vault_client::ChainClock {
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
        };
        VaultSnapshot::from_parts(keys, state, clock, &accounts).expect("snapshot")
    }
}
