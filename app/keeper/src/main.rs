//! `vault-keeper`: runs the keeper loop against a cluster.
//!
//! ```text
//! vault-keeper --config keeper.toml [--dry-run] [--rpc-url URL] [--once]
//! ```
//! Every setting of the TOML file can be overridden by a flag or an environment variable
//! (`KEEPER_RPC_URL`, `KEEPER_KEYPAIR`, `KEEPER_VAULT`, `KEEPER_DRY_RUN`, ...).

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use std::str::FromStr;
use vault_client::chain::rpc::RpcChain;
use vault_client::pda::associated_token as associated_token_account;
use vault_client::{decode, ChainClient, OracleAddresses};
use vault_keeper::{metrics, Keeper, KeeperConfig};

#[derive(Parser, Debug)]
#[command(
    name = "vault-keeper",
    version,
    about = "Permissionless keeper of a portfolio vault"
)]
struct Args {
    /// TOML configuration file.
    #[arg(long, env = "KEEPER_CONFIG")]
    config: Option<String>,
    /// JSON RPC endpoint (overrides `rpc_url`).
    #[arg(long, env = "KEEPER_RPC_URL")]
    rpc_url: Option<String>,
    /// Keypair file (overrides `keypair_path`; `~` is the home folder).
    #[arg(long, env = "KEEPER_KEYPAIR")]
    keypair: Option<String>,
    /// The vault to keep (overrides `vault`).
    #[arg(long, env = "KEEPER_VAULT")]
    vault: Option<String>,
    /// Seconds between ticks (overrides `interval_s`).
    #[arg(long, env = "KEEPER_INTERVAL_S")]
    interval_s: Option<u64>,
    /// Cap on the priority fee, micro-lamports per compute unit (overrides
    /// `max_priority_fee_micro_lamports`).
    #[arg(long, env = "KEEPER_MAX_PRIORITY_FEE")]
    max_priority_fee: Option<u64>,
    /// Port of `/metrics` and `/health`, 0 for none (overrides `metrics_port`).
    #[arg(long, env = "KEEPER_METRICS_PORT")]
    metrics_port: Option<u16>,
    /// Plan and simulate, never send.
    #[arg(long, env = "KEEPER_DRY_RUN")]
    dry_run: bool,
    /// One tick, then exit (cron-style use and smoke tests).
    #[arg(long)]
    once: bool,
}

fn load_config(a: &Args) -> Result<KeeperConfig, String> {
    let mut cfg = match &a.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
            KeeperConfig::from_toml(&text)?
        }
        None => KeeperConfig::in_process(""),
    };
    if let Some(v) = &a.rpc_url {
        cfg.rpc_url = v.clone();
    }
    if let Some(v) = &a.keypair {
        cfg.keypair_path = v.clone();
    }
    if let Some(v) = &a.vault {
        cfg.vault = v.clone();
    }
    if let Some(v) = a.interval_s {
        cfg.interval_s = v;
    }
    if let Some(v) = a.max_priority_fee {
        cfg.max_priority_fee_micro_lamports = v;
    }
    if let Some(v) = a.metrics_port {
        cfg.metrics_port = v;
    }
    cfg.dry_run |= a.dry_run;
    if cfg.rpc_url.is_empty() || cfg.rpc_url == "in-process" {
        return Err("no RPC URL: set rpc_url in the config, --rpc-url or KEEPER_RPC_URL".into());
    }
    if cfg.vault.is_empty() {
        return Err("no vault: set vault in the config, --vault or KEEPER_VAULT".into());
    }
    Ok(cfg)
}

fn run() -> Result<(), String> {
    let args = Args::parse();
    let cfg = load_config(&args)?;
    let chain = RpcChain::new(&cfg.rpc_url);
    let given = (!cfg.keypair_path.is_empty()).then_some(cfg.keypair_path.as_str());
    let signer = vault_client::keypair::read(&vault_client::keypair::resolve(given))?;
    let vault = Pubkey::from_str(&cfg.vault).map_err(|e| format!("vault: {e}"))?;
    let mut oracles = OracleAddresses::default();
    for (feed, account) in &cfg.oracles {
        let id = vault_client::oracle::feed_id_from_hex(feed)
            .map_err(|e| format!("oracle feed {feed}: {e}"))?;
        oracles = oracles.with(
            id,
            Pubkey::from_str(account).map_err(|e| format!("oracle {account}: {e}"))?,
        );
    }
    let interval = cfg.interval_s.max(1);
    // Metrics first: `/health` answers (stale) while the node cannot be reached yet.
    let served = std::sync::Arc::new(vault_keeper::Metrics::default());
    if cfg.metrics_port != 0 {
        metrics::serve(served.clone(), cfg.metrics_port, 3 * interval as i64 + 30)
            .map_err(|e| format!("metrics port {}: {e}", cfg.metrics_port))?;
        tracing::info!(port = cfg.metrics_port, "serving /metrics and /health");
    }
    // The vault, retried with capped, jittered backoff while the node is unreachable or
    // failing; an address that is not a vault is final.
    use backon::{BlockingRetryable, ExponentialBuilder};
    let backoff = ExponentialBuilder::default()
        .with_min_delay(std::time::Duration::from_millis(500))
        .with_max_delay(std::time::Duration::from_secs(30))
        .with_jitter()
        .without_max_times();
    let read = || {
        let acc = chain.account(&vault)?;
        decode::vault(&acc.data)
    };
    let state = read
        .retry(backoff)
        .when(|e| matches!(e, vault_client::ClientError::Chain(_)))
        .notify(|e, wait| tracing::warn!(error = %e, ?wait, "could not read the vault; retrying"))
        .call()
        .map_err(|e| format!("vault {vault}: {e}"))?;
    use solana_signer::Signer;
    let bounty = match &cfg.bounty_account {
        Some(a) => Pubkey::from_str(a).map_err(|e| format!("bounty_account: {e}"))?,
        None => associated_token_account(
            &signer.pubkey(),
            &state.base_mint,
            &state.base_token_program,
        ),
    };
    let mut keeper = Keeper::new(&chain, signer, vault, bounty, oracles, cfg.clone());
    keeper.metrics = served;
    tracing::info!(%vault, dry_run = cfg.dry_run, interval, "keeper started");
    if !cfg.dry_run {
        match keeper.ensure_bounty_account() {
            Ok(true) => tracing::info!(account = %bounty, "created the bounty account"),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(account = %bounty, error = %e, "could not create the bounty account")
            }
        }
    }
    loop {
        match keeper.tick() {
            Ok(r) => {
                for w in &r.waits {
                    tracing::info!(reason = %w, "waiting");
                }
            }
            Err(e) => tracing::warn!(error = %e, "tick failed: could not read the vault"),
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(interval));
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    if let Err(e) = run() {
        eprintln!("vault-keeper: {e}");
        std::process::exit(1);
    }
}
