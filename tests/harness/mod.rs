//! Shared harness for the integration tests: the vault program runs natively inside
//! solana-program-test with the real SPL Token and Token-2022 programs. One call sets up a
//! vault with N assets; helpers write Pyth accounts in both formats, move the clock, mint and
//! read tokens, snapshot accounts, check the global invariants and assert exact error codes.

#![allow(clippy::result_large_err)]

pub mod amm;
pub mod oracle;
pub mod perp;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::{program_pack::Pack, system_instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token_2022::spl_token_2022;
use portfolio_vault::constants::*;
use portfolio_vault::error::VaultError;
use portfolio_vault::instructions::{AddAssetArgs, InitializeVaultArgs, RiskParamsArgs};
use portfolio_vault::state::{DeriskAction, OracleKind, ParamChange, Proposal, RiskState, Vault};
use solana_account::{Account, AccountSharedData};
use solana_instruction::{error::InstructionError, AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use oracle::{OracleFormat, PriceState};

pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
const MEMO_PROGRAM: Pubkey = anchor_lang::pubkey!("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

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
    tx_counter: u64,
    /// Lookup table with the vault's static accounts, created on first need.
    vault_alt: Option<solana_message::AddressLookupTableAccount>,
    /// Once the vault exists, every successful transaction is followed by
    /// [`Harness::check_invariants`].
    vault_live: bool,
    /// The vault's hedge venue once governance set it: `(exchange, margin account)`, passed
    /// after the oracles by every priced instruction, and the users' claim accounts.
    pub hedge: Option<(Pubkey, Pubkey)>,
}

/// Static accounts a legacy transaction may carry in this runtime (what fits one packet);
/// above it the harness sends a v0 transaction with the vault's lookup table.
pub const MAX_LEGACY_STATIC_ACCOUNTS: usize = 38;

/// PDAs of a vault.
pub fn vault_pdas(
    creator: &Pubkey,
    base_mint: &Pubkey,
    seed_id: u64,
) -> (Pubkey, Pubkey, Pubkey, Pubkey, Pubkey, Pubkey) {
    let pid = portfolio_vault::ID;
    let vault = Pubkey::find_program_address(
        &[
            VAULT_SEED,
            creator.as_ref(),
            base_mint.as_ref(),
            &seed_id.to_le_bytes(),
        ],
        &pid,
    )
    .0;
    let authority = Pubkey::find_program_address(&[AUTHORITY_SEED, vault.as_ref()], &pid).0;
    let share_mint = Pubkey::find_program_address(&[SHARE_MINT_SEED, vault.as_ref()], &pid).0;
    let base_vault = Pubkey::find_program_address(
        &[VAULT_TOKEN_SEED, vault.as_ref(), base_mint.as_ref()],
        &pid,
    )
    .0;
    let dead_owner = Pubkey::find_program_address(&[DEAD_OWNER_SEED, vault.as_ref()], &pid).0;
    let dead_shares = Pubkey::find_program_address(&[DEAD_SHARES_SEED, vault.as_ref()], &pid).0;
    (
        vault,
        authority,
        share_mint,
        base_vault,
        dead_owner,
        dead_shares,
    )
}

pub fn vault_token_account(vault: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[VAULT_TOKEN_SEED, vault.as_ref(), mint.as_ref()],
        &portfolio_vault::ID,
    )
    .0
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

    pub fn ix_initialize(&self, args: InitializeVaultArgs) -> Instruction {
        let pid = portfolio_vault::ID;
        let creator = self.creator.pubkey();
        let (vault, authority, share_mint, base_vault, dead_owner, dead_shares) =
            vault_pdas(&creator, &self.base_mint, args.seed_id);
        Instruction {
            program_id: pid,
            accounts: portfolio_vault::accounts::InitializeVault {
                creator,
                vault,
                vault_authority: authority,
                base_mint: self.base_mint,
                base_vault,
                share_mint,
                dead_shares_owner: dead_owner,
                dead_shares,
                creator_base: self.creator_base,
                token_program: SPL_TOKEN,
                base_token_program: self.cfg.base_token_program,
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::InitializeVault { args }.data(),
        }
    }

    pub async fn initialize(&mut self) -> TxResult {
        let ix = self.ix_initialize(self.init_args());
        let creator = self.creator.insecure_clone();
        self.process(&[ix], &[&creator]).await?;
        self.share_accounts.push(self.dead_shares);
        self.vault_live = true;
        self.check_invariants().await;
        let fee_owner = self.fee_recipient.pubkey();
        let share_mint = self.share_mint;
        self.fee_shares = self
            .create_token_account(&share_mint, &fee_owner, SPL_TOKEN)
            .await;
        self.share_accounts.push(self.fee_shares);
        Ok(())
    }

    // ---------------------------------------------------------------- transactions

    /// Sends `ixs` signed by the payer and `signers`. A memo with a counter keeps otherwise
    /// identical transactions distinct.
    pub async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        self.tx_counter += 1;
        let mut all = ixs.to_vec();
        all.push(Instruction {
            program_id: MEMO_PROGRAM,
            accounts: vec![],
            data: format!("tx {}", self.tx_counter).into_bytes(),
        });
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        let bh = self.ctx.banks_client.get_latest_blockhash().await.unwrap();
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, bh);
        let res = self.ctx.banks_client.process_transaction(tx).await;
        self.after_transaction().await;
        res
    }

