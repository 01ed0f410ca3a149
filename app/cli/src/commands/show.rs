//! `vault show` and the text form every command prints.

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use vault_client::portfolio_vault::math::nav::PriceSide;
use vault_client::portfolio_vault::state::{Proposal, ProposalStatus};
use vault_client::{decode, pda, ClientError};

use crate::Ctx;

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
        let nav = s.nav(PriceSide::Mid).ok().map(|n| n as f64 / scale);
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
        "nav": s.nav(PriceSide::Mid).ok().map(|n| n as f64 / scale),
        "nav_low": s.nav(PriceSide::Low).ok().map(|n| n as f64 / scale),
        "nav_high": s.nav(PriceSide::High).ok().map(|n| n as f64 / scale),
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
