//! The admin's and guardian's commands: create a vault, add assets, propose, apply and cancel
//! changes, pause, transfer the admin role.

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use vault_client::portfolio_vault::state::{AddAssetArgs, DeriskAction, ParamChange};
use vault_client::{ix, pda, ClientError};

use crate::files::read_init;
use crate::parse::{gate_mask, oracle_args, other, pubkey, tagged};
use crate::Ctx;

/// The `ParamChange` `propose <change> <fields>` names, read through the program's serde
/// form; a hedge venue without `margin_account` gets the vault authority's on its exchange.
pub fn param_change(
    change: &str,
    fields: &[String],
    vault: &Pubkey,
) -> Result<ParamChange, ClientError> {
    let mut fields = fields.to_vec();
    if change == "hedge-venue" && !fields.iter().any(|f| f.starts_with("margin_account=")) {
        let exchange = fields
            .iter()
            .find_map(|f| f.strip_prefix("exchange="))
            .ok_or_else(|| other("hedge-venue: exchange=<address> is required"))?;
        let exchange = pubkey(exchange, "exchange")?;
        let margin = pda::perp::margin(&exchange, &pda::authority(vault));
        fields.push(format!("margin_account={margin}"));
    }
    tagged("propose", change, &fields)
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
    derisk(ctx, vault, DeriskAction::Pause(gate_mask(gates)?))
}

/// Applies a de-risking action at once (admin or guardian).
pub fn derisk(ctx: &Ctx, vault: Pubkey, action: DeriskAction) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let mut r = ctx.submit(&[s.keys.derisk(ctx.me, action)])?;
    r["action"] = json!(format!("{action:?}"));
    Ok(r)
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

/// `lookup-table`: a lookup table of the vault's static accounts, created and filled by the
/// signer (its authority), 20 addresses a transaction.
pub fn lookup_table(ctx: &Ctx, vault: Pubkey) -> Result<Value, ClientError> {
    use solana_address_lookup_table_interface::instruction::{
        create_lookup_table, extend_lookup_table,
    };
    if ctx.sign_only {
        return Err(other(
            "lookup-table sends several transactions: run it with --keypair, not --sign-only",
        ));
    }
    let s = ctx.snapshot(vault)?;
    let addresses = s.keys.static_accounts();
    // The table's address derives from a recent slot the runtime can find in SlotHashes: the
    // current one is not there yet, its parent is.
    let slot = ctx.chain.clock()?.slot.saturating_sub(1);
    let (create, table) = create_lookup_table(ctx.me, ctx.me, slot);
    let mut r = ctx.submit(&[create])?;
    for chunk in addresses.chunks(20) {
        ctx.submit(&[extend_lookup_table(
            table,
            ctx.me,
            Some(ctx.me),
            chunk.to_vec(),
        )])?;
    }
    r["lookup_table"] = json!(table.to_string());
    r["addresses"] = json!(addresses.len());
    Ok(r)
}
