//! `vault-localnet`: starts the local RPC node (see the library) and prints where it is.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vault_localnet::market::Market;
use vault_localnet::node::Node;
use vault_localnet::server;
use vault_sim::market::{generate, MarketParams};
use vault_sim::world::{Setup, World};

#[derive(Parser, Debug)]
#[command(
    name = "vault-localnet",
    version,
    about = "A local Solana JSON-RPC node running the vault, sim-amm and sim-perp natively, with a live simulated market"
)]
struct Args {
    /// Port of the JSON-RPC endpoint (0: any free port; the one taken is printed).
    #[arg(long, default_value_t = 8899)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Market seconds per wall-clock second.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Assets of the vault (1 to 16).
    #[arg(long, default_value_t = 8)]
    assets: usize,
    /// Seed of the simulated market.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folder for the keeper's config and the keypairs.
    #[arg(long, default_value = "target/localnet")]
    dir: PathBuf,
}

fn check(a: &Args) -> Result<(), String> {
    if !(1..=portfolio_vault_max_assets()).contains(&a.assets) {
        return Err(format!(
            "--assets {}: from 1 to {}",
            a.assets,
            portfolio_vault_max_assets()
        ));
    }
    if !(a.speed.is_finite() && a.speed > 0.0 && a.speed <= 1e6) {
        return Err(format!("--speed {}: above 0, at most 1000000", a.speed));
    }
    Ok(())
}

fn portfolio_vault_max_assets() -> usize {
    vault_client::portfolio_vault::constants::MAX_ASSETS
}

/// What the ready-made user wallet holds.
const USER_SOL: u64 = 10;
const USER_BASE: u64 = 1_000_000;

/// A wallet as a new user's: SOL and base tokens in its associated account, nothing else.
fn fund_user(w: &World) -> Result<solana_keypair::Keypair, String> {
    use solana_signer::Signer;
    let kp = solana_keypair::Keypair::new();
    let payer = w.chain.payer().pubkey();
    let (mint, program) = (w.keys.base_mint, w.keys.base_token_program);
    let ixs = [
        anchor_lang::solana_program::system_instruction::transfer(
            &payer,
            &kp.pubkey(),
            USER_SOL * 1_000_000_000,
        ),
        vault_client::ix::token::create_associated_idempotent(payer, kp.pubkey(), mint, program),
    ];
    w.send(&ixs, &[])
        .map_err(|e| format!("funding the user wallet: {e}"))?;
    let ata = vault_client::pda::associated_token(&kp.pubkey(), &mint, &program);
    let decimals = vault_sim::world::BASE_DECIMALS as u32;
    w.mint_to(&mint, &ata, USER_BASE * 10u64.pow(decimals));
    Ok(kp)
}

/// The JSON-RPC listener on `port` and the WebSocket listener on the next port (where
/// `@solana/web3.js` looks for it); with port 0, a free pair.
async fn listen(
    bind: &str,
    port: u16,
) -> Result<(tokio::net::TcpListener, tokio::net::TcpListener), String> {
    use tokio::net::TcpListener;
    let at = |p: u16| format!("--bind {bind} --port {p}");
    for _ in 0..32 {
        let http = TcpListener::bind((bind, port))
            .await
            .map_err(|e| format!("{}: {e}", at(port)))?;
        let p = http.local_addr().map_err(|e| e.to_string())?.port();
        match TcpListener::bind((bind, p.wrapping_add(1))).await {
            Ok(ws) => return Ok((http, ws)),
            Err(e) if port != 0 => {
                return Err(format!("websocket port {}: {e}", p.wrapping_add(1)))
            }
            Err(_) => continue,
        }
    }
    Err(format!("{}: no free pair of ports", at(port)))
}

fn run(a: Args) -> Result<(), String> {
    check(&a)?;
    std::fs::create_dir_all(&a.dir).map_err(|e| format!("--dir {}: {e}", a.dir.display()))?;
    let dir =
        std::fs::canonicalize(&a.dir).map_err(|e| format!("--dir {}: {e}", a.dir.display()))?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| format!("tokio: {e}"))?;
    let (listener, ws_listener) = rt.block_on(listen(&a.bind, a.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    let mut params = MarketParams::new(a.assets, 24 * 365, a.seed);
    params.flash_crash = None;
    let path = generate(&params);
    let world = World::build(Setup::default(), &path.prices[0]);
    let url = format!("http://{addr}");
    let ws_addr = ws_listener.local_addr().map_err(|e| e.to_string())?;
    let (keeper_kp, admin_kp) = (dir.join("keeper.json"), dir.join("admin.json"));
    vault_client::keypair::write(&keeper_kp, &world.keeper.kp)?;
    vault_client::keypair::write(&admin_kp, world.chain.payer())?;
    let user_kp = dir.join("user.json");
    vault_client::keypair::write(&user_kp, &fund_user(&world)?)?;
    let config = dir.join("keeper.toml");
    let toml = format!(
        "# Written by vault-localnet for the vault it serves.\nrpc_url = \"{url}\"\nkeypair_path = \"{}\"\nvault = \"{}\"\nbounty_account = \"{}\"\nmetrics_port = 0\n",
        keeper_kp.display(),
        world.vault,
        world.keeper.base,
    );
    std::fs::write(&config, toml).map_err(|e| format!("writing {}: {e}", config.display()))?;
    let say = vault_sim::stdout::line;
    say(&format!("rpc: {url}"));
    say(&format!("websocket: ws://{ws_addr}"));
    say(&format!("vault: {}", world.vault));
    say(&format!("base mint: {}", world.base_mint));
    say(&format!(
        "admin keypair (admin of the vault, mint authority of the base mint): {}",
        admin_kp.display()
    ));
    say(&format!(
        "user keypair ({USER_SOL} SOL, {USER_BASE} base tokens, no other account): {}",
        user_kp.display()
    ));
    if let Some(t) = world.tables.first() {
        say(&format!("lookup table: {}", t.key));
    }
    say(&format!("keeper config: {}", config.display()));

    let market = Market::new(path, a.speed, world.now());
    let node = Node::new(world, market);
    let registry = node.pubsub.clone();
    let (calls, rx) = std::sync::mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let node_stop = stop.clone();
    let node_thread = std::thread::spawn(move || server::run_node(node, rx, node_stop));
    let ws = server::ws_router(calls.clone(), registry);
    let served = rt.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let mut rx2 = rx.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
        });
        let ws = tokio::spawn(async move {
            axum::serve(ws_listener, ws)
                .with_graceful_shutdown(async move {
                    let _ = rx2.changed().await;
                })
                .await
        });
        let mut rx = rx;
        let http = axum::serve(listener, server::router(calls))
            .with_graceful_shutdown(async move {
                let _ = rx.changed().await;
            })
            .await;
        ws.abort();
        http
    });
    stop.store(true, Ordering::Relaxed);
    let _ = node_thread.join();
    say("stopped");
    served.map_err(|e| format!("server: {e}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    vault_sim::stdout::take("VAULT_LOCALNET_PROGRAM_LOGS");
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vault-localnet: {e}");
            ExitCode::FAILURE
        }
    }
}
