//! Depositors' commands: deposit, withdraw, the withdrawal queue (request, claim, cancel),
//! redeem in kind, and a holder's position.

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_instruction::Instruction;
use vault_client::portfolio_vault::math::nav::PriceSide;
use vault_client::portfolio_vault::math::shares::value_for_shares_floor;
use vault_client::queue::{self, Queued};
use vault_client::{decode, pda, ClientError, VaultSnapshot};

use crate::parse::{check_amount, other, parse_amount, pubkey};
use crate::Ctx;

pub(crate) fn token_account_of(
    ctx: &Ctx,
    given: &Option<String>,
    mint: &Pubkey,
    program: &Pubkey,
    what: &str,
) -> Result<Pubkey, ClientError> {
    match given {
        Some(s) => pubkey(s, what),
        None => Ok(pda::associated_token(&ctx.me, mint, program)),
    }
}

fn amount_of(ctx: &Ctx, account: &Pubkey) -> Result<u64, ClientError> {
    Ok(decode::token_account(&ctx.chain.account(account)?.data)?.amount)
}

/// The account a command pays into: `given`, or the signer's associated one with the
/// instruction creating it when missing.
fn receiving(
    ctx: &Ctx,
    given: &Option<String>,
    what: &str,
    mint: Pubkey,
    program: Pubkey,
) -> Result<(Pubkey, Option<Instruction>), ClientError> {
    match given {
        Some(a) => Ok((pubkey(a, what)?, None)),
        None => ctx.own_account(mint, program),
    }
}

/// The share account a command pays into (`--shares-account`, else the signer's).
fn receiving_shares(
    ctx: &Ctx,
    s: &VaultSnapshot,
    given: &Option<String>,
) -> Result<(Pubkey, Option<Instruction>), ClientError> {
    let (mint, program) = (s.keys.share_mint, s.keys.share_token_program);
    receiving(ctx, given, "--shares-account", mint, program)
}

/// The base account a command pays into (`--to`, else the signer's).
fn receiving_base(
    ctx: &Ctx,
    s: &VaultSnapshot,
    given: &Option<String>,
) -> Result<(Pubkey, Option<Instruction>), ClientError> {
    receiving(
        ctx,
        given,
        "--to",
        s.keys.base_mint,
        s.keys.base_token_program,
    )
}

/// `ix`, after the creation of the account it pays into when there is one.
fn with_created(create: Option<Instruction>, ix: Instruction) -> Vec<Instruction> {
    create.into_iter().chain(std::iter::once(ix)).collect()
}

/// A SHARES argument: a whole number of share units, or `all` (`None`), checked before any
/// RPC call.
fn shares_input(s: &str) -> Result<Option<u64>, ClientError> {
    if s == "all" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        other(format!(
            "shares {s}: a whole number of share units, or `all`"
        ))
    })
}

/// What an exit names: every share, raw share units, or base tokens to receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitInput {
    All,
    Shares(u64),
    Base(String),
}

/// AMOUNT of an exit, checked before any RPC call: `all`, share units (`--shares`) or base
/// tokens.
pub fn exit_input(amount: &str, raw_shares: bool) -> Result<ExitInput, ClientError> {
    match (amount, raw_shares) {
        ("all", _) => Ok(ExitInput::All),
        (_, true) => Ok(ExitInput::Shares(shares_input(amount)?.unwrap_or(0))),
        _ => check_amount(amount).map(|()| ExitInput::Base(amount.to_string())),
    }
}

/// The shares `input` burns: all of `account`'s, the units given, or the fewest worth the
/// base tokens given at the exit price now (`VaultSnapshot::shares_for_exit`).
fn exit_shares(
    ctx: &Ctx,
    s: &VaultSnapshot,
    input: &ExitInput,
    account: &Pubkey,
) -> Result<u64, ClientError> {
    match input {
        ExitInput::All => amount_of(ctx, account),
        ExitInput::Shares(n) => Ok(*n),
        ExitInput::Base(a) => s.shares_for_exit(parse_amount(a, s.vault.base_decimals)?),
    }
}

/// The shares `input` names: all of `account`'s for `None`.
fn shares_of(ctx: &Ctx, input: Option<u64>, account: &Pubkey) -> Result<u64, ClientError> {
    match input {
        Some(n) => Ok(n),
        None => amount_of(ctx, account),
    }
}

/// `deposit AMOUNT`: base tokens for shares, refusing fewer than the preview less 0.5 % unless
/// told another minimum.
pub fn deposit(
    ctx: &Ctx,
    vault: Pubkey,
    amount: &str,
    min_shares: Option<u64>,
    from: &Option<String>,
    shares_account: &Option<String>,
) -> Result<Value, ClientError> {
    check_amount(amount)?;
    let s = ctx.snapshot(vault)?;
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
    let (to, create) = receiving_shares(ctx, &s, shares_account)?;
    let mut r = ctx.submit(&with_created(
        create,
        s.keys.deposit(ctx.me, from, to, amount, min),
    ))?;
    r["amount"] = json!(amount);
    r["preview_shares"] = json!(preview);
    r["min_shares_out"] = json!(min);
    Ok(r)
}

