//! `vault`: the depositor and governance CLI. Commands are plain functions over a
//! [`ChainClient`], so the same code runs against a cluster (RPC) and in tests (in-process).
//! Every command prints text or, with `--output json`, one JSON object; with `--sign-only` a
//! transaction is printed unsigned (base64) for a multisig to sign instead of being sent.
#![allow(clippy::result_large_err)]

pub mod args;
pub mod commands;
pub mod files;
pub mod parse;

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;
use vault_client::chain::{build_transaction, unsigned_message};
use vault_client::portfolio_vault::state::{AddAssetArgs, ParamChange};
use vault_client::{ChainClient, ClientError, OracleAddresses, VaultSnapshot};

pub use args::{Cli, Cmd, Output};
pub use commands::governance::param_change;
pub use commands::show::{render, show};
use commands::{governance, user};
use parse::other;
pub use parse::{gate_mask, parse_amount, pubkey};

/// Who signs and pays, and where transactions go.
pub struct Ctx<'c> {
    pub chain: &'c dyn ChainClient,
    pub signer: Option<Keypair>,
    /// The signer's address (the keypair's, or `--signer` for `--sign-only`).
    pub me: Pubkey,
    pub sign_only: bool,
    pub oracles: OracleAddresses,
    /// Address lookup tables every transaction goes through (v0 when any): an exit in kind
    /// from more than about 8 assets names more accounts than a legacy transaction holds.
    pub tables: Vec<AddressLookupTableAccount>,
}

impl Ctx<'_> {
    /// Sends `ixs` with a compute-unit limit from the measured budget
    /// (`vault_client::compute::with_limit`) through the lookup tables (or, with
    /// `--sign-only`, returns them unsigned as base64).
    pub fn submit(&self, ixs: &[Instruction]) -> Result<Value, ClientError> {
        let ixs = &vault_client::compute::with_limit(ixs)[..];
        let accounts = solana_message::Message::new(ixs, Some(&self.me))
            .account_keys
            .len();
        if self.tables.is_empty() && accounts >= vault_client::chain::MAX_LEGACY_ACCOUNTS {
            return Err(other(format!(
                "the transaction names {accounts} accounts; a legacy transaction holds fewer than {}: pass --lookup-table (`vault lookup-table` creates one for the vault)",
                vault_client::chain::MAX_LEGACY_ACCOUNTS
            )));
        }
        let bh = self.chain.latest_blockhash()?;
        if self.sign_only {
            let msg = unsigned_message(&self.me, ixs, bh, &self.tables)?;
            let tx = vault_client::chain::VersionedTransaction {
                signatures: vec![Default::default(); msg.header().num_required_signatures as usize],
                message: msg,
            };
            let bytes = bincode::serialize(&tx).map_err(|e| other(e.to_string()))?;
            use base64::Engine;
            return Ok(json!({
                "unsigned_transaction": base64::engine::general_purpose::STANDARD.encode(bytes),
                "blockhash": bh.to_string(),
                "signer": self.me.to_string(),
            }));
        }
        let kp = self
            .signer
            .as_ref()
            .ok_or_else(|| other("no keypair: pass --keypair (or --sign-only)"))?;
        let tx = build_transaction(&kp.pubkey(), ixs, &[kp], bh, &self.tables)?;
        let sig = self.chain.send_and_confirm(&tx)?;
        Ok(json!({ "signature": sig.to_string() }))
    }

    /// The signer's associated token account of `mint` (with its token program), and the
    /// instruction creating it when it is missing: it goes in the command's own transaction,
    /// so a refused command leaves no account behind.
    pub fn own_account(
        &self,
        mint: Pubkey,
        program: Pubkey,
    ) -> Result<(Pubkey, Option<Instruction>), ClientError> {
        use vault_client::{ix::token::create_associated_idempotent, pda::associated_token};
        let key = associated_token(&self.me, &mint, &program);
        let create = match self.chain.get_account(&key)? {
            Some(_) => None,
            None => Some(create_associated_idempotent(
                self.me, self.me, mint, program,
            )),
        };
        Ok((key, create))
    }

    /// The signer's associated token accounts of `mints`, the missing ones created first in
    /// transactions of their own, eight to one (an exit in kind from many assets has no room
    /// for them). With `--sign-only` nothing is sent: a missing account is an error.
    pub fn own_accounts(&self, mints: &[(Pubkey, Pubkey)]) -> Result<Vec<Pubkey>, ClientError> {
        let mut keys = vec![];
        let mut missing = vec![];
        for (m, p) in mints {
            let (key, create) = self.own_account(*m, *p)?;
            keys.push(key);
            missing.extend(create);
        }
        if self.sign_only && !missing.is_empty() {
            return Err(other(format!(
                "the signer {} has no token account for mint {}: create its associated accounts first",
                self.me, missing[0].accounts[3].pubkey
            )));
        }
        for chunk in missing.chunks(8) {
            self.submit(chunk)?;
        }
        Ok(keys)
    }

    pub fn snapshot(&self, vault: Pubkey) -> Result<VaultSnapshot, ClientError> {
        VaultSnapshot::load(self.chain, vault, &self.oracles)
    }
}

