//! The local node and the binaries as separate processes, talking over HTTP JSON-RPC the way
//! users run them: `vault-localnet` started here and stopped by its process id, the solana
//! RPC client's own calls against it, and the `vault` CLI and `vault-keeper` binaries from a
//! fresh keypair with no token accounts.

use anchor_lang::prelude::Pubkey;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_rpc_client::rpc_client::RpcClient;
use solana_signer::Signer;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use vault_client::ix::token;
use vault_client::{decode, pda};

/// A running node, killed (by its process id) when dropped.
struct Node {
    child: Child,
    url: String,
    vault: Pubkey,
    base_mint: Pubkey,
    dir: PathBuf,
    /// Everything it printed at start-up, by name (`lookup table`, `user keypair`, ...).
    fields: std::collections::HashMap<String, String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The folder of the workspace's binaries, with `vault` and `vault-keeper` built.
fn bin_dir() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--locked",
            "-q",
            "-p",
            "vault-cli",
            "-p",
            "vault-keeper",
            "--bins",
        ])
        .status()
        .expect("cargo build");
    assert!(status.success(), "building vault and vault-keeper");
    Path::new(env!("CARGO_BIN_EXE_vault-localnet"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vault-localnet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts a node on a free port and reads where it is from its first lines.
fn start(name: &str, assets: usize) -> Node {
    let dir = temp_dir(name);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vault-localnet"))
        .args([
            "--port",
            "0",
            "--speed",
            "60",
            "--assets",
            &assets.to_string(),
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("vault-localnet starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // `name (what it holds): value` lines until the last, `keeper config:`.
    let mut fields = std::collections::HashMap::new();
    loop {
        let line = lines
            .next()
            .expect("vault-localnet ended before printing its keeper config")
            .unwrap();
        if let Some((name, value)) = line.split_once(": ") {
            let name = name.split(" (").next().unwrap_or(name);
            fields.insert(name.to_string(), value.trim().to_string());
        }
        if line.starts_with("keeper config:") {
            break;
        }
    }
    let field = |k: &str| {
        fields
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no {k}: {fields:?}"))
    };
    let url = field("rpc");
    let vault = Pubkey::from_str(&field("vault")).unwrap();
    let base_mint = Pubkey::from_str(&field("base mint")).unwrap();
    std::thread::spawn(move || for _ in lines {});
    Node {
        child,
        url,
        vault,
        base_mint,
        dir,
        fields,
    }
}

fn admin(n: &Node) -> Keypair {
    vault_client::keypair::read(&n.dir.join("admin.json")).unwrap()
}

/// Runs the `vault` CLI with `--output json`; its exit status and what it printed.
fn vault_cli(n: &Node, home: &Path, keypair: Option<&Path>, args: &[&str]) -> (bool, Value) {
    let mut c = Command::new(bin_dir().join("vault"));
    c.env("HOME", home).args([
        "--url",
        &n.url,
        "--vault",
        &n.vault.to_string(),
        "--output",
        "json",
    ]);
    if let Some(k) = keypair {
        c.arg("--keypair").arg(k);
    }
    let out = c.args(args).output().expect("vault runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("vault {args:?}: not JSON ({e}): {text}"));
    (out.status.success(), v)
}

fn balance(rpc: &RpcClient, account: &Pubkey) -> u64 {
    let acc = rpc
        .get_multiple_accounts(&[*account])
        .unwrap()
        .pop()
        .flatten();
    acc.map_or(0, |a| decode::token_account(&a.data).unwrap().amount)
}

/// A fresh wallet: SOL from the node's airdrop, `base` whole base tokens from the admin (the
/// base mint's authority, as a faucet); nothing else.
fn fresh_wallet(n: &Node, rpc: &RpcClient, home: &Path, base: u64) -> (Keypair, PathBuf) {
    let kp = Keypair::new();
    let path = home.join("wallet.json");
    vault_client::keypair::write(&path, &kp).unwrap();
    let sig = rpc.request_airdrop(&kp.pubkey(), 1_000_000_000).unwrap();
    assert!(rpc.confirm_transaction(&sig).unwrap());
    let admin = admin(n);
    let spl = anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    let ata = pda::associated_token(&kp.pubkey(), &n.base_mint, &spl);
    let ixs = [
        token::create_associated_idempotent(admin.pubkey(), kp.pubkey(), n.base_mint, spl),
        token::mint_to(n.base_mint, ata, admin.pubkey(), base * 1_000_000),
    ];
    let bh = rpc.get_latest_blockhash().unwrap();
    let tx = vault_client::build_transaction(&admin.pubkey(), &ixs, &[&admin], bh, &[]).unwrap();
    rpc.send_and_confirm_transaction(&tx).unwrap();
    (kp, path)
}

#[test]
fn localnet_rpc_methods_ok() {
    let n = start("rpc", 2);
    let rpc = RpcClient::new(n.url.clone());
    assert_eq!(rpc.get_health().ok(), Some(()));
    assert_eq!(rpc.get_version().unwrap().solana_core, "3.1.12");
    let slot = rpc.get_slot().unwrap();
    assert!(rpc.get_block_height().unwrap() >= slot);
    assert!(rpc.get_minimum_balance_for_rent_exemption(165).unwrap() > 0);
    let vault = rpc.get_account(&n.vault).unwrap();
    assert_eq!(vault.owner, vault_client::portfolio_vault::ID);
    // Every sim-amm pool of the two assets and the base: three pairs.
    let pools = rpc.get_program_accounts(&sim_amm::ID).unwrap();
    let pool_size = pools.iter().map(|(_, a)| a.data.len()).max().unwrap();
    use solana_rpc_client_api::config::RpcProgramAccountsConfig;
    use solana_rpc_client_api::filter::RpcFilterType;
    let cfg = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::DataSize(pool_size as u64)]),
        ..Default::default()
    };
    let filtered = rpc
        .get_program_ui_accounts_with_config(&sim_amm::ID, cfg)
        .unwrap();
    assert_eq!(filtered.len(), 3, "{} sim-amm accounts", pools.len());

    // A transfer: fee, statuses, the transaction with its logs, the prioritization fee.
    let admin = admin(&n);
    let to = Keypair::new().pubkey();
    let ixs = [
        solana_compute_budget_interface_ix(),
        anchor_lang::solana_program::system_instruction::transfer(&admin.pubkey(), &to, 5_000_000),
    ];
    let bh = rpc.get_latest_blockhash().unwrap();
    assert!(rpc.is_blockhash_valid(&bh, rpc.commitment()).unwrap());
    let tx = vault_client::build_transaction(&admin.pubkey(), &ixs, &[&admin], bh, &[]).unwrap();
    let solana_message::VersionedMessage::Legacy(message) = &tx.message else {
        panic!("a legacy transaction")
    };
    let fee = rpc.get_fee_for_message(message).unwrap();
    assert_eq!(fee, 5_000 + 1_000 * 200_000 / 1_000_000);
    let sim = rpc.simulate_transaction(&tx).unwrap().value;
    assert_eq!(sim.err, None);
    let sig = rpc.send_and_confirm_transaction(&tx).unwrap();
    assert_eq!(rpc.get_balance(&to).unwrap(), 5_000_000);
    let status = rpc.get_signature_statuses(&[sig]).unwrap().value;
    assert_eq!(status[0].as_ref().map(|s| s.err.clone()), Some(None));
    let fees = rpc
        .get_recent_prioritization_fees(&[admin.pubkey()])
        .unwrap();
    assert!(
        fees.iter().any(|f| f.prioritization_fee == 1_000),
        "{fees:?}"
    );
    use solana_transaction_status_client_types::UiTransactionEncoding;
    let got = rpc
        .get_transaction(&sig, UiTransactionEncoding::Base64)
        .unwrap();
    let logs: Option<Vec<String>> = got.transaction.meta.unwrap().log_messages.into();
    assert!(
        logs.unwrap()
            .iter()
            .any(|l| l.contains("11111111111111111111111111111111 success")),
        "the system program's log"
    );

    // A transaction the program refuses: preflight names the error, nothing lands.
    let stranger = Keypair::new();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&stranger.pubkey(), &to, 1);
    let bh = rpc.get_latest_blockhash().unwrap();
    let tx =
        vault_client::build_transaction(&stranger.pubkey(), &[ix], &[&stranger], bh, &[]).unwrap();
    let e = rpc.send_transaction(&tx).unwrap_err();
    assert!(e.to_string().contains("simulation failed"), "{e}");
    assert_eq!(rpc.get_balance(&to).unwrap(), 5_000_000);
}

fn solana_compute_budget_interface_ix() -> solana_instruction::Instruction {
    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(1_000)
}

#[test]
fn localnet_fresh_wallet_cli_and_keeper_ok() {
    let n = start("cli", 3);
    let rpc = RpcClient::new(n.url.clone());
    let home = temp_dir("cli-home");
    // A read-only command needs no keypair (there is none in this HOME).
    let (ok, show) = vault_cli(&n, &home, None, &["show"]);
    assert!(ok, "{show}");
    assert_eq!(show["vault"], n.vault.to_string());
    let (kp, wallet) = fresh_wallet(&n, &rpc, &home, 5_000);
    let shares = pda::associated_token(
        &kp.pubkey(),
        &pda::share_mint(&n.vault),
        &anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
    );
    assert!(rpc.get_multiple_accounts(&[shares]).unwrap()[0].is_none());

    // A deposit creates the share account it needs.
    let (ok, r) = vault_cli(&n, &home, Some(&wallet), &["deposit", "1000"]);
    assert!(ok, "deposit: {r}");
    let held = balance(&rpc, &shares);
    assert_eq!(held, r["preview_shares"].as_u64().unwrap());
    let (ok, p) = vault_cli(&n, &home, Some(&wallet), &["position"]);
    assert!(ok, "{p}");
    assert_eq!(p["shares"].as_u64(), Some(held));
    let half = (held / 2).to_string();
    let (ok, r) = vault_cli(&n, &home, Some(&wallet), &["withdraw", "--shares", &half]);
    assert!(ok, "withdraw: {r}");
    // By amount: 100 base tokens, at least.
    let base = pda::associated_token(
        &kp.pubkey(),
        &n.base_mint,
        &anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
    );
    let before = balance(&rpc, &base);
    let (ok, r) = vault_cli(&n, &home, Some(&wallet), &["withdraw", "100"]);
    assert!(ok, "withdraw 100: {r}");
    let paid = balance(&rpc, &base) - before;
    assert!((100_000_000..100_000_010).contains(&paid), "paid {paid}");
    // The exit in kind creates every asset account.
    let (ok, r) = vault_cli(&n, &home, Some(&wallet), &["redeem-in-kind", "all"]);
    assert!(ok, "redeem-in-kind: {r}");
    assert_eq!(balance(&rpc, &shares), 0);

    // Bad input: a clear error, a non-zero exit, nothing sent.
    let (ok, r) = vault_cli(&n, &home, Some(&wallet), &["deposit", "abc"]);
    assert!(
        !ok && r["error"].as_str().unwrap().contains("amount abc"),
        "{r}"
    );
    // No keypair given and none in the solana CLI's place: the error names that place.
    let (ok, r) = vault_cli(&n, &home, None, &["deposit", "1"]);
    assert!(
        !ok && r["error"]
            .as_str()
            .unwrap()
            .contains(".config/solana/id.json"),
        "{r}"
    );

    // A keeper from its generated config: it creates its bounty account and rebalances.
    let out = Command::new(bin_dir().join("vault-keeper"))
        .arg("--config")
        .arg(n.dir.join("keeper.toml"))
        .arg("--once")
        .env("RUST_LOG", "info")
        .output()
        .expect("vault-keeper runs");
    let logs =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{logs}");
    assert!(logs.contains("sent"), "{logs}");

    // The node unreachable: the CLI names the URL and the cause.
    let mut c = Command::new(bin_dir().join("vault"));
    let out = c
        .env("HOME", &home)
        .args([
            "--url",
            "http://127.0.0.1:1",
            "--vault",
            &n.vault.to_string(),
            "show",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("http://127.0.0.1:1") && err.contains("Connection refused"),
        "{err}"
    );
}

/// `GET path` on localhost:`port`: the status code and body.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((
        code,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    ))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A keeper started while its node is unreachable keeps retrying with backoff and serves
/// `/metrics`, and `/health` says it is stale (it used to exit on the first error).
#[test]
fn keeper_start_ok_while_the_node_is_unreachable() {
    let home = temp_dir("keeper-home");
    let kp = home.join("keeper.json");
    vault_client::keypair::write(&kp, &Keypair::new()).unwrap();
    let port = free_port();
    let mut keeper = Command::new(bin_dir().join("vault-keeper"))
        .args(["--rpc-url", &format!("http://127.0.0.1:{}", free_port())])
        .arg("--keypair")
        .arg(&kp)
        .args(["--vault", &Pubkey::new_unique().to_string()])
        .args(["--metrics-port", &port.to_string()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut metrics = None;
    for _ in 0..100 {
        metrics = http_get(port, "/metrics");
        if metrics.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let health = http_get(port, "/health");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let alive = keeper.try_wait().unwrap().is_none();
    let _ = keeper.kill();
    let out = keeper.wait_with_output().unwrap();
    let logs =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(metrics.map(|m| m.0), Some(200), "{logs}");
    assert_eq!(health.map(|h| h.0), Some(503));
    assert!(alive, "still retrying: {logs}");
    assert!(
        logs.contains("retrying") && logs.contains("Connection refused"),
        "{logs}"
    );
}

/// The `vault` binary at 16 assets: the node's ready-made user (SOL and base tokens only)
/// deposits and exits in kind through the node's lookup table; without it the exit is refused
/// with advice, before anything is sent.
#[test]
fn localnet_redeem_in_kind_ok_at_16_assets_through_the_lookup_table() {
    let n = start("sixteen", 16);
    let rpc = RpcClient::new(n.url.clone());
    let home = temp_dir("sixteen-home");
    let user = PathBuf::from(&n.fields["user keypair"]);
    let table = n.fields["lookup table"].clone();
    let (ok, r) = vault_cli(&n, &home, Some(&user), &["deposit", "1000"]);
    assert!(ok, "deposit: {r}");
    let kp = vault_client::keypair::read(&user).unwrap();
    let spl = anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    let shares = pda::associated_token(&kp.pubkey(), &pda::share_mint(&n.vault), &spl);
    let held = balance(&rpc, &shares);
    assert!(held > 0);
    let (ok, r) = vault_cli(&n, &home, Some(&user), &["redeem-in-kind", "all"]);
    assert!(
        !ok && r["error"].as_str().unwrap().contains("--lookup-table"),
        "{r}"
    );
    assert_eq!(balance(&rpc, &shares), held, "nothing redeemed");
    let (ok, r) = vault_cli(
        &n,
        &home,
        Some(&user),
        &["--lookup-table", &table, "redeem-in-kind", "all"],
    );
    assert!(ok, "redeem-in-kind: {r}");
    assert_eq!(balance(&rpc, &shares), 0);
    // `lookup-table` over RPC makes the same table.
    let (ok, r) = vault_cli(&n, &home, Some(&user), &["lookup-table"]);
    assert!(ok, "lookup-table: {r}");
    let made = Pubkey::from_str(r["lookup_table"].as_str().unwrap()).unwrap();
    let node_table = Pubkey::from_str(&table).unwrap();
    let addresses = |key: &Pubkey| {
        use vault_client::chain::rpc::RpcChain;
        let chain = RpcChain::new(&n.url);
        vault_client::chain::fetch_lookup_table(&chain, key)
            .unwrap()
            .addresses
    };
    assert_eq!(addresses(&made), addresses(&node_table));
}

/// Runs `vault-keeper --once` with the node's keeper config and `extra` arguments; its exit
/// status and logs.
fn keeper_once(n: &Node, extra: &[&str]) -> std::process::Child {
    Command::new(bin_dir().join("vault-keeper"))
        .arg("--config")
        .arg(n.dir.join("keeper.toml"))
        .arg("--once")
        .args(extra)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vault-keeper runs")
}

fn logs_of(child: std::process::Child) -> (bool, String) {
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Two keepers with one key race on the same vault: both end cleanly, the work is done once
/// (every transaction the loser sends is refused by the program or lands harmlessly), and
/// the vault's invariants hold.
#[test]
fn keeper_race_ok_two_processes() {
    let n = start("race", 3);
    let (a, b) = (keeper_once(&n, &[]), keeper_once(&n, &[]));
    let ((ok_a, logs_a), (ok_b, logs_b)) = (logs_of(a), logs_of(b));
    assert!(ok_a && ok_b, "{logs_a}\n{logs_b}");
    let all = format!("{logs_a}\n{logs_b}");
    assert!(all.contains("sent"), "{all}");
    assert!(!all.contains("gave up after retries"), "{all}");
    let rpc = RpcClient::new(n.url.clone());
    let v = decode::vault(&rpc.get_account(&n.vault).unwrap().data).unwrap();
    v.invariant().unwrap();
    // The risk model's minimum interval lets one sample through, whoever won.
    assert_eq!(all.matches("sent kind=UpdateRisk").count(), 1, "{all}");
}

/// An HTTP proxy in front of `upstream` that answers the first `failures` requests with the
/// statuses of `codes` in turn (429, 503, ...) and forwards the rest; returns its port.
fn flaky_proxy(upstream: &str, failures: usize, codes: &'static [u16]) -> u16 {
    use std::io::{Read, Write};
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (k, conn) in listener.incoming().enumerate() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = vec![];
            let mut chunk = [0u8; 8192];
            let (head_end, len) = loop {
                let Ok(r) = conn.read(&mut chunk) else {
                    break (0, 0);
                };
                if r == 0 {
                    break (0, 0);
                }
                buf.extend_from_slice(&chunk[..r]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    break (i + 4, len);
                }
            };
            if head_end == 0 {
                continue;
            }
            while buf.len() < head_end + len {
                match conn.read(&mut chunk) {
                    Ok(r) if r > 0 => buf.extend_from_slice(&chunk[..r]),
                    _ => break,
                }
            }
            if k < failures {
                let code = codes[k % codes.len()];
                let _ = write!(
                    conn,
                    "HTTP/1.1 {code} Flaky\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                continue;
            }
            let body = &buf[head_end..head_end + len];
            let Ok(mut up) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let _ = write!(
                up,
                "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = up.write_all(body);
            let mut reply = vec![];
            let _ = up.read_to_end(&mut reply);
            let _ = conn.write_all(&reply);
        }
    });
    port
}

/// A keeper behind an RPC that answers 429 and 503 at first keeps going and then rebalances:
/// the solana RPC client retries a 429 itself; a 503 reaches the keeper, which backs off.
#[test]
fn keeper_start_ok_through_429_and_503() {
    let n = start("flaky", 3);
    let port = flaky_proxy(&n.url, 6, &[429, 503]);
    let url = format!("http://127.0.0.1:{port}");
    let (ok, logs) = logs_of(keeper_once(&n, &["--rpc-url", &url]));
    assert!(ok, "{logs}");
    assert!(logs.contains("503") && logs.contains("retrying"), "{logs}");
    assert!(logs.contains("sent kind=Swap"), "{logs}");
}