/// `withdraw SHARES`: base tokens from the idle buffer.
pub fn withdraw(
    ctx: &Ctx,
    vault: Pubkey,
    input: ExitInput,
    min_out: Option<u64>,
    to: &Option<String>,
    shares_account: &Option<String>,
) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let from = token_account_of(
        ctx,
        shares_account,
        &s.keys.share_mint,
        &s.keys.share_token_program,
        "--shares-account",
    )?;
    let shares = exit_shares(ctx, &s, &input, &from)?;
    let preview = s.preview_withdraw(shares)?;
    let min = min_out.unwrap_or(preview - preview / 200);
    let (to, create) = receiving_base(ctx, &s, to)?;
    let mut r = ctx.submit(&with_created(
        create,
        s.keys.withdraw(ctx.me, from, to, shares, min),
    ))?;
    r["shares"] = json!(shares);
    r["preview_base_units"] = json!(preview);
    r["min_assets_out"] = json!(min);
    Ok(r)
}

/// `redeem-in-kind SHARES`: a slice of every holding, into the signer's associated accounts.
pub fn redeem_in_kind(
    ctx: &Ctx,
    vault: Pubkey,
    shares: &str,
    shares_account: &Option<String>,
) -> Result<Value, ClientError> {
    let input = shares_input(shares)?;
    let s = ctx.snapshot(vault)?;
    let from = token_account_of(
        ctx,
        shares_account,
        &s.keys.share_mint,
        &s.keys.share_token_program,
        "--shares-account",
    )?;
    let shares = shares_of(ctx, input, &from)?;
    let mut mints = vec![(s.keys.base_mint, s.keys.base_token_program)];
    mints.extend(s.keys.assets.iter().map(|a| (a.mint, a.token_program)));
    let accounts = ctx.own_accounts(&mints)?;
    let (base, assets) = (accounts[0], &accounts[1..]);
    let mut ixs = vec![];
    if s.keys.hedge.is_some()
        && ctx
            .chain
            .get_account(&pda::hedge_claim(&s.keys.vault, &ctx.me))?
            .is_none()
    {
        ixs.push(s.keys.open_hedge_claim(ctx.me, ctx.me));
    }
    ixs.push(s.keys.redeem_in_kind(ctx.me, base, from, assets, shares));
    let mut r = ctx.submit(&ixs)?;
    r["shares"] = json!(shares);
    Ok(r)
}

/// The share account `given`, or the signer's associated one.
fn shares_account_of(
    ctx: &Ctx,
    s: &VaultSnapshot,
    given: &Option<String>,
) -> Result<Pubkey, ClientError> {
    token_account_of(
        ctx,
        given,
        &s.keys.share_mint,
        &s.keys.share_token_program,
        "--shares-account",
    )
}

/// Request `id` of the vault, or why there is none.
fn request_of(ctx: &Ctx, s: &VaultSnapshot, id: u64) -> Result<Queued, ClientError> {
    queue::load(ctx.chain, &s.keys.vault, id..id + 1)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            other(format!(
                "request {id}: no such request in vault {} (never made, or paid and closed; the queue holds ids {}..{})",
                s.keys.vault, s.vault.queue_head, s.vault.queue_next
            ))
        })
}

/// `request-withdraw SHARES`: the shares into the queue, owed at least the preview less 0.5 %
/// unless told another minimum; payments go to `--to` or the signer's associated base account
/// (created when missing).
pub fn request_withdraw(
    ctx: &Ctx,
    vault: Pubkey,
    input: ExitInput,
    min_owed: Option<u64>,
    to: &Option<String>,
    shares_account: &Option<String>,
) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let from = shares_account_of(ctx, &s, shares_account)?;
    let shares = exit_shares(ctx, &s, &input, &from)?;
    let owed = s.preview_request(shares)?.owed;
    let min = min_owed.unwrap_or(owed - owed / 200);
    let (to, create) = receiving_base(ctx, &s, to)?;
    let id = s.vault.queue_next;
    let request = s.keys.request_withdraw(ctx.me, from, to, id, shares, min);
    let mut r = ctx.submit(&with_created(create, request))?;
    r["request_id"] = json!(id);
    r["shares"] = json!(shares);
    r["preview_owed"] = json!(owed);
    r["min_owed"] = json!(min);
    r["ahead_in_queue"] = json!(id - s.vault.queue_head);
    Ok(r)
}