/// Runs one command; returns what it prints (as JSON; `render` makes text of it).
pub fn execute(cmd: &Cmd, ctx: &Ctx, vault: Option<Pubkey>) -> Result<Value, ClientError> {
    let need_vault = || vault.ok_or_else(|| other("no vault: pass --vault or set VAULT_ADDRESS"));
    match cmd {
        Cmd::Init { config } => governance::init(ctx, config),
        Cmd::AddAsset {
            mint,
            oracle_kind,
            oracle_id,
            max_age_s,
            max_conf_bps,
            max_ema_dev_bps,
            min_weight_bps,
            max_weight_bps,
        } => {
            let limits = AddAssetArgs {
                oracle_kind: 0,
                oracle_id: [0; 32],
                max_age_s: *max_age_s,
                max_conf_bps: *max_conf_bps,
                max_ema_dev_bps: *max_ema_dev_bps,
                min_weight_bps: *min_weight_bps,
                max_weight_bps: *max_weight_bps,
            };
            governance::add_asset(ctx, need_vault()?, mint, (oracle_kind, oracle_id), limits)
        }
        Cmd::Deposit {
            amount,
            min_shares,
            from,
            shares_account,
        } => user::deposit(
            ctx,
            need_vault()?,
            amount,
            *min_shares,
            from,
            shares_account,
        ),
        Cmd::Withdraw {
            amount,
            shares,
            min_out,
            to,
            shares_account,
        } => {
            let input = user::exit_input(amount, *shares)?;
            user::withdraw(ctx, need_vault()?, input, *min_out, to, shares_account)
        }
        Cmd::RedeemInKind {
            shares,
            shares_account,
        } => user::redeem_in_kind(ctx, need_vault()?, shares, shares_account),
        Cmd::RequestWithdraw {
            amount,
            shares,
            min_owed,
            to,
            shares_account,
        } => {
            let input = user::exit_input(amount, *shares)?;
            user::request_withdraw(ctx, need_vault()?, input, *min_owed, to, shares_account)
        }
        Cmd::Claim { id } => user::claim(ctx, need_vault()?, *id),
        Cmd::CancelWithdraw { id, shares_account } => {
            user::cancel_withdraw(ctx, need_vault()?, *id, shares_account)
        }
        Cmd::Position { owner } => {
            let owner = owner
                .as_deref()
                .map(|o| pubkey(o, "--owner"))
                .transpose()?
                .unwrap_or(ctx.me);
            user::position(ctx, need_vault()?, owner)
        }
        Cmd::Show => show(ctx, need_vault()?),
        Cmd::LookupTable => governance::lookup_table(ctx, need_vault()?),
        Cmd::Propose { change, fields } => {
            let vault = need_vault()?;
            governance::propose(ctx, vault, param_change(change, fields, &vault)?)
        }
        Cmd::Derisk { action, fields } => {
            let action = parse::tagged("derisk", action, fields)?;
            governance::derisk(ctx, need_vault()?, action)
        }
        Cmd::Apply { id } => governance::apply(ctx, need_vault()?, *id),
        Cmd::Cancel { id } => governance::cancel(ctx, need_vault()?, *id),
        Cmd::Pause { gates } => governance::pause(ctx, need_vault()?, gates),
        Cmd::SetPause { gates } => governance::set_pause(ctx, need_vault()?, gates),
        Cmd::NominateAdmin { new_admin } => {
            let change = ParamChange::NominateAdmin(pubkey(new_admin, "new admin")?);
            governance::propose(ctx, need_vault()?, change)
        }
        Cmd::AcceptAdmin => governance::accept_admin(ctx, need_vault()?),
    }
}

/// An error as the CLI prints it: the program's error name and message when it is one.
pub fn error_message(e: &ClientError) -> String {
    match e {
        ClientError::Program(p) => format!(
            "the {} program refused: {} ({}, code {})",
            p.program, p.msg, p.name, p.code
        ),
        other => other.to_string(),
    }
}