    /// The global invariants hold after every step, failed or not.
    async fn after_transaction(&mut self) {
        if self.vault_live {
            self.check_invariants().await;
        }
    }

    /// Creates an address lookup table holding `addresses`, and waits a slot so it is usable.
    pub async fn create_lookup_table(
        &mut self,
        addresses: Vec<Pubkey>,
    ) -> solana_message::AddressLookupTableAccount {
        use solana_address_lookup_table_interface::instruction::{
            create_lookup_table, extend_lookup_table,
        };
        let payer = self.ctx.payer.insecure_clone();
        let now = self.now().await;
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 2).unwrap();
        let (create, table) = create_lookup_table(payer.pubkey(), payer.pubkey(), slot + 1);
        self.process(&[create], &[]).await.unwrap();
        for chunk in addresses.chunks(20) {
            let ix =
                extend_lookup_table(table, payer.pubkey(), Some(payer.pubkey()), chunk.to_vec());
            self.process(&[ix], &[]).await.unwrap();
        }
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 2).unwrap();
        // Warping moves the clock; put the test's time back.
        self.set_time(now).await;
        solana_message::AddressLookupTableAccount {
            key: table,
            addresses,
        }
    }

    /// The vault's own accounts (not any user's): what a keeper or front end puts in a table.
    pub fn vault_static_accounts(&self) -> Vec<Pubkey> {
        let mut addresses = vec![
            self.vault,
            self.vault_authority,
            self.share_mint,
            self.base_mint,
            self.base_vault,
            self.fee_shares,
            SPL_TOKEN,
            TOKEN_2022,
            anchor_lang::system_program::ID,
        ];
        for a in &self.assets {
            addresses.extend([a.mint, a.vault_ta, a.oracle]);
        }
        addresses
    }

    pub async fn vault_lookup_table(&mut self) -> solana_message::AddressLookupTableAccount {
        let wanted = self.vault_static_accounts();
        match &self.vault_alt {
            Some(alt) if alt.addresses == wanted => alt.clone(),
            _ => {
                let alt = self.create_lookup_table(wanted).await;
                self.vault_alt = Some(alt.clone());
                alt
            }
        }
    }

    /// Sends `ixs` as a legacy transaction when it fits this runtime's static-account limit,
    /// otherwise as a v0 transaction through the vault's lookup table.
    pub async fn process_auto(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let payer = self.ctx.payer.pubkey();
        let legacy = solana_message::Message::new(ixs, Some(&payer));
        if legacy.account_keys.len() < MAX_LEGACY_STATIC_ACCOUNTS {
            return self.process(ixs, signers).await;
        }
        let alt = self.vault_lookup_table().await;
        self.process_v0(ixs, signers, &alt).await
    }

    pub async fn process_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        alt: &solana_message::AddressLookupTableAccount,
    ) -> TxResult {
        self.tx_counter += 1;
        let mut all = ixs.to_vec();
        all.push(Instruction {
            program_id: MEMO_PROGRAM,
            accounts: vec![],
            data: format!("tx {}", self.tx_counter).into_bytes(),
        });
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        let bh = self.ctx.banks_client.get_latest_blockhash().await.unwrap();
        let msg = solana_message::v0::Message::try_compile(
            &payer.pubkey(),
            &all,
            std::slice::from_ref(alt),
            bh,
        )
        .unwrap();
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(
            solana_message::VersionedMessage::V0(msg),
            &keys,
        )
        .unwrap();
        let res = self.ctx.banks_client.process_transaction(tx).await;
        self.after_transaction().await;
        res
    }

    // ---------------------------------------------------------------- clock

    pub async fn clock(&mut self) -> anchor_lang::prelude::Clock {
        self.ctx
            .banks_client
            .get_sysvar::<anchor_lang::prelude::Clock>()
            .await
            .unwrap()
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    pub async fn set_time(&mut self, ts: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = ts;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn warp_seconds(&mut self, secs: i64) {
        let now = self.now().await;
        self.set_time(now + secs).await;
    }

    // ---------------------------------------------------------------- tokens

    pub async fn create_mint(
        &mut self,
        decimals: u8,
        program: Pubkey,
        freeze: Option<Pubkey>,
    ) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let space = spl_token_2022::state::Mint::LEN;
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent,
                space as u64,
                &program,
            ),
            spl_token_2022::instruction::initialize_mint2(
                &program,
                &mint.pubkey(),
                &payer.pubkey(),
                freeze.as_ref(),
                decimals,
            )
            .unwrap(),
        ];
        self.process(&ixs, &[&mint]).await.unwrap();
        mint.pubkey()
    }

    /// A Token-2022 mint carrying `extensions`, initialised by `init_ixs` before the mint.
    pub async fn create_mint_2022_with(
        &mut self,
        decimals: u8,
        extensions: &[spl_token_2022::extension::ExtensionType],
        init_ixs: impl Fn(&Pubkey) -> Vec<Instruction>,
    ) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let space = spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
            spl_token_2022::state::Mint,
        >(extensions)
        .unwrap();
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let mut ixs = vec![system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent,
            space as u64,
            &TOKEN_2022,
        )];
        ixs.extend(init_ixs(&mint.pubkey()));
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(
                &TOKEN_2022,
                &mint.pubkey(),
                &payer.pubkey(),
                None,
                decimals,
            )
            .unwrap(),
        );
        self.process(&ixs, &[&mint]).await.unwrap();
        mint.pubkey()
    }

    pub async fn create_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        program: Pubkey,
    ) -> Pubkey {
        let acc = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let space = if program == TOKEN_2022 {
            // Token-2022 accounts of mints with extensions may need more room.
            let data = self.account(mint).await.unwrap().data;
            let state = spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data).unwrap();
            use spl_token_2022::extension::BaseStateWithExtensions;
            let mint_exts = state.get_extension_types().unwrap();
            let acct_exts =
                spl_token_2022::extension::ExtensionType::get_required_init_account_extensions(
                    &mint_exts,
                );
            spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
                spl_token_2022::state::Account,
            >(&acct_exts)
            .unwrap()
        } else {
            spl_token_2022::state::Account::LEN
        };
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &acc.pubkey(),
                rent,
                space as u64,
                &program,
            ),
            spl_token_2022::instruction::initialize_account3(&program, &acc.pubkey(), mint, owner)
                .unwrap(),
        ];
        self.process(&ixs, &[&acc]).await.unwrap();
        acc.pubkey()
    }

    pub async fn mint_to(&mut self, mint: &Pubkey, account: &Pubkey, amount: u64) {
        let program = self.account(mint).await.unwrap().owner;
        let payer = self.ctx.payer.insecure_clone();
        let ix = spl_token_2022::instruction::mint_to(
            &program,
            mint,
            account,
            &payer.pubkey(),
            &[],
            amount,
        )
        .unwrap();
        self.process(&[ix], &[]).await.unwrap();
    }

    /// A plain transfer signed by `owner` (used for donations).
    pub async fn transfer(
        &mut self,
        mint: &Pubkey,
        from: &Pubkey,
        to: &Pubkey,
        owner: &Keypair,
        amount: u64,
    ) {
        let program = self.account(mint).await.unwrap().owner;
        let decimals = self.mint_decimals(mint).await;
        let ix = spl_token_2022::instruction::transfer_checked(
            &program,
            from,
            mint,
            to,
            &owner.pubkey(),
            &[],
            amount,
            decimals,
        )
        .unwrap();
        self.process(&[ix], &[owner]).await.unwrap();
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.unwrap()
    }

    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        let data = self
            .account(token_account)
            .await
            .expect("token account")
            .data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Account>::unpack(
            &data,
        )
        .unwrap()
        .base
        .amount
    }

    pub async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self.account(mint).await.expect("mint").data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .unwrap()
            .base
            .supply
    }

    pub async fn mint_decimals(&mut self, mint: &Pubkey) -> u8 {
        let data = self.account(mint).await.expect("mint").data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .unwrap()
            .base
            .decimals
    }

    pub async fn share_supply(&mut self) -> u64 {
        let m = self.share_mint;
        self.supply(&m).await
    }

    pub async fn vault_state(&mut self) -> Vault {
        self.vault_state_of(&self.vault.clone()).await
    }

    pub async fn vault_state_of(&mut self, vault: &Pubkey) -> Vault {
        let data = self.account(vault).await.expect("vault account").data;
        *bytemuck::from_bytes::<Vault>(&data[8..8 + Vault::SIZE])
    }

    /// Overwrites the vault account's data through `f` (test set-up only).
    pub async fn patch_vault(&mut self, f: impl FnOnce(&mut Vault)) {
        let key = self.vault;
        let mut acc = self.account(&key).await.unwrap();
        let mut v = *bytemuck::from_bytes::<Vault>(&acc.data[8..8 + Vault::SIZE]);
        f(&mut v);
        acc.data[8..8 + Vault::SIZE].copy_from_slice(bytemuck::bytes_of(&v));
        self.ctx.set_account(&key, &AccountSharedData::from(acc));
    }

    /// Puts `amount` of asset `i` into the vault as if a rebalance had bought it: real tokens
    /// in the vault's token account and the same amount in internal accounting. Rebalancing
    /// instructions arrive with their own issue; this lets the accounting tests cover holdings.
    pub async fn give_holdings(&mut self, i: usize, amount: u64) {
        let (mint, ta) = (self.assets[i].mint, self.assets[i].vault_ta);
        self.mint_to(&mint, &ta, amount).await;
        self.patch_vault(|v| v.assets[i].holdings += amount).await;
    }

    // ---------------------------------------------------------------- assets and oracles

    /// Creates a mint and its oracle, then adds it as an asset with default limits.
    pub async fn create_and_add_asset(&mut self, format: OracleFormat) -> TxResult {
        let mint = self
            .create_mint(self.cfg.asset_decimals, SPL_TOKEN, None)
            .await;
        let idx = self.assets.len();
        let asset = self.new_test_asset(mint, SPL_TOKEN, format, idx).await;
        let args = default_asset_args(format, asset.oracle_id());
        self.add_prepared_asset(asset, args).await
    }

    /// A [`TestAsset`] for `mint` with an oracle account written at the config's price.
    pub async fn new_test_asset(
        &mut self,
        mint: Pubkey,
        program: Pubkey,
        format: OracleFormat,
        salt: usize,
    ) -> TestAsset {
        let decimals = self.mint_decimals(&mint).await;
        let now = self.now().await;
        let mut feed_id = [0u8; 32];
        feed_id[..8].copy_from_slice(&(salt as u64 + 1).to_le_bytes());
        feed_id[8..16].copy_from_slice(&mint.to_bytes()[..8]);
        let price = PriceState {
            price: self.cfg.asset_price,
            conf: (self.cfg.asset_price as u64) * self.cfg.conf_bps / 10_000,
            expo: self.cfg.expo,
            ema_price: self.cfg.asset_price,
            publish_time: now,
        };
        let asset = TestAsset {
            mint,
            decimals,
            token_program: program,
            vault_ta: vault_token_account(&self.vault, &mint),
            oracle: Pubkey::new_unique(),
            format,
            feed_id,
            price,
        };
        oracle::write(&mut self.ctx, &asset, &asset.price);
        asset
    }

    pub fn ix_add_asset(&self, asset: &TestAsset, args: AddAssetArgs) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::AddAsset {
                admin: self.admin.pubkey(),
                payer: self.ctx.payer.pubkey(),
                vault: self.vault,
                vault_authority: self.vault_authority,
                asset_mint: asset.mint,
                asset_vault: asset.vault_ta,
                token_program: asset.token_program,
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::AddAsset { args }.data(),
        }
    }

    pub async fn add_prepared_asset(&mut self, asset: TestAsset, args: AddAssetArgs) -> TxResult {
        let ix = self.ix_add_asset(&asset, args);
        let admin = self.admin.insecure_clone();
        self.process(&[ix], &[&admin]).await?;
        self.assets.push(asset);
        Ok(())
    }

    /// Rewrites asset `i`'s oracle account with `price`.
    pub fn set_price(&mut self, i: usize, price: PriceState) {
        self.assets[i].price = price;
        let a = self.assets[i].clone();
        oracle::write(&mut self.ctx, &a, &price);
    }

    /// Moves every oracle's publish time to now, keeping its price.
    pub async fn refresh_prices(&mut self) {
        let now = self.now().await;
        for i in 0..self.assets.len() {
            let mut p = self.assets[i].price;
            p.publish_time = now;
            self.set_price(i, p);
        }
    }

    /// Sets asset `i` to a new whole-token price (same exponent), conf and EMA following it.
    pub async fn move_price(&mut self, i: usize, new_price: i64) {
        let now = self.now().await;
        let p = PriceState {
            price: new_price,
            conf: new_price as u64 * self.cfg.conf_bps / 10_000,
            ema_price: new_price,
            publish_time: now,
            ..self.assets[i].price
        };
        self.set_price(i, p);
    }

    pub fn oracle_metas(&self) -> Vec<AccountMeta> {
        self.assets
            .iter()
            .map(|a| AccountMeta::new_readonly(a.oracle, false))
            .collect()
    }

    // ---------------------------------------------------------------- users

    pub async fn new_user(&mut self, base_amount: u64) -> User {
        let kp = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let ix = system_instruction::transfer(&payer.pubkey(), &kp.pubkey(), 1_000_000_000);
        self.process(&[ix], &[]).await.unwrap();
        let (base_mint, share_mint, prog) =
            (self.base_mint, self.share_mint, self.cfg.base_token_program);
        let base = self
            .create_token_account(&base_mint, &kp.pubkey(), prog)
            .await;
        if base_amount > 0 {
            self.mint_to(&base_mint, &base, base_amount).await;
        }
        let shares = self
            .create_token_account(&share_mint, &kp.pubkey(), SPL_TOKEN)
            .await;
        self.share_accounts.push(shares);
        let mut assets = vec![];
        for a in self.assets.clone() {
            assets.push(
                self.create_token_account(&a.mint, &kp.pubkey(), a.token_program)
                    .await,
            );
        }
        User {
            kp,
            base,
            shares,
            assets,
        }
    }

    // ---------------------------------------------------------------- vault instructions

    pub fn ix_deposit(&self, user: &User, amount: u64, min_shares_out: u64) -> Instruction {
        let mut accounts = portfolio_vault::accounts::Deposit {
            user: user.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            user_base: user.base,
            share_mint: self.share_mint,
            receiver_shares: user.shares,
            token_program: SPL_TOKEN,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.priced_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::Deposit {
                amount,
                min_shares_out,
            }
            .data(),
        }
    }

    pub async fn deposit(&mut self, user: &User, amount: u64, min_shares_out: u64) -> TxResult {
        let ix = self.ix_deposit(user, amount, min_shares_out);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    pub fn ix_withdraw(&self, user: &User, shares: u64, min_assets_out: u64) -> Instruction {
        let mut accounts = portfolio_vault::accounts::Withdraw {
            user: user.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            receiver_base: user.base,
            share_mint: self.share_mint,
            user_shares: user.shares,
            token_program: SPL_TOKEN,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.priced_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::Withdraw {
                shares,
                min_assets_out,
            }
            .data(),
        }
    }

    pub async fn withdraw(&mut self, user: &User, shares: u64, min_assets_out: u64) -> TxResult {
        let ix = self.ix_withdraw(user, shares, min_assets_out);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    pub fn redeem_remaining(&self, user: &User) -> Vec<AccountMeta> {
        let mut metas = vec![];
        for (i, a) in self.assets.iter().enumerate() {
            metas.push(AccountMeta::new(a.vault_ta, false));
            metas.push(AccountMeta::new(user.assets[i], false));
            metas.push(AccountMeta::new_readonly(a.mint, false));
        }
        if self.hedge.is_some() {
            metas.push(AccountMeta::new(self.hedge_claim(&user.key()), false));
        }
        metas
    }

    /// The user's claim account on the vault's margin account.
    pub fn hedge_claim(&self, owner: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(
            &[HEDGE_CLAIM_SEED, self.vault.as_ref(), owner.as_ref()],
            &portfolio_vault::ID,
        )
        .0
    }

    /// Oracles, then the hedge venue's exchange and margin account when the vault has one:
    /// the remaining accounts of every instruction that prices the vault.
    pub fn priced_metas(&self) -> Vec<AccountMeta> {
        let mut metas = self.oracle_metas();
        if let Some((exchange, margin)) = self.hedge {
            metas.push(AccountMeta::new_readonly(exchange, false));
            metas.push(AccountMeta::new_readonly(margin, false));
        }
        metas
    }

    pub fn ix_redeem_in_kind_with(
        &self,
        user: &User,
        shares: u64,
        remaining: Vec<AccountMeta>,
    ) -> Instruction {
        let mut accounts = portfolio_vault::accounts::RedeemInKind {
            user: user.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            user_base: user.base,
            share_mint: self.share_mint,
            user_shares: user.shares,
            token_program: SPL_TOKEN,
            token_2022_program: TOKEN_2022,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(remaining);
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::RedeemInKind { shares }.data(),
        }
    }

    pub fn ix_redeem_in_kind(&self, user: &User, shares: u64) -> Instruction {
        self.ix_redeem_in_kind_with(user, shares, self.redeem_remaining(user))
    }

    pub async fn redeem_in_kind(&mut self, user: &User, shares: u64) -> TxResult {
        let ix = self.ix_redeem_in_kind(user, shares);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    pub fn ix_accrue_fees(&self) -> Instruction {
        let mut accounts = portfolio_vault::accounts::AccrueFees {
            vault: self.vault,
            vault_authority: self.vault_authority,
            share_mint: self.share_mint,
            fee_recipient_shares: self.fee_shares,
            token_program: SPL_TOKEN,
        }
        .to_account_metas(None);
        accounts.extend(self.priced_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::AccrueFees {}.data(),
        }
    }

    pub async fn accrue_fees(&mut self) -> TxResult {
        let ix = self.ix_accrue_fees();
        self.process(&[ix], &[]).await
    }

    pub fn ix_set_pause(&self, signer: &Pubkey, flags: u8) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::SetPause {
                admin: *signer,
                vault: self.vault,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::SetPause { flags }.data(),
        }
    }

    pub async fn set_pause(&mut self, flags: u8) -> TxResult {
        let admin = self.admin.insecure_clone();
        let ix = self.ix_set_pause(&admin.pubkey(), flags);
        self.process(&[ix], &[&admin]).await
    }

    pub fn ix_sweep_surplus(
        &self,
        signer: &Pubkey,
        mint: &Pubkey,
        program: Pubkey,
        from: &Pubkey,
        to: &Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::SweepSurplus {
                admin: *signer,
                vault: self.vault,
                vault_authority: self.vault_authority,
                mint: *mint,
                vault_token_account: *from,
                destination: *to,
                token_program: program,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::SweepSurplus {}.data(),
        }
    }

    // ---------------------------------------------------------------- governance

    pub fn proposal_pda(&self, id: u64) -> Pubkey {
        Pubkey::find_program_address(
            &[PROPOSAL_SEED, self.vault.as_ref(), &id.to_le_bytes()],
            &portfolio_vault::ID,
        )
        .0
    }

    pub fn ix_propose(&self, signer: &Pubkey, id: u64, change: ParamChange) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::ProposeChange {
                admin: *signer,
                payer: self.ctx.payer.pubkey(),
                vault: self.vault,
                proposal: self.proposal_pda(id),
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::ProposeChange { id, change }.data(),
        }
    }

    /// Proposes `change` as the admin; returns its id.
    pub async fn propose(&mut self, change: ParamChange) -> Result<u64, BanksClientError> {
        let id = self.vault_state().await.next_proposal_id;
        let admin = self.admin.insecure_clone();
        let ix = self.ix_propose(&admin.pubkey(), id, change);
        self.process(&[ix], &[&admin]).await.map(|_| id)
    }

    pub fn ix_cancel(&self, signer: &Pubkey, id: u64) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::CancelProposal {
                signer: *signer,
                vault: self.vault,
                proposal: self.proposal_pda(id),
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::CancelProposal {}.data(),
        }
    }

    /// `apply_proposal`, with the risk account when `with_risk`.
    pub fn ix_apply(&self, id: u64, with_risk: bool) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::ApplyProposal {
                vault: self.vault,
                proposal: self.proposal_pda(id),
                risk: with_risk.then(|| self.risk()),
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::ApplyProposal {}.data(),
        }
    }

    pub async fn apply(&mut self, id: u64) -> TxResult {
        let ix = self.ix_apply(id, false);
        self.process(&[ix], &[]).await
    }

    pub fn ix_derisk(&self, signer: &Pubkey, action: DeriskAction) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::Derisk {
                signer: *signer,
                vault: self.vault,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::Derisk { action }.data(),
        }
    }

    pub async fn derisk(&mut self, signer: &Keypair, action: DeriskAction) -> TxResult {
        let ix = self.ix_derisk(&signer.pubkey(), action);
        self.process(&[ix], &[signer]).await
    }

    pub fn ix_accept_admin(&self, signer: &Pubkey) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::AcceptAdmin {
                new_admin: *signer,
                vault: self.vault,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::AcceptAdmin {}.data(),
        }
    }

    pub async fn proposal(&mut self, id: u64) -> Proposal {
        use anchor_lang::AccountDeserialize;
        let key = self.proposal_pda(id);
        let data = self.account(&key).await.expect("proposal account").data;
        Proposal::try_deserialize(&mut &data[..]).unwrap()
    }

    // ---------------------------------------------------------------- risk engine

    pub fn risk(&self) -> Pubkey {
        Pubkey::find_program_address(&[RISK_SEED, self.vault.as_ref()], &portfolio_vault::ID).0
    }

    /// Inverse volatility, hourly samples, 3-sample warm-up, equal fixed weights.
    pub fn default_risk_args(&self) -> RiskParamsArgs {
        let n = self.assets.len().max(1) as u16;
        let mut fixed = [0u16; MAX_ASSETS];
        for w in fixed.iter_mut().take(self.assets.len()) {
            *w = 10_000 / n;
        }
        RiskParamsArgs {
            strategy: 1,
            ewma_decay_bps: 9_400,
            ewma_short_decay_bps: 7_000,
            shrinkage_bps: 0,
            regime_ratio_bps: 15_000,
            regime_vol_scale_bps: 5_000,
            vol_target_bps: 0,
            min_interval_s: 3_600,
            min_samples: 3,
            fixed_weights_bps: fixed,
        }
    }

    pub fn ix_initialize_risk(&self, admin: &Pubkey, args: RiskParamsArgs) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::InitializeRisk {
                admin: *admin,
                payer: self.ctx.payer.pubkey(),
                vault: self.vault,
                risk: self.risk(),
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::InitializeRisk { args }.data(),
        }
    }

    pub async fn initialize_risk(&mut self, args: RiskParamsArgs) -> TxResult {
        let admin = self.admin.insecure_clone();
        let ix = self.ix_initialize_risk(&admin.pubkey(), args);
        self.process(&[ix], &[&admin]).await
    }

    pub fn ix_update_risk(&self) -> Instruction {
        let mut accounts = portfolio_vault::accounts::UpdateRisk {
            vault: self.vault,
            risk: self.risk(),
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::UpdateRisk {}.data(),
        }
    }

    pub async fn update_risk(&mut self) -> TxResult {
        let ix = self.ix_update_risk();
        self.process(&[ix], &[]).await
    }

    pub fn ix_compute_targets(&self) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::ComputeTargets {
                vault: self.vault,
                risk: self.risk(),
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::ComputeTargets {}.data(),
        }
    }

    pub async fn compute_targets(&mut self) -> TxResult {
        let ix = self.ix_compute_targets();
        self.process(&[ix], &[]).await
    }

    pub async fn risk_state(&mut self) -> RiskState {
        let key = self.risk();
        let data = self.account(&key).await.expect("risk account").data;
        *bytemuck::from_bytes::<RiskState>(&data[8..8 + RiskState::SIZE])
    }

    /// Moves the clock by `secs`, multiplies every asset's price by `factors` (EMA follows),
    /// and samples the risk model.
    pub async fn step_prices(&mut self, secs: i64, factors: &[f64]) -> TxResult {
        self.warp_seconds(secs).await;
        for (i, f) in factors.iter().enumerate() {
            let p = (self.assets[i].price.price as f64 * f).round() as i64;
            self.move_price(i, p).await;
        }
        self.update_risk().await
    }

    // ---------------------------------------------------------------- invariants and snapshots

    /// The global invariants of SECURITY.md: share supply equals the sum of every share
    /// balance (dead and fee shares included), and internal accounting never exceeds the real
    /// token balances.
    pub async fn check_invariants(&mut self) {
        let supply = self.share_supply().await;
        let mut sum = 0u64;
        for acc in self.share_accounts.clone() {
            sum += self.balance(&acc).await;
        }
        assert_eq!(
            supply, sum,
            "share supply must equal the sum of all share balances"
        );
        let v = self.vault_state().await;
        let base_vault = self.base_vault;
        let base_balance = self.balance(&base_vault).await;
        assert!(
            v.idle_base <= base_balance,
            "idle_base {} > base balance {}",
            v.idle_base,
            base_balance
        );
        for (i, a) in self.assets.clone().iter().enumerate() {
            let bal = self.balance(&a.vault_ta).await;
            assert!(
                v.assets[i].holdings <= bal,
                "asset {i}: holdings {} > balance {}",
                v.assets[i].holdings,
                bal
            );
        }
        v.invariant().expect("vault invariant");
    }

    /// Raw bytes and lamports of the vault, its token accounts, the share mint and `extra`.
    pub async fn snapshot(&mut self, extra: &[Pubkey]) -> Snapshot {
        let mut keys = vec![self.vault, self.base_vault, self.share_mint];
        keys.extend(self.assets.iter().map(|a| a.vault_ta));
        keys.extend(self.share_accounts.iter().copied());
        keys.extend_from_slice(extra);
        let mut accounts = vec![];
        for k in keys {
            accounts.push((k, self.account(&k).await));
        }
        Snapshot { accounts }
    }

    pub async fn assert_unchanged(&mut self, before: &Snapshot) {
        for (k, acc) in &before.accounts {
            let now = self.account(k).await;
            assert_eq!(
                &now, acc,
                "account {k} changed although the transaction failed"
            );
        }
        self.check_invariants().await;
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub accounts: Vec<(Pubkey, Option<Account>)>,
}

/// The custom error code a failed transaction returned.
pub fn custom_code(res: &TxResult) -> u32 {
    match res {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(c),
        ))) => *c,
        Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
            ..
        }) => *c,
        other => panic!("expected a custom program error, got {other:?}"),
    }
}

pub fn vault_code(e: VaultError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

#[track_caller]
pub fn assert_vault_error(res: TxResult, e: VaultError) {
    let code = custom_code(&res);
    assert_eq!(
        code,
        vault_code(e),
        "expected {e:?} ({}), got code {code}",
        vault_code(e)
    );
}

#[track_caller]
pub fn assert_anchor_error(res: TxResult, e: anchor_lang::error::ErrorCode) {
    let code = custom_code(&res);
    assert_eq!(
        code, e as u32,
        "expected anchor {e:?} ({}), got code {code}",
        e as u32
    );
}

/// A failure that is not a custom code (e.g. a missing signature or an account check of the
/// runtime): returns the instruction error.
pub fn instruction_error(res: &TxResult) -> InstructionError {
    match res {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(_, e))) => {
            e.clone()
        }
        other => panic!("expected an instruction error, got {other:?}"),
    }
}