/// `claim ID`: fills request ID first when it is the head and the idle base can pay some of
/// it, then sends what it has been paid to its receiver.
pub fn claim(ctx: &Ctx, vault: Pubkey, id: u64) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let q = request_of(ctx, &s, id)?;
    let mut ixs = vec![];
    let fill = s.preview_fill(&q.request).ok();
    if fill.is_some() {
        ixs.push(s.keys.fill_withdraw(id));
    }
    let paid = q.request.payable + fill.map_or(0, |f| f.paid);
    if paid == 0 && !q.claimable(&s.vault) {
        return Err(other(format!(
            "request {id}: nothing to claim yet ({} shares wait, {} requests ahead, {} base units idle)",
            q.request.shares,
            id.saturating_sub(s.vault.queue_head),
            s.vault.idle_base
        )));
    }
    ixs.push(
        s.keys
            .claim_withdraw(id, q.request.owner, q.request.receiver),
    );
    let mut r = ctx.submit(&ixs)?;
    r["request_id"] = json!(id);
    r["paid"] = json!(paid);
    r["receiver"] = json!(q.request.receiver.to_string());
    Ok(r)
}

/// `cancel-withdraw ID`: the unfilled shares of request ID back to the owner.
pub fn cancel_withdraw(
    ctx: &Ctx,
    vault: Pubkey,
    id: u64,
    shares_account: &Option<String>,
) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let q = request_of(ctx, &s, id)?;
    let (to, create) = receiving_shares(ctx, &s, shares_account)?;
    let mut r = ctx.submit(&with_created(
        create,
        s.keys.cancel_withdraw(ctx.me, to, id),
    ))?;
    r["request_id"] = json!(id);
    r["shares_in_escrow"] = json!(q.request.shares);
    r["levy_free_after_ts"] = json!(q
        .request
        .requested_ts
        .saturating_add(i64::from(s.vault.rebalance.max_withdraw_wait_s)));
    Ok(r)
}

/// `position`: `owner`'s shares, their value on the way out, and their queued requests.
pub fn position(ctx: &Ctx, vault: Pubkey, owner: Pubkey) -> Result<Value, ClientError> {
    let s = ctx.snapshot(vault)?;
    let account = pda::associated_token(&owner, &s.keys.share_mint, &s.keys.share_token_program);
    let shares = match ctx.chain.get_account(&account)? {
        Some(a) => decode::token_account(&a.data)?.amount,
        None => 0,
    };
    let exit = (shares > 0).then(|| s.preview_exit(shares));
    let scale = 10f64.powi(s.vault.base_decimals as i32);
    let wait = i64::from(s.vault.rebalance.max_withdraw_wait_s);
    let requests: Vec<Value> = queue::load(ctx.chain, &s.keys.vault, queue::window(&s.vault))?
        .into_iter()
        .filter(|q| q.request.owner == owner)
        .map(|q| {
            let r = &q.request;
            json!({
                "id": r.id,
                "address": q.address.to_string(),
                "shares_waiting": r.shares,
                "owed_at_most": r.owed,
                "paid_unclaimed": r.payable,
                "ahead_in_queue": r.id.saturating_sub(s.vault.queue_head),
                "waited_s": s.now - r.requested_ts,
                "levy_free_cancel_after_ts": r.requested_ts.saturating_add(wait),
                "receiver": r.receiver.to_string(),
            })
        })
        .collect();
    let supply = s.pricing_supply().ok();
    // The program's own share math, rounded down as an exit would be.
    let mid = match (s.nav(PriceSide::Mid), supply) {
        (Ok(nav), Some(supply)) if supply > 0 => value_for_shares_floor(shares, nav, supply)
            .ok()
            .map(|v| v as f64),
        _ => None,
    };
    let withdraw_now = (shares > 0).then(|| s.preview_withdraw(shares));
    Ok(json!({
        "owner": owner.to_string(),
        "shares": shares,
        "share_of_nav": supply.filter(|&n| n > 0).map(|n| shares as f64 / n as f64),
        "value_mid": mid.map(|v| v / scale),
        // Low side, as every exit is priced.
        "value": exit.as_ref().and_then(|e| e.as_ref().ok()).map(|e| e.gross as f64 / scale),
        "value_after_levy": exit.as_ref().and_then(|e| e.as_ref().ok()).map(|e| e.net() as f64 / scale),
        "value_error": exit.and_then(|e| e.err()).map(|e| e.to_string()),
        // What `withdraw` of every share pays now, or why it would be refused (then
        // `request-withdraw` queues them).
        "withdraw_pays_now": withdraw_now.as_ref().and_then(|w| w.as_ref().ok()).map(|&v| v as f64 / scale),
        "withdraw_refused": withdraw_now.and_then(|w| w.err()).map(|e| e.to_string()),
        "free_idle": s.vault.free_idle() as f64 / scale,
        "queue": { "head": s.vault.queue_head, "next": s.vault.queue_next, "owed": s.vault.queue_owed },
        "requests": requests,
    }))
}
