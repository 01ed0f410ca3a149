//! Keeper settings: a TOML file, overridden by flags and environment variables (see `main.rs`).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// JSON RPC endpoint of the cluster.
    pub rpc_url: String,
    /// Path of the keeper's keypair file (it signs and pays); `~` is the home folder; empty or
    /// absent: the solana CLI's keypair.
    #[serde(default)]
    pub keypair_path: String,
    /// The vault to keep.
    pub vault: String,
    /// Base-token account that receives bounties; default: the keeper's associated account.
    #[serde(default)]
    pub bounty_account: Option<String>,
    /// Seconds between ticks.
    #[serde(default = "default_interval")]
    pub interval_s: u64,
    /// Percentile of recent priority fees to pay (0-100).
    #[serde(default = "default_percentile")]
    pub priority_fee_percentile: u8,
    /// Cap on the priority fee, micro-lamports per compute unit.
    #[serde(default = "default_max_fee")]
    pub max_priority_fee_micro_lamports: u64,
    /// Compute-unit limit = simulated units × (1 + margin).
    #[serde(default = "default_margin")]
    pub compute_margin_pct: u32,
    /// Attempts per transaction for transient failures (expired blockhash, RPC errors).
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// First backoff between attempts, doubled each time.
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
    /// Plan and simulate, never send.
    #[serde(default)]
    pub dry_run: bool,
    /// Port of `/metrics` and `/health` (0 disables them).
    #[serde(default = "default_port")]
    pub metrics_port: u16,
    /// Price accounts of pull-oracle assets that are not Pyth's default push feeds:
    /// `feed id (hex) = account address`.
    #[serde(default)]
    pub oracles: std::collections::BTreeMap<String, String>,
    /// Also keep the hedge (move collateral, rebalance_hedge) when the vault has a venue.
    #[serde(default = "default_true")]
    pub hedge: bool,
}

fn default_interval() -> u64 {
    30
}
fn default_percentile() -> u8 {
    75
}
fn default_max_fee() -> u64 {
    200_000
}
fn default_margin() -> u32 {
    20
}
fn default_retries() -> u32 {
    4
}
fn default_backoff() -> u64 {
    500
}
fn default_port() -> u16 {
    9464
}
fn default_true() -> bool {
    true
}

impl KeeperConfig {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("keeper config: {e}"))
    }

    /// Settings for an in-process keeper (simulator, tests): everything but the endpoint.
    pub fn in_process(vault: &str) -> Self {
        Self {
            rpc_url: "in-process".into(),
            keypair_path: String::new(),
            vault: vault.into(),
            bounty_account: None,
            interval_s: 0,
            priority_fee_percentile: default_percentile(),
            max_priority_fee_micro_lamports: default_max_fee(),
            compute_margin_pct: default_margin(),
            max_retries: 3,
            backoff_ms: 0,
            dry_run: false,
            metrics_port: 0,
            oracles: Default::default(),
            hedge: true,
        }
    }
}
