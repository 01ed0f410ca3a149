//! `vault`: the depositor and governance CLI. Commands are plain functions over a
//! [`ChainClient`], so the same code runs against a cluster (RPC) and in tests (in-process).
//! Every command prints text or, with `--output json`, one JSON object; with `--sign-only` a
//! transaction is printed unsigned (base64) for a multisig to sign instead of being sent.
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::Pubkey;
use clap::{Parser, Subcommand, ValueEnum};
use serde::Deserialize;
use serde_json::{json, Value};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::str::FromStr;
use vault_client::chain::{build_transaction, unsigned_message};
use vault_client::portfolio_vault::constants::*;
use vault_client::portfolio_vault::instructions::{
    AddAssetArgs, InitializeVaultArgs, RiskParamsArgs,
};
use vault_client::portfolio_vault::math::nav::PriceSide;
use vault_client::portfolio_vault::state::{
    DeriskAction, HedgeParamsArgs, OracleKind, ParamChange, Proposal, ProposalStatus,
    RebalanceParamsArgs,
};
use vault_client::{
    decode, ix, oracle, pda, ChainClient, ClientError, OracleAddresses, VaultSnapshot,
};

#[derive(Parser, Debug)]
#[command(
    name = "vault",
    about = "Deposit, withdraw, inspect and govern a portfolio vault"
)]
pub struct Cli {
    /// JSON RPC endpoint.
    #[arg(
        long,
        global = true,
        env = "VAULT_RPC_URL",
        default_value = "http://127.0.0.1:8899"
    )]
    pub url: String,
    /// Keypair file of the signer (and fee payer).
    #[arg(long, global = true, env = "VAULT_KEYPAIR")]
    pub keypair: Option<String>,
    /// The vault's address.
    #[arg(long, global = true, env = "VAULT_ADDRESS")]
    pub vault: Option<String>,
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Print the transaction unsigned (base64) for a multisig instead of sending it.
    #[arg(long, global = true)]
    pub sign_only: bool,
    /// The signer of a `--sign-only` transaction when no keypair is at hand (e.g. a multisig vault).
    #[arg(long, global = true)]
    pub signer: Option<String>,
    /// Price account of a pull-oracle feed that is not Pyth's default push feed: FEED_HEX=ADDRESS.
    #[arg(long = "oracle", global = true)]
    pub oracles: Vec<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a vault from a TOML file (vault, assets, risk parameters).
    Init { config: String },
    /// Adds an asset (admin).
    AddAsset {
        #[arg(long)]
        mint: String,
        /// pull (PriceUpdateV2 feed id, hex) or legacy (price account address).
        #[arg(long)]
        oracle_kind: String,
        #[arg(long)]
        oracle_id: String,
        #[arg(long, default_value_t = 60)]
        max_age_s: u32,
        #[arg(long, default_value_t = 100)]
        max_conf_bps: u16,
        #[arg(long, default_value_t = 500)]
        max_ema_dev_bps: u16,
        #[arg(long, default_value_t = 0)]
        min_weight_bps: u16,
        #[arg(long, default_value_t = 10_000)]
        max_weight_bps: u16,
    },
    /// Deposits base tokens (AMOUNT in whole tokens, e.g. 100.5) for shares.
    Deposit {
        amount: String,
        /// Refuse if fewer shares would be minted (default: the preview less 0.5 %).
        #[arg(long)]
        min_shares: Option<u64>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Burns shares for base tokens from the idle buffer.
    Withdraw {
        /// Shares (base units of the share mint) or `all`.
        shares: String,
        #[arg(long)]
        min_out: Option<u64>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Burns shares for a pro-rata slice of every holding (needs no oracle; works while paused).
    RedeemInKind {
        shares: String,
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// NAV, share price, per-asset price, weight, target and delta; risk; hedge; governance.
    Show,
    /// Proposes a timelocked change (admin).
    Propose {
        #[command(subcommand)]
        change: ChangeCmd,
    },
    /// Applies a matured proposal (anyone).
    Apply { id: u64 },
    /// Cancels a pending proposal (admin or guardian).
    Cancel { id: u64 },
    /// Closes instruction gates at once (admin or guardian): deposits, update-risk,
    /// compute-targets, rebalance, hedge, all.
    Pause { gates: Vec<String> },
    /// Sets the gates exactly, reopening the ones not named (admin only).
    SetPause { gates: Vec<String> },
    /// Proposes a new admin (timelocked); the nominee then runs `accept-admin`.
    NominateAdmin { new_admin: String },
    /// Accepts the admin role (the nominee signs).
    AcceptAdmin,
}

#[derive(Subcommand, Debug)]
pub enum ChangeCmd {
    Fees {
        management_bps: u16,
        performance_bps: u16,
    },
    DepositLimits {
        cap: u64,
        min: u64,
    },
    AssetOracle {
        index: u8,
        max_age_s: u32,
        max_conf_bps: u16,
        max_ema_dev_bps: u16,
    },
    AssetWeights {
        index: u8,
        min_bps: u16,
        max_bps: u16,
    },
    Guardian {
        key: String,
    },
    FeeRecipient {
        key: String,
    },
    Timelock {
        seconds: u32,
    },
    AddVenue {
        program: String,
        #[arg(long, default_value_t = 0)]
        kind: u8,
        #[arg(long)]
        fee_bps: u16,
    },
    HedgeVenue {
        program: String,
        exchange: String,
    },
    /// Rebalancing limits from a TOML file (every field of `RebalanceParamsArgs`).
    Rebalance {
        file: String,
    },
    /// Hedging limits from a TOML file (every field of `HedgeParamsArgs`).
    Hedge {
        file: String,
    },
    /// Risk parameters from a TOML file (every field of `RiskParamsArgs`).
    Risk {
        file: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RebalanceFile {
    band_bps: u16,
    max_slippage_bps: u16,
    min_trade_bps: u16,
    notional_cap_bps: u16,
    slippage_budget_bps: u16,
    bounty_share_bps: u16,
    cap_interval_s: u32,
    budget_period_s: u32,
    cooldown_s: u32,
    max_targets_age_s: u32,
    tracking_aversion_bps: u32,
    bounty_cap_per_call: u64,
    bounty_cap_per_interval: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HedgeFile {
    mode: u8,
    max_leverage_bps: u16,
    min_margin_ratio_bps: u16,
    max_collateral_bps: u16,
    delta_band_bps: u16,
    hedge_ratio_bps: u16,
    max_fee_bps: u16,
    cooldown_s: u32,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RiskFile {
    pub strategy: u8,
    pub ewma_decay_bps: u16,
    pub ewma_short_decay_bps: u16,
    pub shrinkage_bps: u16,
    pub regime_ratio_bps: u16,
    pub regime_vol_scale_bps: u16,
    pub vol_target_bps: u32,
    pub min_interval_s: u32,
    pub min_samples: u32,
    pub fixed_weights_bps: Vec<u16>,
}

impl RiskFile {
    pub fn args(&self) -> Result<RiskParamsArgs, String> {
        if self.fixed_weights_bps.len() > MAX_ASSETS {
            return Err(format!("fixed_weights_bps: at most {MAX_ASSETS} weights"));
        }
        let mut fixed = [0u16; MAX_ASSETS];
        fixed[..self.fixed_weights_bps.len()].copy_from_slice(&self.fixed_weights_bps);
        Ok(RiskParamsArgs {
            strategy: self.strategy,
            ewma_decay_bps: self.ewma_decay_bps,
            ewma_short_decay_bps: self.ewma_short_decay_bps,
            shrinkage_bps: self.shrinkage_bps,
            regime_ratio_bps: self.regime_ratio_bps,
            regime_vol_scale_bps: self.regime_vol_scale_bps,
            vol_target_bps: self.vol_target_bps,
            min_interval_s: self.min_interval_s,
            min_samples: self.min_samples,
            fixed_weights_bps: fixed,
        })
    }
}

/// `vault init`'s file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitFile {
    pub base_mint: String,
    /// The creator's base-token account the initial deposit comes from.
    pub creator_base: String,
    #[serde(default)]
    pub seed_id: u64,
    pub admin: String,
    pub guardian: String,
    pub fee_recipient: String,
    pub timelock_s: u32,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    pub initial_deposit: u64,
    #[serde(default)]
    pub assets: Vec<AssetFile>,
    pub risk: Option<RiskFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetFile {
    pub mint: String,
    pub oracle_kind: String,
    pub oracle_id: String,
    pub max_age_s: u32,
    pub max_conf_bps: u16,
    pub max_ema_dev_bps: u16,
    pub min_weight_bps: u16,
    pub max_weight_bps: u16,
}

pub fn pubkey(s: &str, what: &str) -> Result<Pubkey, ClientError> {
    Pubkey::from_str(s)
        .map_err(|e| ClientError::Other(format!("{what}: {s} is not an address ({e})")))
}

fn other(msg: impl Into<String>) -> ClientError {
    ClientError::Other(msg.into())
}

/// Parses a decimal amount of whole tokens into base units (`1.5` at 6 decimals = 1500000).
pub fn parse_amount(s: &str, decimals: u8) -> Result<u64, ClientError> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > decimals as usize || int.is_empty() && frac.is_empty() {
        return Err(other(format!("amount {s}: at most {decimals} decimals")));
    }
    let digits = format!("{int}{frac:0<width$}", width = decimals as usize);
    digits.parse::<u64>().map_err(|_| {
        other(format!(
            "amount {s} is not a number of tokens that fits u64"
        ))
    })
}

/// The gate mask of names.
pub fn gate_mask(names: &[String]) -> Result<u8, ClientError> {
    let mut m = 0u8;
    for n in names {
        m |= match n.as_str() {
            "deposits" => PAUSE_DEPOSITS,
            "update-risk" => PAUSE_UPDATE_RISK,
            "compute-targets" => PAUSE_COMPUTE_TARGETS,
            "rebalance" => PAUSE_REBALANCE,
            "hedge" => PAUSE_HEDGE,
            "all" => PAUSE_ALL_FLAGS,
            other => return Err(ClientError::Other(format!("unknown gate {other}: deposits, update-risk, compute-targets, rebalance, hedge, all"))),
        };
    }
    Ok(m)
}

fn oracle_args(kind: &str, id: &str) -> Result<(u8, [u8; 32]), ClientError> {
    match kind {
        "pull" => Ok((
            OracleKind::PullV2 as u8,
            oracle::feed_id_from_hex(id).map_err(|e| other(format!("feed id {id}: {e}")))?,
        )),
        "legacy" => Ok((
            OracleKind::Legacy as u8,
            pubkey(id, "legacy price account")?.to_bytes(),
        )),
        k => Err(other(format!("oracle kind {k}: pull or legacy"))),
    }
}

#[allow(clippy::too_many_arguments)]
fn asset_args(
    kind: &str,
    id: &str,
    max_age_s: u32,
    max_conf_bps: u16,
    max_ema_dev_bps: u16,
    min_weight_bps: u16,
    max_weight_bps: u16,
) -> Result<AddAssetArgs, ClientError> {
    let (oracle_kind, oracle_id) = oracle_args(kind, id)?;
    Ok(AddAssetArgs {
        oracle_kind,
        oracle_id,
        max_age_s,
        max_conf_bps,
        max_ema_dev_bps,
        min_weight_bps,
        max_weight_bps,
    })
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &str) -> Result<T, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|e| other(format!("reading {path}: {e}")))?;
    toml::from_str(&text).map_err(|e| other(format!("{path}: {e}")))
}

/// The `ParamChange` a `propose` subcommand names.
pub fn param_change(c: &ChangeCmd, vault: &Pubkey) -> Result<ParamChange, ClientError> {
    Ok(match c {
        ChangeCmd::Fees {
            management_bps,
            performance_bps,
        } => ParamChange::Fees {
            management_fee_bps: *management_bps,
            performance_fee_bps: *performance_bps,
        },
        ChangeCmd::DepositLimits { cap, min } => ParamChange::DepositLimits {
            deposit_cap: *cap,
            min_deposit: *min,
        },
        ChangeCmd::AssetOracle {
            index,
            max_age_s,
            max_conf_bps,
            max_ema_dev_bps,
        } => ParamChange::AssetOracle {
            index: *index,
            max_age_s: *max_age_s,
            max_conf_bps: *max_conf_bps,
            max_ema_dev_bps: *max_ema_dev_bps,
        },
        ChangeCmd::AssetWeights {
            index,
            min_bps,
            max_bps,
        } => ParamChange::AssetWeights {
            index: *index,
            min_weight_bps: *min_bps,
            max_weight_bps: *max_bps,
        },
        ChangeCmd::Guardian { key } => ParamChange::Guardian(pubkey(key, "guardian")?),
        ChangeCmd::FeeRecipient { key } => ParamChange::FeeRecipient(pubkey(key, "fee recipient")?),
        ChangeCmd::Timelock { seconds } => ParamChange::Timelock(*seconds),
        ChangeCmd::AddVenue {
            program,
            kind,
            fee_bps,
        } => ParamChange::AddVenue {
            program_id: pubkey(program, "venue program")?,
            kind: *kind,
            fee_bps: *fee_bps,
        },
        ChangeCmd::HedgeVenue { program, exchange } => {
            let exchange = pubkey(exchange, "exchange")?;
            ParamChange::HedgeVenue {
                program_id: pubkey(program, "hedge program")?,
                exchange,
                margin_account: pda::perp::margin(&exchange, &pda::authority(vault)),
            }
        }
        ChangeCmd::Rebalance { file } => {
            let f: RebalanceFile = read_toml(file)?;
            ParamChange::Rebalance(RebalanceParamsArgs {
                band_bps: f.band_bps,
                max_slippage_bps: f.max_slippage_bps,
                min_trade_bps: f.min_trade_bps,
                notional_cap_bps: f.notional_cap_bps,
                slippage_budget_bps: f.slippage_budget_bps,
                bounty_share_bps: f.bounty_share_bps,
                cap_interval_s: f.cap_interval_s,
                budget_period_s: f.budget_period_s,
                cooldown_s: f.cooldown_s,
                max_targets_age_s: f.max_targets_age_s,
                tracking_aversion_bps: f.tracking_aversion_bps,
                bounty_cap_per_call: f.bounty_cap_per_call,
                bounty_cap_per_interval: f.bounty_cap_per_interval,
            })
        }
        ChangeCmd::Hedge { file } => {
            let f: HedgeFile = read_toml(file)?;
            ParamChange::Hedge(HedgeParamsArgs {
                mode: f.mode,
                max_leverage_bps: f.max_leverage_bps,
                min_margin_ratio_bps: f.min_margin_ratio_bps,
                max_collateral_bps: f.max_collateral_bps,
                delta_band_bps: f.delta_band_bps,
                hedge_ratio_bps: f.hedge_ratio_bps,
                max_fee_bps: f.max_fee_bps,
                cooldown_s: f.cooldown_s,
            })
        }
        ChangeCmd::Risk { file } => {
            ParamChange::RiskParams(read_toml::<RiskFile>(file)?.args().map_err(other)?)
        }
    })
}

/// Who signs and pays, and where transactions go.
pub struct Ctx<'c> {
    pub chain: &'c dyn ChainClient,
    pub signer: Option<Keypair>,
    /// The signer's address (the keypair's, or `--signer` for `--sign-only`).
    pub me: Pubkey,
    pub sign_only: bool,
    pub oracles: OracleAddresses,
}

impl Ctx<'_> {
    /// Sends `ixs` (or, with `--sign-only`, returns them unsigned as base64).
    pub fn submit(&self, ixs: &[Instruction]) -> Result<Value, ClientError> {
        let bh = self.chain.latest_blockhash()?;
        if self.sign_only {
            let msg = unsigned_message(&self.me, ixs, bh, &[])?;
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
        let tx = build_transaction(&kp.pubkey(), ixs, &[kp], bh, &[])?;
        let sig = self.chain.send_and_confirm(&tx)?;
        Ok(json!({ "signature": sig.to_string() }))
    }

    pub fn snapshot(&self, vault: Pubkey) -> Result<VaultSnapshot, ClientError> {
        VaultSnapshot::load(self.chain, vault, &self.oracles)
    }
}

fn token_account_of(
    ctx: &Ctx,
    given: &Option<String>,
    mint: &Pubkey,
    program: &Pubkey,
    what: &str,
) -> Result<Pubkey, ClientError> {
    match given {
        Some(s) => pubkey(s, what),
        None => Ok(vault_keeper::keeper::associated_token_account(
            &ctx.me, mint, program,
        )),
    }
}

fn amount_of(ctx: &Ctx, account: &Pubkey) -> Result<u64, ClientError> {
    Ok(decode::token_account(&ctx.chain.account(account)?.data)?.amount)
}

fn shares_arg(ctx: &Ctx, s: &str, account: &Pubkey) -> Result<u64, ClientError> {
    if s == "all" {
        amount_of(ctx, account)
    } else {
        s.parse().map_err(|_| {
            other(format!(
                "shares {s}: a whole number of share units, or `all`"
            ))
        })
    }
}

/// Runs one command; returns what it prints (as JSON; `render` makes text of it).
pub fn execute(cmd: &Cmd, ctx: &Ctx, vault: Option<Pubkey>) -> Result<Value, ClientError> {
    let need_vault = || vault.ok_or_else(|| other("no vault: pass --vault or set VAULT_ADDRESS"));
    match cmd {
        Cmd::Init { config } => {
            let f: InitFile = read_toml(config)?;
            let base_mint = pubkey(&f.base_mint, "base_mint")?;
            let base_program = ctx.chain.account(&base_mint)?.owner;
            let args = InitializeVaultArgs {
                seed_id: f.seed_id,
                admin: pubkey(&f.admin, "admin")?,
                guardian: pubkey(&f.guardian, "guardian")?,
                fee_recipient: pubkey(&f.fee_recipient, "fee_recipient")?,
                timelock_s: f.timelock_s,
                deposit_cap: f.deposit_cap,
                min_deposit: f.min_deposit,
                management_fee_bps: f.management_fee_bps,
                performance_fee_bps: f.performance_fee_bps,
                initial_deposit: f.initial_deposit,
            };
            let vault = pda::vault(&ctx.me, &base_mint, f.seed_id);
            let mut out = vec![ctx.submit(&[ix::initialize_vault(
                ctx.me,
                base_mint,
                base_program,
                pubkey(&f.creator_base, "creator_base")?,
                args,
            )])?];
            // Assets and the risk account need the admin; when the creator is the admin they follow.
            if args.admin == ctx.me {
                for a in &f.assets {
                    let mint = pubkey(&a.mint, "asset mint")?;
                    let program = ctx.chain.account(&mint)?.owner;
                    let aa = asset_args(
                        &a.oracle_kind,
                        &a.oracle_id,
                        a.max_age_s,
                        a.max_conf_bps,
                        a.max_ema_dev_bps,
                        a.min_weight_bps,
                        a.max_weight_bps,
                    )?;
                    out.push(
                        ctx.submit(&[ix::add_asset(vault, ctx.me, ctx.me, mint, program, aa)])?,
                    );
                }
                if let Some(r) = &f.risk {
                    out.push(ctx.submit(&[ix::initialize_risk(
                        vault,
                        ctx.me,
                        ctx.me,
                        r.args().map_err(other)?,
                    )])?);
                }
            }
            Ok(json!({ "vault": vault.to_string(), "transactions": out }))
        }
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
            let vault = need_vault()?;
            let mint = pubkey(mint, "mint")?;
            let program = ctx.chain.account(&mint)?.owner;
            let args = asset_args(
                oracle_kind,
                oracle_id,
                *max_age_s,
                *max_conf_bps,
                *max_ema_dev_bps,
                *min_weight_bps,
                *max_weight_bps,
            )?;
            ctx.submit(&[ix::add_asset(vault, ctx.me, ctx.me, mint, program, args)])
        }
        Cmd::Deposit {
            amount,
            min_shares,
            from,
            shares_account,
        } => {
            let s = ctx.snapshot(need_vault()?)?;
            let amount = parse_amount(amount, s.vault.base_decimals)?;
            let preview = s.preview_deposit(amount)?;
            let min = min_shares.unwrap_or(preview - preview / 200);
            let from = token_account_of(
                ctx,
                from,
                &s.keys.base_mint,
                &s.keys.base_token_program,
                "--from",
            )?;
            let to = token_account_of(
                ctx,
                shares_account,
                &s.keys.share_mint,
                &s.keys.share_token_program,
                "--shares-account",
            )?;
            let mut r = ctx.submit(&[s.keys.deposit(ctx.me, from, to, amount, min)])?;
            r["amount"] = json!(amount);
            r["preview_shares"] = json!(preview);
            r["min_shares_out"] = json!(min);
            Ok(r)
        }
        Cmd::Withdraw {
            shares,
            min_out,
            to,
            shares_account,
        } => {
            let s = ctx.snapshot(need_vault()?)?;
            let from = token_account_of(
                ctx,
                shares_account,
                &s.keys.share_mint,
                &s.keys.share_token_program,
                "--shares-account",
            )?;
            let shares = shares_arg(ctx, shares, &from)?;
            let preview = s.preview_withdraw(shares)?;
            let min = min_out.unwrap_or(preview - preview / 200);
            let to = token_account_of(
                ctx,
                to,
                &s.keys.base_mint,
                &s.keys.base_token_program,
                "--to",
            )?;
            let mut r = ctx.submit(&[s.keys.withdraw(ctx.me, from, to, shares, min)])?;
            r["shares"] = json!(shares);
            r["preview_base_units"] = json!(preview);
            r["min_assets_out"] = json!(min);
            Ok(r)
        }
        Cmd::RedeemInKind {
            shares,
            shares_account,
        } => {
            let s = ctx.snapshot(need_vault()?)?;
            let from = token_account_of(
                ctx,
                shares_account,
                &s.keys.share_mint,
                &s.keys.share_token_program,
                "--shares-account",
            )?;
            let shares = shares_arg(ctx, shares, &from)?;
            let base = vault_keeper::keeper::associated_token_account(
                &ctx.me,
                &s.keys.base_mint,
                &s.keys.base_token_program,
            );
            let assets: Vec<Pubkey> = s
                .keys
                .assets
                .iter()
                .map(|a| {
                    vault_keeper::keeper::associated_token_account(
                        &ctx.me,
                        &a.mint,
                        &a.token_program,
                    )
                })
                .collect();
            let mut ixs = vec![];
            if s.keys.hedge.is_some()
                && ctx
                    .chain
                    .get_account(&pda::hedge_claim(&s.keys.vault, &ctx.me))?
                    .is_none()
            {
                ixs.push(s.keys.open_hedge_claim(ctx.me, ctx.me));
            }
            ixs.push(s.keys.redeem_in_kind(ctx.me, base, from, &assets, shares));
            let mut r = ctx.submit(&ixs)?;
            r["shares"] = json!(shares);
            Ok(r)
        }
        Cmd::Show => show(ctx, need_vault()?),
        Cmd::Propose { change } => {
            let vault = need_vault()?;
            let s = ctx.snapshot(vault)?;
            let id = s.vault.next_proposal_id;
            let change = param_change(change, &vault)?;
            let mut r = ctx.submit(&[s.keys.propose_change(ctx.me, ctx.me, id, change)])?;
            r["proposal"] = json!(id);
            r["eta_ts"] = json!(s.now + s.vault.timelock_s as i64);
            r["change"] = json!(format!("{change:?}"));
            Ok(r)
        }
        Cmd::Apply { id } => {
            let vault = need_vault()?;
            let s = ctx.snapshot(vault)?;
            let p: Proposal = decode::anchor(
                "proposal",
                &ctx.chain.account(&pda::proposal(&vault, *id))?.data,
            )?;
            let with_risk = matches!(p.change, ParamChange::RiskParams(_));
            ctx.submit(&[s.keys.apply_proposal(*id, with_risk)])
        }
        Cmd::Cancel { id } => {
            let s = ctx.snapshot(need_vault()?)?;
            ctx.submit(&[s.keys.cancel_proposal(ctx.me, *id)])
        }
        Cmd::Pause { gates } => {
            let s = ctx.snapshot(need_vault()?)?;
            ctx.submit(&[s
                .keys
                .derisk(ctx.me, DeriskAction::Pause(gate_mask(gates)?))])
        }
        Cmd::SetPause { gates } => {
            let s = ctx.snapshot(need_vault()?)?;
            ctx.submit(&[s.keys.set_pause(ctx.me, gate_mask(gates)?)])
        }
        Cmd::NominateAdmin { new_admin } => {
            let vault = need_vault()?;
            let s = ctx.snapshot(vault)?;
            let id = s.vault.next_proposal_id;
            let change = ParamChange::NominateAdmin(pubkey(new_admin, "new admin")?);
            let mut r = ctx.submit(&[s.keys.propose_change(ctx.me, ctx.me, id, change)])?;
            r["proposal"] = json!(id);
            Ok(r)
        }
        Cmd::AcceptAdmin => {
            let s = ctx.snapshot(need_vault()?)?;
            ctx.submit(&[s.keys.accept_admin(ctx.me)])
        }
    }
}

fn fx(v: vault_client::portfolio_vault::math::Fx) -> f64 {
    v.to_num::<f64>()
}

/// The `show` report.
pub fn show(ctx: &Ctx, vault: Pubkey) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let v = &s.vault;
    let scale = 10f64.powi(v.base_decimals as i32);
    let (targets, cash_target) = s.targets();
    let weights = s.current_weights().ok();
    let mut assets = vec![];
    for (i, a) in s.keys.assets.iter().enumerate() {
        let price = s.prices[i]
            .as_ref()
            .map(|p| fx(p.price) * 10f64.powi(a.decimals as i32) / scale);
        let w = weights.as_ref().map(|w| w[i]);
        let t = fx(targets[i]);
        let nav = s.nav(None).ok().map(|n| n as f64 / scale);
        assets.push(json!({
            "index": i,
            "mint": a.mint.to_string(),
            "oracle": a.oracle.to_string(),
            "price": price.as_ref().ok(),
            "oracle_error": price.as_ref().err().map(|e| e.to_string()),
            "holdings": v.assets[i].holdings,
            "weight": w,
            "target": t,
            // Trade that reaches the target, whole base tokens (positive buys).
            "delta_to_target": match (w, nav) { (Some(w), Some(nav)) => Some((t - w) * nav), _ => None },
            "min_weight_bps": v.assets[i].min_weight_bps,
            "max_weight_bps": v.assets[i].max_weight_bps,
        }));
    }
    let risk = s.risk.as_ref().map(|r| {
        json!({
            "strategy": r.params.strategy,
            "samples": r.sample_count,
            "last_sample_ts": r.last_sample_ts,
            "targets_ts": r.targets_ts,
            "target_cash": fx(cash_target),
            "ex_ante_vol_bps": fx(r.target_vol_bps.get()),
            "high_vol_regime": r.high_vol_regime != 0,
        })
    });
    let hedge = s.hedge_report().map(|h| {
        json!({
            "portfolio_delta": fx(h.portfolio_delta) / scale,
            "gross_notional": fx(h.gross_notional) / scale,
            "leverage": fx(h.leverage),
            "margin_ratio": h.margin_ratio.map(fx),
            "funding_pending": fx(h.funding_pending) / scale,
            "net_delta": (0..h.n).map(|i| fx(h.net_delta[i]) / scale).collect::<Vec<_>>(),
        })
    });
    let mut pending = vec![];
    for id in v.next_proposal_id.saturating_sub(32)..v.next_proposal_id {
        if let Some(acc) = ctx.chain.get_account(&pda::proposal(&vault, id))? {
            let p: Proposal = decode::anchor("proposal", &acc.data)?;
            if p.status == ProposalStatus::Pending && s.now < p.expiry_ts {
                pending.push(json!({
                    "id": id,
                    "change": format!("{:?}", p.change),
                    "eta_ts": p.eta_ts,
                    "expiry_ts": p.expiry_ts,
                    "matured": s.now >= p.eta_ts,
                }));
            }
        }
    }
    Ok(json!({
        "vault": vault.to_string(),
        "now": s.now,
        "nav": s.nav(None).ok().map(|n| n as f64 / scale),
        "nav_low": s.nav(Some(PriceSide::Low)).ok().map(|n| n as f64 / scale),
        "nav_high": s.nav(Some(PriceSide::High)).ok().map(|n| n as f64 / scale),
        "share_supply": s.share_supply,
        // Base units per share unit (the share mint has the base mint's decimals).
        "share_price": s.share_price().ok(),
        "idle_base": v.idle_base as f64 / scale,
        "pause_flags": v.pause_flags,
        "admin": v.admin.to_string(),
        "guardian": v.guardian.to_string(),
        "timelock_s": v.timelock_s,
        "fees_bps": { "management": v.params.management_fee_bps, "performance": v.params.performance_fee_bps },
        "assets": assets,
        "cash_weight": weights.as_ref().map(|w| w[s.n()]),
        "risk": risk,
        "hedge": hedge,
        "pending_proposals": pending,
        "next_swap": s.plan_swap().map(|p| format!("sell {} of slot {} for slot {}", p.trade.amount_in, p.trade.sell, p.trade.buy)).unwrap_or_else(|w| format!("none: {w}")),
    }))
}

/// Text form of a command's result: `key: value` lines, nested values indented.
pub fn render(v: &Value) -> String {
    fn go(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::Object(_) | Value::Array(_) => {
                            out.push_str(&format!("{pad}{k}:\n"));
                            go(x, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(x))),
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    match x {
                        Value::Object(_) | Value::Array(_) => {
                            out.push_str(&format!("{pad}- [{i}]\n"));
                            go(x, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(x))),
                    }
                }
            }
            x => out.push_str(&format!("{pad}{}\n", scalar(x))),
        }
    }
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => "-".into(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => format!("{f:.6}"),
                _ => n.to_string(),
            },
            other => other.to_string(),
        }
    }
    let mut out = String::new();
    go(v, 0, &mut out);
    out
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
