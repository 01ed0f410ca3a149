//! Prometheus metrics and the health endpoint, served by a small HTTP thread.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default, Debug)]
pub struct Metrics {
    pub ticks: AtomicU64,
    pub tick_errors: AtomicU64,
    pub sent: AtomicU64,
    pub simulated_only: AtomicU64,
    pub refused: AtomicU64,
    pub send_failures: AtomicU64,
    pub retries: AtomicU64,
    pub swaps: AtomicU64,
    pub hedges: AtomicU64,
    pub fills: AtomicU64,
    pub claims: AtomicU64,
    pub risk_updates: AtomicU64,
    pub target_updates: AtomicU64,
    pub bounty_base_units: AtomicU64,
    pub last_tick_ts: AtomicI64,
    pub last_success_ts: AtomicI64,
    /// Share price × 1e9 at the last tick.
    pub share_price_e9: AtomicU64,
    pub nav_base_units: AtomicU64,
    pub priority_fee: AtomicU64,
}

impl Metrics {
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut s = String::new();
        let mut line = |name: &str, kind: &str, help: &str, v: String| {
            s.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
            ));
        };
        line(
            "vault_keeper_ticks_total",
            "counter",
            "Ticks run.",
            g(&self.ticks).to_string(),
        );
        line(
            "vault_keeper_tick_errors_total",
            "counter",
            "Ticks that could not read the vault.",
            g(&self.tick_errors).to_string(),
        );
        line(
            "vault_keeper_transactions_sent_total",
            "counter",
            "Transactions confirmed.",
            g(&self.sent).to_string(),
        );
        line(
            "vault_keeper_transactions_simulated_only_total",
            "counter",
            "Transactions simulated in dry-run mode.",
            g(&self.simulated_only).to_string(),
        );
        line(
            "vault_keeper_transactions_refused_total",
            "counter",
            "Transactions the program refused (simulation or send).",
            g(&self.refused).to_string(),
        );
        line(
            "vault_keeper_send_failures_total",
            "counter",
            "Transactions given up after every retry.",
            g(&self.send_failures).to_string(),
        );
        line(
            "vault_keeper_retries_total",
            "counter",
            "Send retries after transient failures.",
            g(&self.retries).to_string(),
        );
        line(
            "vault_keeper_swaps_total",
            "counter",
            "rebalance_swap transactions confirmed.",
            g(&self.swaps).to_string(),
        );
        line(
            "vault_keeper_hedges_total",
            "counter",
            "rebalance_hedge transactions confirmed.",
            g(&self.hedges).to_string(),
        );
        line(
            "vault_keeper_withdraw_fills_total",
            "counter",
            "fill_withdraw transactions confirmed.",
            g(&self.fills).to_string(),
        );
        line(
            "vault_keeper_withdraw_claims_total",
            "counter",
            "claim_withdraw transactions confirmed.",
            g(&self.claims).to_string(),
        );
        line(
            "vault_keeper_risk_updates_total",
            "counter",
            "update_risk transactions confirmed.",
            g(&self.risk_updates).to_string(),
        );
        line(
            "vault_keeper_target_updates_total",
            "counter",
            "compute_targets transactions confirmed.",
            g(&self.target_updates).to_string(),
        );
        line(
            "vault_keeper_bounty_base_units_total",
            "counter",
            "Bounties received, base units.",
            g(&self.bounty_base_units).to_string(),
        );
        line(
            "vault_keeper_last_tick_timestamp",
            "gauge",
            "Cluster time of the last tick.",
            self.last_tick_ts.load(Ordering::Relaxed).to_string(),
        );
        line(
            "vault_keeper_last_success_timestamp",
            "gauge",
            "Cluster time of the last tick that read the vault.",
            self.last_success_ts.load(Ordering::Relaxed).to_string(),
        );
        line(
            "vault_share_price",
            "gauge",
            "NAV per share at mid prices, base units.",
            format!("{:.9}", g(&self.share_price_e9) as f64 / 1e9),
        );
        line(
            "vault_nav_base_units",
            "gauge",
            "NAV at mid prices, base units.",
            g(&self.nav_base_units).to_string(),
        );
        line(
            "vault_keeper_priority_fee_micro_lamports",
            "gauge",
            "Priority fee of the last transaction.",
            g(&self.priority_fee).to_string(),
        );
        s
    }

    /// Healthy while the last successful tick is at most `max_age_s` old (wall clock).
    pub fn healthy(&self, now: i64, max_age_s: i64) -> bool {
        let last = self.last_success_ts.load(Ordering::Relaxed);
        last > 0 && now - last <= max_age_s
    }
}

/// Serves `/metrics` and `/health` on `port` of every interface (for a Prometheus scraper),
/// in a thread.
pub fn serve(
    metrics: Arc<Metrics>,
    port: u16,
    health_max_age_s: i64,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let server = tiny_http::Server::http(("0.0.0.0", port))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let (code, body) = match req.url() {
                "/metrics" => (200, metrics.render()),
                "/health" if metrics.healthy(now, health_max_age_s) => (200, "ok\n".to_string()),
                "/health" => (503, "stale: no successful tick recently\n".to_string()),
                _ => (404, "not found\n".to_string()),
            };
            let _ = req.respond(tiny_http::Response::from_string(body).with_status_code(code));
        }
    }))
}
