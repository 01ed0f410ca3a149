//! `vault`: the depositor and governance CLI against a cluster (see `lib.rs` for commands).

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use solana_signer::Signer;
use std::process::ExitCode;
use vault_cli::{error_message, execute, pubkey, render, Cli, Ctx, Output};
use vault_client::chain::rpc::RpcChain;
use vault_client::OracleAddresses;

fn run(cli: &Cli) -> Result<serde_json::Value, String> {
    let chain = RpcChain::new(&cli.url);
    // `--signer` names the signer of a `--sign-only` transaction without its keypair; a
    // read-only command needs no keypair; the rest read `--keypair` or the solana CLI's.
    let path = vault_client::keypair::resolve(cli.keypair.as_deref());
    let signer = match (&cli.signer, cli.keypair.is_some() || cli.cmd.sends()) {
        (None, true) => Some(vault_client::keypair::read(&path)?),
        _ => None,
    };
    let me = match (&signer, &cli.signer) {
        (Some(k), _) => k.pubkey(),
        (None, Some(s)) => pubkey(s, "--signer").map_err(|e| e.to_string())?,
        (None, None) => Pubkey::default(),
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
    let table_keys = cli
        .lookup_tables
        .iter()
        .map(|t| pubkey(t, "--lookup-table"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut tables = vec![];
    for key in &table_keys {
        tables.push(
            vault_client::chain::fetch_lookup_table(&chain, key)
                .map_err(|e| format!("--lookup-table {key}: {}", error_message(&e)))?,
        );
    }
    let ctx = Ctx {
        chain: &chain,
        signer,
        me,
        sign_only: cli.sign_only,
        oracles,
        tables,
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
