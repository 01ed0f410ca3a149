//! Depositors' commands: deposit, withdraw, redeem in kind.

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use vault_client::{decode, pda, ClientError};

use crate::parse::{other, parse_amount, pubkey};
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

/// `withdraw SHARES`: base tokens from the idle buffer.
pub fn withdraw(
    ctx: &Ctx,
    vault: Pubkey,
    shares: &str,
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

/// `redeem-in-kind SHARES`: a slice of every holding, into the signer's associated accounts.
pub fn redeem_in_kind(
    ctx: &Ctx,
    vault: Pubkey,
    shares: &str,
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
    let shares = shares_arg(ctx, shares, &from)?;
    let base = pda::associated_token(&ctx.me, &s.keys.base_mint, &s.keys.base_token_program);
    let assets: Vec<Pubkey> = s
        .keys
        .assets
        .iter()
        .map(|a| pda::associated_token(&ctx.me, &a.mint, &a.token_program))
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
