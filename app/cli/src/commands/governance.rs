//! The admin's and guardian's commands: create a vault, add assets, propose, apply and cancel
//! changes, pause, transfer the admin role.

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use vault_client::portfolio_vault::state::{
    AddAssetArgs, DeriskAction, HedgePatch, ParamChange, RebalancePatch, RiskPatch,
};
use vault_client::{ix, pda, ClientError};

use crate::args::ChangeCmd;
use crate::files::{read_init, read_toml};
use crate::parse::{gate_mask, oracle_args, pubkey};
use crate::Ctx;

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
        ChangeCmd::Rebalance { file } => ParamChange::Rebalance(read_toml::<RebalancePatch>(file)?),
        ChangeCmd::Hedge { file } => ParamChange::Hedge(read_toml::<HedgePatch>(file)?),
        ChangeCmd::Risk { file } => ParamChange::RiskParams(read_toml::<RiskPatch>(file)?),
    })
}

/// `vault init FILE`: the vault, then (when the creator is its admin) its assets and risk
/// account.
pub fn init(ctx: &Ctx, config: &str) -> Result<Value, ClientError> {
    let f = read_init(config)?;
    let base_program = ctx.chain.account(&f.base_mint)?.owner;
    let vault = pda::vault(&ctx.me, &f.base_mint, f.vault.seed_id);
    let mut out = vec![ctx.submit(&[ix::initialize_vault(
        ctx.me,
        f.base_mint,
        base_program,
        f.creator_base,
        f.vault,
    )])?];
    if f.vault.admin == ctx.me {
        for (mint, args) in &f.assets {
            let program = ctx.chain.account(mint)?.owner;
            out.push(ctx.submit(&[ix::add_asset(vault, ctx.me, ctx.me, *mint, program, *args)])?);
        }
        if let Some(r) = f.risk {
            out.push(ctx.submit(&[ix::initialize_risk(vault, ctx.me, ctx.me, r)])?);
        }
    }
    Ok(json!({ "vault": vault.to_string(), "transactions": out }))
}

/// `vault add-asset`: one asset with its oracle and limits.
pub fn add_asset(
    ctx: &Ctx,
    vault: Pubkey,
    mint: &str,
    oracle: (&str, &str),
    limits: AddAssetArgs,
) -> Result<Value, ClientError> {
    let mint = pubkey(mint, "mint")?;
    let program = ctx.chain.account(&mint)?.owner;
    let (oracle_kind, oracle_id) = oracle_args(oracle.0, oracle.1)?;
    let args = AddAssetArgs {
        oracle_kind,
        oracle_id,
        ..limits
    };
    ctx.submit(&[ix::add_asset(vault, ctx.me, ctx.me, mint, program, args)])
}

/// Proposes `change` as the next proposal.
pub fn propose(ctx: &Ctx, vault: Pubkey, change: ParamChange) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let id = s.vault.next_proposal_id;
    let mut r = ctx.submit(&[s.keys.propose_change(ctx.me, ctx.me, id, change)])?;
    r["proposal"] = json!(id);
    r["eta_ts"] = json!(s.now.saturating_add(s.vault.timelock_s as i64));
    r["change"] = json!(format!("{change:?}"));
    Ok(r)
}

pub fn apply(ctx: &Ctx, vault: Pubkey, id: u64) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    ctx.submit(&[s.keys.apply_proposal(id)])
}

pub fn cancel(ctx: &Ctx, vault: Pubkey, id: u64) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    ctx.submit(&[s.keys.cancel_proposal(ctx.me, id)])
}

/// Closes the named gates at once (admin or guardian).
pub fn pause(ctx: &Ctx, vault: Pubkey, gates: &[String]) -> Result<Value, ClientError> {
    let mask = gate_mask(gates)?;
    let s = ctx.snapshot(vault)?;
    ctx.submit(&[s.keys.derisk(ctx.me, DeriskAction::Pause(mask))])
}

/// Sets the gates exactly (admin).
pub fn set_pause(ctx: &Ctx, vault: Pubkey, gates: &[String]) -> Result<Value, ClientError> {
    let mask = gate_mask(gates)?;
    let s = ctx.snapshot(vault)?;
    ctx.submit(&[s.keys.set_pause(ctx.me, mask)])
}

pub fn accept_admin(ctx: &Ctx, vault: Pubkey) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    ctx.submit(&[s.keys.accept_admin(ctx.me)])
}
