//! `vault`: the depositor and governance CLI against a cluster (see `lib.rs` for commands).

use clap::Parser;
use solana_signer::Signer;
use std::process::ExitCode;
use vault_cli::{error_message, execute, pubkey, render, Cli, Ctx, Output};
use vault_client::chain::rpc::RpcChain;
use vault_client::OracleAddresses;

fn read_keypair(path: &str) -> Result<solana_keypair::Keypair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading keypair {path}: {e}"))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|e| format!("{path}: not a JSON keypair file ({e})"))?;
    solana_keypair::Keypair::try_from(bytes.as_slice()).map_err(|e| format!("{path}: {e}"))
}

fn run(cli: &Cli) -> Result<serde_json::Value, String> {
    let chain = RpcChain::new(&cli.url);
    let signer = cli.keypair.as_deref().map(read_keypair).transpose()?;
    let me = match (&signer, &cli.signer) {
        (Some(k), _) => k.pubkey(),
        (None, Some(s)) => pubkey(s, "--signer").map_err(|e| e.to_string())?,
        (None, None) => {
            return Err("no signer: pass --keypair, or --signer with --sign-only".into())
        }
    };
    let mut oracles = OracleAddresses::default();
    for o in &cli.oracles {
        let (feed, addr) = o
            .split_once('=')
            .ok_or_else(|| format!("--oracle {o}: FEED_HEX=ADDRESS"))?;
        let id = vault_client::oracle::feed_id_from_hex(feed)?;
        oracles = oracles.with(id, pubkey(addr, "--oracle").map_err(|e| e.to_string())?);
    }
    let vault = cli
        .vault
        .as_deref()
        .map(|v| pubkey(v, "--vault"))
        .transpose()
        .map_err(|e| e.to_string())?;
    let ctx = Ctx {
        chain: &chain,
        signer,
        me,
        sign_only: cli.sign_only,
        oracles,
    };
    execute(&cli.cmd, &ctx, vault).map_err(|e| error_message(&e))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(v) => {
            match cli.output {
                Output::Json => println!("{v}"),
                Output::Text => print!("{}", render(&v)),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            match cli.output {
                Output::Json => println!("{}", serde_json::json!({ "error": e })),
                Output::Text => eprintln!("vault: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}
