//! The `vault` CLI's commands against the in-process backend (the same functions the binary
//! runs against a cluster): results, clear errors with the program's error names, nothing
//! changed on a refusal, `--sign-only`.

use anchor_lang::prelude::Pubkey;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use vault_cli::{error_message, execute, gate_mask, parse_amount, Cmd, Ctx};
use vault_client::pda::associated_token as associated_token_account;
use vault_client::{ChainClient, OracleAddresses};
use vault_sim::world::{Setup, World};

const SPL_TOKEN: Pubkey = anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const ATA_PROGRAM: Pubkey = anchor_lang::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

fn ctx<'a>(w: &'a World, kp: &Keypair) -> Ctx<'a> {
    ctx_on(&w.chain, kp)
}

/// The signer `kp` against `chain`.
fn ctx_on<'a>(chain: &'a dyn ChainClient, kp: &Keypair) -> Ctx<'a> {
    Ctx {
        chain,
        signer: Some(kp.insecure_clone()),
        me: kp.pubkey(),
        sign_only: false,
        oracles: OracleAddresses::default(),
        tables: vec![],
    }
}

/// A user with associated token accounts for the base, the shares and every asset (what
/// wallets create), holding `base` whole base tokens.
fn user(w: &World, base: u64) -> Keypair {
    let kp = Keypair::new();
    let payer = w.chain.payer().pubkey();
    w.send(
        &[anchor_lang::solana_program::system_instruction::transfer(
            &payer,
            &kp.pubkey(),
            1_000_000_000,
        )],
        &[],
    )
    .unwrap();
    let mut mints = vec![w.base_mint, w.keys.share_mint];
    mints.extend(w.assets.iter().map(|a| a.mint));
    for m in &mints {
        let ata = associated_token_account(&kp.pubkey(), m, &SPL_TOKEN);
        let ix = Instruction {
            program_id: ATA_PROGRAM,
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(ata, false),
                AccountMeta::new_readonly(kp.pubkey(), false),
                AccountMeta::new_readonly(*m, false),
                AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
                AccountMeta::new_readonly(SPL_TOKEN, false),
            ],
            data: vec![1],
        };
        w.send(&[ix], &[]).unwrap();
    }
    let base_ata = associated_token_account(&kp.pubkey(), &w.base_mint, &SPL_TOKEN);
    w.mint_to(&w.base_mint.clone(), &base_ata, base * 1_000_000);
    kp
}

fn setup() -> (World, Keypair) {
    let mut w = World::build(Setup::default(), &[3_000.0, 150.0, 25.0]);
    let u = user(&w, 100_000);
    let shares = associated_token_account(&u.pubkey(), &w.keys.share_mint, &SPL_TOKEN);
    w.share_accounts.push(shares);
    (w, u)
}

fn shares_of(w: &World, kp: &Keypair) -> u64 {
    let a = associated_token_account(&kp.pubkey(), &w.keys.share_mint, &SPL_TOKEN);
    vault_client::decode::token_account(&w.chain.account(&a).unwrap().data)
        .unwrap()
        .amount
}

#[test]
fn cli_deposit_ok_mints_the_previewed_shares() {
    let (w, u) = setup();
    let r = execute(&deposit_cmd("2500.5"), &ctx(&w, &u), Some(w.vault)).unwrap();
    assert_eq!(r["amount"], 2_500_500_000u64);
    assert!(r["signature"].is_string());
    assert_eq!(
        shares_of(&w, &u),
        r["preview_shares"].as_u64().unwrap(),
        "the preview is exact"
    );
}

#[test]
fn cli_deposit_fails_below_minimum_with_a_clear_error() {
    let (w, u) = setup();
    let before = w.chain.get_account(&w.vault).unwrap();
    let e = execute(&deposit_cmd("1"), &ctx(&w, &u), Some(w.vault)).unwrap_err();
    assert_eq!(e.name(), Some("DepositBelowMinimum"));
    let msg = error_message(&e);
    assert!(
        msg.contains("DepositBelowMinimum") && msg.contains("code 6"),
        "{msg}"
    );
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
    // An explicit minimum above what the vault would mint reaches the program and is refused there.
    let e = execute(
        &Cmd::Deposit {
            amount: "100".into(),
            min_shares: Some(u64::MAX),
            from: None,
            shares_account: None,
        },
        &ctx(&w, &u),
        Some(w.vault),
    )
    .unwrap_err();
    assert_eq!(e.name(), Some("DepositSlippageExceeded"), "{e}");
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
}

#[test]
fn cli_withdraw_and_redeem_in_kind_ok() {
    let (w, u) = setup();
    let c = ctx(&w, &u);
    execute(&deposit_cmd("1000"), &c, Some(w.vault)).unwrap();
    // By amount: the fewest shares paying 250 base tokens.
    let base = associated_token_account(&u.pubkey(), &w.base_mint, &SPL_TOKEN);
    let balance = || {
        vault_client::decode::token_account(&w.chain.account(&base).unwrap().data)
            .unwrap()
            .amount
    };
    let (before, held, snap) = (balance(), shares_of(&w, &u), w.snapshot().unwrap());
    let r = execute(
        &Cmd::Withdraw {
            shares: false,
            amount: "250".into(),
            min_out: None,
            to: None,
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap();
    let burned = held - shares_of(&w, &u);
    assert_eq!(r["shares"].as_u64(), Some(burned));
    assert!(
        balance() - before >= 250_000_000,
        "paid {}",
        balance() - before
    );
    assert_eq!(snap.shares_for_exit(250_000_000).unwrap(), burned);
    assert!(
        snap.preview_exit(burned - 1).unwrap().net() < 250_000_000,
        "one share fewer would not pay it"
    );
    let s = shares_of(&w, &u);
    let r = execute(
        &Cmd::Withdraw {
            shares: true,
            amount: (s / 2).to_string(),
            min_out: None,
            to: None,
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap();
    assert!(r["preview_base_units"].as_u64().unwrap() > 0);
    execute(
        &Cmd::RedeemInKind {
            shares: "all".into(),
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap();
    assert_eq!(shares_of(&w, &u), 0);
    let e = execute(
        &Cmd::Withdraw {
            shares: true,
            amount: "ten".into(),
            min_out: None,
            to: None,
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap_err();
    assert!(e.to_string().contains("whole number"), "{e}");
}

/// `deposit AMOUNT` with the defaults.
fn deposit_cmd(amount: &str) -> Cmd {
    Cmd::Deposit {
        amount: amount.into(),
        min_shares: None,
        from: None,
        shares_account: None,
    }
}

/// `request-withdraw --shares SHARES` with the defaults.
fn request_withdraw(shares: &str) -> Cmd {
    Cmd::RequestWithdraw {
        amount: shares.into(),
        shares: true,
        min_owed: None,
        to: None,
        shares_account: None,
    }
}

#[test]
fn cli_request_withdraw_claim_cancel_and_position_ok() {
    let (w, u) = setup();
    let c = ctx(&w, &u);
    let deposit = deposit_cmd("1000");
    execute(&deposit, &c, Some(w.vault)).unwrap();
    let held = shares_of(&w, &u);
    let request = |shares: u64| request_withdraw(&shares.to_string());
    let r = execute(&request(held / 2), &c, Some(w.vault)).unwrap();
    assert_eq!(
        (r["request_id"].as_u64(), r["ahead_in_queue"].as_u64()),
        (Some(0), Some(0))
    );
    let owed = r["preview_owed"].as_u64().unwrap();
    let p = execute(&Cmd::Position { owner: None }, &c, Some(w.vault)).unwrap();
    assert_eq!(p["shares"].as_u64(), Some(held - held / 2));
    assert_eq!(p["requests"][0]["id"].as_u64(), Some(0));
    assert_eq!(p["requests"][0]["owed_at_most"].as_u64(), Some(owed));
    let f = |k: &str| p[k].as_f64().unwrap_or_else(|| panic!("{k}: {p}"));
    assert!(f("value_mid") >= f("value") && f("value") >= f("value_after_levy"));
    assert!(f("share_of_nav") > 0.0 && f("share_of_nav") < 1.0);
    assert!(
        f("withdraw_pays_now") > 0.0,
        "the idle base pays the rest: {p}"
    );
    // The idle base covers it: `claim` fills the head and pays it out in one transaction.
    let base = associated_token_account(&u.pubkey(), &w.base_mint, &SPL_TOKEN);
    let balance = || {
        vault_client::decode::token_account(&w.chain.account(&base).unwrap().data)
            .unwrap()
            .amount
    };
    let before = balance();
    let r = execute(&Cmd::Claim { id: 0 }, &c, Some(w.vault)).unwrap();
    assert_eq!(r["paid"].as_u64(), Some(owed));
    assert_eq!(balance() - before, owed);
    let p = execute(&Cmd::Position { owner: None }, &c, Some(w.vault)).unwrap();
    assert_eq!(p["requests"].as_array().map(Vec::len), Some(0), "closed");
    // A second request, cancelled: the shares come back less the levy.
    let left = shares_of(&w, &u);
    execute(&request(left), &c, Some(w.vault)).unwrap();
    assert_eq!(shares_of(&w, &u), 0);
    let r = execute(
        &Cmd::CancelWithdraw {
            id: 1,
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap();
    assert_eq!(r["shares_in_escrow"].as_u64(), Some(left));
    let back = shares_of(&w, &u);
    assert!(back > 0 && back <= left, "{back} of {left}");
}

#[test]
fn cli_claim_fails_naming_the_request_and_changes_nothing() {
    let (w, u) = setup();
    let c = ctx(&w, &u);
    let before = w.chain.get_account(&w.vault).unwrap();
    let e = execute(&Cmd::Claim { id: 7 }, &c, Some(w.vault)).unwrap_err();
    let msg = error_message(&e);
    assert!(
        msg.contains("request 7") && msg.contains("no such request"),
        "{msg}"
    );
    let e = execute(&request_withdraw("half"), &c, Some(w.vault)).unwrap_err();
    assert!(e.to_string().contains("shares half"), "{e}");
    let e = execute(&request_withdraw("1000"), &c, Some(w.vault)).unwrap_err();
    assert_eq!(e.name(), Some("WithdrawInsufficientShares"), "{e}");
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
}

#[test]
fn cli_show_reports_nav_assets_and_pending_proposals() {
    let (w, u) = setup();
    let admin = w.chain.payer().insecure_clone();
    execute(&deposit_cmd("1000"), &ctx(&w, &u), Some(w.vault)).unwrap();
    let p = execute(
        &propose(
            "fees",
            &["management_fee_bps=100", "performance_fee_bps=1000"],
        ),
        &ctx(&w, &admin),
        Some(w.vault),
    )
    .unwrap();
    let id = p["proposal"].as_u64().unwrap();
    let v = execute(&Cmd::Show, &ctx(&w, &u), Some(w.vault)).unwrap();
    let nav = v["nav"].as_f64().unwrap();
    assert!(
        (nav - 2_000.0).abs() < 1.0,
        "creator's 1,000 plus the deposit: {nav}"
    );
    assert!(v["nav_low"].as_f64().unwrap() <= nav && nav <= v["nav_high"].as_f64().unwrap());
    assert_eq!(v["assets"].as_array().unwrap().len(), 3);
    assert!((v["assets"][0]["price"].as_f64().unwrap() - 3_000.0).abs() < 1e-6);
    assert_eq!(v["pending_proposals"][0]["id"], id);
    assert_eq!(v["pending_proposals"][0]["matured"], false);
    let text = vault_cli::render(&v);
    assert!(
        text.contains("pending_proposals:") && text.contains("share_price:"),
        "{text}"
    );
}

/// `vault propose <change> <fields...>`.
fn propose(change: &str, fields: &[&str]) -> Cmd {
    Cmd::Propose {
        change: change.into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

#[test]
fn cli_propose_fails_naming_the_field_and_changes_nothing() {
    let (w, _u) = setup();
    let admin = w.chain.payer().insecure_clone();
    let a = ctx(&w, &admin);
    let before = w.chain.get_account(&w.vault).unwrap();
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "fees",
            &["management_fee_bps=100"],
            "missing field `performance_fee_bps`",
        ),
        (
            "fees",
            &[
                "management_fee_bps=100",
                "performance_fee_bps=1000",
                "perf=1",
            ],
            "unknown field `perf`",
        ),
        ("asset-oracle", &["index=0", "max_age_s=-3"], "max_age_s"),
        (
            "raise-everything",
            &["x=1"],
            "unknown variant `raise-everything`",
        ),
        ("rebalance", &["band_bps"], "band_bps"),
    ];
    for (change, fields, says) in cases {
        let e = execute(&propose(change, fields), &a, Some(w.vault)).unwrap_err();
        let text = error_message(&e);
        assert!(
            text.contains(change) && text.contains(says),
            "{change} {fields:?}: {text}"
        );
    }
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
}

#[test]
fn cli_propose_patches_and_derisk_ok() {
    let (w, _u) = setup();
    let admin = w.chain.payer().insecure_clone();
    let a = ctx(&w, &admin);
    let dir = std::env::temp_dir().join(format!("vault-cli-patch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hedge.toml");
    std::fs::write(&file, "delta_band_bps = 300\ncooldown_s = 600\n").unwrap();
    let first = vault_client::decode::vault(&w.chain.account(&w.vault).unwrap().data)
        .unwrap()
        .next_proposal_id;
    for cmd in [
        propose("rebalance", &["band_bps=300", "cooldown_s=120"]),
        propose("hedge", &[file.to_str().unwrap()]),
        propose("risk", &["shrinkage_bps=1500"]),
    ] {
        let r = execute(&cmd, &a, Some(w.vault)).unwrap();
        assert!(r["proposal"].as_u64().is_some(), "{r}");
    }
    let s = vault_client::decode::vault(&w.chain.account(&w.vault).unwrap().data).unwrap();
    assert_eq!(s.next_proposal_id, first + 3);
    let data = w
        .chain
        .account(&vault_client::pda::proposal(&w.vault, first))
        .unwrap()
        .data;
    let p: vault_client::portfolio_vault::state::Proposal =
        anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap();
    let want = vault_client::portfolio_vault::state::RebalancePatch {
        band_bps: Some(300),
        cooldown_s: Some(120),
        ..Default::default()
    };
    assert_eq!(
        p.change,
        vault_client::portfolio_vault::state::ParamChange::Rebalance(want)
    );
    // The guardian tightens the bounty at once.
    let fund = anchor_lang::solana_program::system_instruction::transfer(
        &admin.pubkey(),
        &w.guardian.pubkey(),
        1_000_000_000,
    );
    w.send(&[fund], &[]).unwrap();
    let g = ctx(&w, &w.guardian);
    execute(
        &Cmd::Derisk {
            action: "tighten-rebalance".into(),
            fields: vec!["bounty_cap_per_call=0".into()],
        },
        &g,
        Some(w.vault),
    )
    .unwrap();
    let s = vault_client::decode::vault(&w.chain.account(&w.vault).unwrap().data).unwrap();
    assert_eq!(s.rebalance.bounty_cap_per_call, 0);
    let e = execute(
        &Cmd::Derisk {
            action: "lower-deposit-cap".into(),
            fields: vec![u64::MAX.to_string()],
        },
        &g,
        Some(w.vault),
    )
    .unwrap_err();
    assert_eq!(e.name(), Some("GovNotDerisking"), "{e}");
}

#[test]
fn cli_governance_propose_apply_cancel_pause() {
    let (w, u) = setup();
    let admin = w.chain.payer().insecure_clone();
    let a = ctx(&w, &admin);
    w.send(
        &[anchor_lang::solana_program::system_instruction::transfer(
            &admin.pubkey(),
            &w.guardian.pubkey(),
            1_000_000_000,
        )],
        &[],
    )
    .unwrap();
    let id = execute(
        &propose(
            "deposit-limits",
            &["deposit_cap=10000000000000", "min_deposit=20000000"],
        ),
        &a,
        Some(w.vault),
    )
    .unwrap()["proposal"]
        .as_u64()
        .unwrap();
    let e = execute(&Cmd::Apply { id }, &ctx(&w, &u), Some(w.vault)).unwrap_err();
    assert_eq!(e.name(), Some("GovProposalNotMature"), "{e}");
    w.chain.set_unix_timestamp(w.now() + 86_401);
    // A new slot: the same transaction under the same blockhash would be a duplicate of the
    // refused one.
    w.chain.advance_slot();
    execute(&Cmd::Apply { id }, &ctx(&w, &u), Some(w.vault)).unwrap();
    let s = vault_client::decode::vault(&w.chain.account(&w.vault).unwrap().data).unwrap();
    assert_eq!(s.params.min_deposit, 20_000_000);
    let id2 = execute(&propose("timelock", &["172800"]), &a, Some(w.vault)).unwrap()["proposal"]
        .as_u64()
        .unwrap();
    let e = execute(&Cmd::Cancel { id: id2 }, &ctx(&w, &u), Some(w.vault)).unwrap_err();
    assert_eq!(e.name(), Some("AuthNotAdminOrGuardian"), "{e}");
    execute(
        &Cmd::Cancel { id: id2 },
        &ctx(&w, &w.guardian),
        Some(w.vault),
    )
    .unwrap();
    // The guardian closes deposits; a deposit is then refused with the gate's error.
    execute(
        &Cmd::Pause {
            gates: vec!["deposits".into()],
        },
        &ctx(&w, &w.guardian),
        Some(w.vault),
    )
    .unwrap();
    w.post_all(&[3_000.0, 150.0, 25.0], w.now(), 0.0);
    let e = execute(
        &Cmd::Deposit {
            amount: "100".into(),
            min_shares: Some(0),
            from: None,
            shares_account: None,
        },
        &ctx(&w, &u),
        Some(w.vault),
    )
    .unwrap_err();
    assert_eq!(e.name(), Some("DepositPaused"), "{e}");
    let none = || Cmd::SetPause {
        gates: vec!["none".into()],
    };
    let e = execute(&none(), &ctx(&w, &w.guardian), Some(w.vault)).unwrap_err();
    assert_eq!(
        e.name(),
        Some("AuthNotAdmin"),
        "only the admin reopens: {e}"
    );
    // No gates named is refused before anything is read: it would reopen every gate.
    let before = w.chain.get_account(&w.vault).unwrap();
    let e = execute(&Cmd::SetPause { gates: vec![] }, &a, Some(w.vault)).unwrap_err();
    assert!(e.to_string().contains("no gates"), "{e}");
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
    execute(&none(), &a, Some(w.vault)).unwrap();
}

#[test]
fn cli_sign_only_prints_an_unsigned_transaction_and_sends_nothing() {
    let (w, _u) = setup();
    let multisig = Pubkey::new_unique();
    let c = Ctx {
        chain: &w.chain as &dyn ChainClient,
        signer: None,
        me: multisig,
        sign_only: true,
        oracles: OracleAddresses::default(),
        tables: vec![],
    };
    let before = w.chain.get_account(&w.vault).unwrap();
    let r = execute(
        &propose(
            "fees",
            &["management_fee_bps=100", "performance_fee_bps=1000"],
        ),
        &c,
        Some(w.vault),
    )
    .unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r["unsigned_transaction"].as_str().unwrap())
        .unwrap();
    let tx: vault_client::chain::VersionedTransaction = bincode::deserialize(&bytes).unwrap();
    assert_eq!(
        tx.message.static_account_keys()[0],
        multisig,
        "the multisig pays and signs"
    );
    assert!(
        tx.signatures.iter().all(|s| *s == Default::default()),
        "unsigned"
    );
    assert_eq!(
        w.chain.get_account(&w.vault).unwrap(),
        before,
        "nothing was sent"
    );
}

#[test]
fn cli_parses_amounts_and_gates() {
    assert_eq!(parse_amount("1.5", 6).unwrap(), 1_500_000);
    assert_eq!(parse_amount("42", 6).unwrap(), 42_000_000);
    assert!(parse_amount("1.1234567", 6).is_err());
    assert!(parse_amount("abc", 6).is_err());
    assert!(parse_amount("99999999999999999999", 6).is_err());
    use vault_client::portfolio_vault::constants::*;
    assert_eq!(
        gate_mask(&["deposits".into(), "hedge".into()]).unwrap(),
        PAUSE_DEPOSITS | PAUSE_HEDGE
    );
    assert_eq!(gate_mask(&["all".into()]).unwrap(), PAUSE_ALL_FLAGS);
    assert!(gate_mask(&["withdraw".into()])
        .unwrap_err()
        .to_string()
        .contains("unknown gate"));
    assert_eq!(gate_mask(&["none".into()]).unwrap(), 0);
    assert!(gate_mask(&[]).unwrap_err().to_string().contains("no gates"));
    assert!(gate_mask(&["none".into(), "hedge".into()])
        .unwrap_err()
        .to_string()
        .contains("stands alone"));
}

#[test]
fn cli_keypair_paths_follow_the_solana_cli() {
    use vault_client::keypair::{expand_home, read, resolve, write};
    let home = std::env::temp_dir().join(format!("vault-keypair-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".config/solana/cli")).unwrap();
    let h = home.to_str().unwrap();
    assert_eq!(
        expand_home("/a/b.json"),
        std::path::PathBuf::from("/a/b.json")
    );
    let prev = std::env::var_os("HOME");
    std::env::set_var("HOME", h);
    assert_eq!(expand_home("~/id.json"), home.join("id.json"));
    assert_eq!(resolve(None), home.join(".config/solana/id.json"));
    std::fs::write(
        home.join(".config/solana/cli/config.yml"),
        "json_rpc_url: x\nkeypair_path: ~/keys/me.json\n",
    )
    .unwrap();
    assert_eq!(resolve(None), home.join("keys/me.json"));
    assert_eq!(resolve(Some("~/other.json")), home.join("other.json"));
    if let Some(p) = prev {
        std::env::set_var("HOME", p);
    }
    let kp = Keypair::new();
    let path = home.join("kp.json");
    write(&path, &kp).unwrap();
    assert_eq!(read(&path).unwrap().pubkey(), kp.pubkey());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "a secret key readable by its owner only"
    );
    std::fs::write(&path, "not json").unwrap();
    let e = read(&path).unwrap_err();
    assert!(
        e.contains("kp.json") && e.contains("not a JSON array"),
        "{e}"
    );
    let e = read(&home.join("missing.json")).unwrap_err();
    assert!(e.contains("missing.json"), "{e}");
}

#[test]
fn cli_read_only_commands_need_no_signer() {
    assert!(!Cmd::Show.sends());
    assert!(!Cmd::Position {
        owner: Some("x".into())
    }
    .sends());
    assert!(Cmd::Position { owner: None }.sends());
    assert!(Cmd::Claim { id: 0 }.sends());
}

#[test]
fn errors_are_named_after_the_innermost_failing_program() {
    let amm = vault_client::sim_amm::ID.to_string();
    let vault = vault_client::portfolio_vault::ID.to_string();
    let logs = vec![
        format!("Program {vault} invoke [1]"),
        format!("Program {amm} invoke [2]"),
        format!("Program {amm} failed: custom program error: 0x1775"),
        format!("Program {vault} failed: custom program error: 0x1775"),
    ];
    let e = vault_client::error::describe(6005, &logs);
    assert_eq!(
        (e.program, e.name.as_str()),
        ("sim_amm", "SlippageExceeded")
    );
    let e = vault_client::error::describe(6005, &[]);
    assert_eq!(
        (e.program, e.name.as_str()),
        ("portfolio_vault", "GovProposalExpired"),
        "without logs: the vault's table"
    );
    assert_eq!(
        vault_client::error::describe(2006, &[]).name,
        "ConstraintSeeds"
    );
}

/// A deposit of more than the wallet holds fails in SPL Token: the CLI names the token
/// program's error, not an unknown code, and nothing changes.
#[test]
fn cli_deposit_fails_naming_the_token_program_error() {
    let (w, u) = setup();
    let before = w.chain.get_account(&w.vault).unwrap();
    let e = execute(
        &Cmd::Deposit {
            amount: "100001".into(),
            min_shares: Some(0),
            from: None,
            shares_account: None,
        },
        &ctx(&w, &u),
        Some(w.vault),
    )
    .unwrap_err();
    let msg = error_message(&e);
    assert_eq!(e.name(), Some("InsufficientFunds"), "{msg}");
    assert!(msg.contains("token program refused"), "{msg}");
    assert_eq!(w.chain.get_account(&w.vault).unwrap(), before);
    let system = anchor_lang::system_program::ID.to_string();
    let logs = vec![format!(
        "Program {system} failed: custom program error: 0x1"
    )];
    let e = vault_client::error::describe(1, &logs);
    assert_eq!(
        (e.program, e.name.as_str()),
        ("system", "ResultWithNegativeLamports")
    );
}

#[test]
fn cli_init_creates_a_vault_with_assets_and_risk_from_toml() {
    let (w, u) = setup();
    let hex = |b: &[u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let a0 = &w.assets[0];
    let a1 = &w.assets[1];
    let base = associated_token_account(&u.pubkey(), &w.base_mint, &SPL_TOKEN);
    let toml = format!(
        r#"base_mint = "{base_mint}"
creator_base = "{base}"
seed_id = 7
admin = "{me}"
guardian = "{me}"
fee_recipient = "{me}"
timelock_s = 86400
deposit_cap = 1000000000000000
min_deposit = 1000000
management_fee_bps = 100
performance_fee_bps = 1000
initial_deposit = 1000000000

[[assets]]
mint = "{m0}"
oracle_kind = "pull"
oracle_id = "0x{f0}"
max_age_s = 120
max_conf_bps = 100
max_ema_dev_bps = 500
min_weight_bps = 0
max_weight_bps = 6000

[[assets]]
mint = "{m1}"
oracle_kind = "legacy"
oracle_id = "{o1}"
max_age_s = 120
max_conf_bps = 100
max_ema_dev_bps = 500
min_weight_bps = 0
max_weight_bps = 6000

[risk]
strategy = 1
ewma_decay_bps = 9400
ewma_short_decay_bps = 7000
shrinkage_bps = 0
regime_ratio_bps = 15000
regime_vol_scale_bps = 5000
vol_target_bps = 0
min_interval_s = 3600
min_samples = 3
fixed_weights_bps = [5000, 5000]
"#,
        base_mint = w.base_mint,
        me = u.pubkey(),
        m0 = a0.mint,
        f0 = hex(&a0.feed_id),
        m1 = a1.mint,
        o1 = a1.oracle,
    );
    let path = std::env::temp_dir().join(format!("vault-init-{}.toml", std::process::id()));
    std::fs::write(&path, toml).unwrap();
    let r = execute(
        &Cmd::Init {
            config: path.display().to_string(),
        },
        &ctx(&w, &u),
        None,
    )
    .unwrap();
    let vault = vault_cli::pubkey(r["vault"].as_str().unwrap(), "vault").unwrap();
    assert_eq!(
        vault,
        vault_client::pda::vault(&u.pubkey(), &w.base_mint, 7)
    );
    assert_eq!(
        r["transactions"].as_array().unwrap().len(),
        4,
        "vault, two assets, risk"
    );
    let v = vault_client::decode::vault(&w.chain.account(&vault).unwrap().data).unwrap();
    assert_eq!((v.num_assets, v.params.management_fee_bps), (2, 100));
    assert!(w
        .chain
        .get_account(&vault_client::pda::risk(&vault))
        .unwrap()
        .is_some());
    // `show` prices the new vault with the same oracles.
    let s = execute(&Cmd::Show, &ctx(&w, &u), Some(vault)).unwrap();
    assert!((s["nav"].as_f64().unwrap() - 1_000.0).abs() < 1e-6);
    // A bad file is a clear error, before anything is sent.
    std::fs::write(&path, "base_mint = 1").unwrap();
    let e = execute(
        &Cmd::Init {
            config: path.display().to_string(),
        },
        &ctx(&w, &u),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    let _ = std::fs::remove_file(&path);
}

/// A fresh wallet (SOL and base tokens only) exits in kind from 16 assets: the CLI creates
/// the 17 accounts it pays into, and the exit fits one transaction only through the vault's
/// lookup table.
#[test]
fn cli_redeem_in_kind_ok_at_16_assets_through_the_lookup_table() {
    let prices: Vec<f64> = (0..16).map(vault_sim::market::start_price).collect();
    let w = World::build(Setup::default(), &prices);
    let kp = Keypair::new();
    let payer = w.chain.payer().pubkey();
    let base = associated_token_account(&kp.pubkey(), &w.base_mint, &SPL_TOKEN);
    w.send(
        &[
            anchor_lang::solana_program::system_instruction::transfer(
                &payer,
                &kp.pubkey(),
                1_000_000_000,
            ),
            vault_client::ix::token::create_associated_idempotent(
                payer,
                kp.pubkey(),
                w.base_mint,
                SPL_TOKEN,
            ),
        ],
        &[],
    )
    .unwrap();
    w.mint_to(&w.base_mint.clone(), &base, 10_000 * 1_000_000);
    let deposit = deposit_cmd("1000");
    execute(&deposit, &ctx(&w, &kp), Some(w.vault)).unwrap();
    let held = shares_of(&w, &kp);
    let redeem = Cmd::RedeemInKind {
        shares: "all".into(),
        shares_account: None,
    };
    // Without the table the exit names more accounts than a legacy transaction holds.
    let e = execute(&redeem, &ctx(&w, &kp), Some(w.vault)).unwrap_err();
    assert!(e.to_string().contains("--lookup-table"), "{e}");
    assert_eq!(shares_of(&w, &kp), held, "nothing redeemed");
    // The wallet makes the vault's table with `lookup-table`; it is usable a slot later.
    let r = execute(&Cmd::LookupTable, &ctx(&w, &kp), Some(w.vault)).unwrap();
    let table: Pubkey = r["lookup_table"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        r["addresses"].as_u64(),
        Some(w.keys.static_accounts().len() as u64)
    );
    w.chain.advance_slot();
    let mut c = ctx(&w, &kp);
    c.tables = vec![vault_client::chain::fetch_lookup_table(&w.chain, &table).unwrap()];
    assert_eq!(c.tables[0].addresses, w.keys.static_accounts());
    execute(&redeem, &c, Some(w.vault)).unwrap();
    assert_eq!(shares_of(&w, &kp), 0);
    for a in &w.assets {
        let ata = associated_token_account(&kp.pubkey(), &a.mint, &SPL_TOKEN);
        assert!(
            w.chain.get_account(&ata).unwrap().is_some(),
            "asset account created"
        );
    }
}

/// Bad input is refused before any RPC call: against an unreachable node the error is about
/// the input, not the node.
#[test]
fn cli_bad_input_is_refused_before_any_rpc_call() {
    let chain = vault_client::chain::rpc::RpcChain::new("http://127.0.0.1:1");
    let c = ctx_on(&chain, &Keypair::new());
    let vault = Some(Pubkey::new_unique());
    let cases: Vec<(Cmd, &str)> = vec![
        (
            Cmd::Deposit {
                amount: "abc".into(),
                min_shares: None,
                from: None,
                shares_account: None,
            },
            "amount abc",
        ),
        (
            Cmd::Withdraw {
                shares: true,
                amount: "ten".into(),
                min_out: None,
                to: None,
                shares_account: None,
            },
            "shares ten",
        ),
        (
            Cmd::RedeemInKind {
                shares: "-1".into(),
                shares_account: None,
            },
            "shares -1",
        ),
        (request_withdraw("1.5"), "shares 1.5"),
        (
            Cmd::Withdraw {
                shares: false,
                amount: "1,5".into(),
                min_out: None,
                to: None,
                shares_account: None,
            },
            "amount 1,5",
        ),
        (Cmd::SetPause { gates: vec![] }, "no gates"),
        (
            Cmd::Pause {
                gates: vec!["bogus".into()],
            },
            "unknown gate bogus",
        ),
    ];
    for (cmd, want) in cases {
        let e = execute(&cmd, &c, vault).unwrap_err().to_string();
        assert!(e.contains(want) && !e.contains("127.0.0.1"), "{cmd:?}: {e}");
    }
}

/// Every argument and option of every command says what it is in `--help`.
#[test]
fn cli_help_documents_every_argument() {
    use clap::CommandFactory;
    let cli = vault_cli::Cli::command();
    let mut bare = vec![];
    for cmd in std::iter::once(&cli).chain(cli.get_subcommands()) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() {
                bare.push(format!("{} {id}", cmd.get_name()));
            }
        }
    }
    assert!(bare.is_empty(), "arguments without help: {bare:?}");
}

/// A refused withdrawal creates nothing: the base account it would have paid into is made in
/// the same transaction, so it is rolled back with it.
#[test]
fn cli_withdraw_fails_leaving_no_account_behind() {
    let (w, u) = setup();
    let c = ctx(&w, &u);
    let deposit = deposit_cmd("1000");
    execute(&deposit, &c, Some(w.vault)).unwrap();
    // Empty the wallet's base account into the keeper's and close it.
    let base = associated_token_account(&u.pubkey(), &w.base_mint, &SPL_TOKEN);
    let left = vault_client::decode::token_account(&w.chain.account(&base).unwrap().data)
        .unwrap()
        .amount;
    let close = anchor_spl::token_2022::spl_token_2022::instruction::close_account(
        &SPL_TOKEN,
        &base,
        &u.pubkey(),
        &u.pubkey(),
        &[],
    )
    .unwrap();
    w.send(
        &[
            vault_client::ix::token::transfer(base, w.keeper.base, u.pubkey(), left),
            close,
        ],
        &[&u],
    )
    .unwrap();
    assert!(w.chain.get_account(&base).unwrap().is_none());
    let e = execute(
        &Cmd::Withdraw {
            shares: true,
            amount: (shares_of(&w, &u) / 2).to_string(),
            min_out: Some(u64::MAX),
            to: None,
            shares_account: None,
        },
        &c,
        Some(w.vault),
    )
    .unwrap_err();
    assert_eq!(e.name(), Some("WithdrawSlippageExceeded"), "{e}");
    assert!(
        w.chain.get_account(&base).unwrap().is_none(),
        "no account left behind"
    );
    // Accepted, it creates the account and pays into it.
    let half = (shares_of(&w, &u) / 2).to_string();
    let withdraw = Cmd::Withdraw {
        shares: true,
        amount: half,
        min_out: None,
        to: None,
        shares_account: None,
    };
    execute(&withdraw, &c, Some(w.vault)).unwrap();
    assert!(w.chain.get_account(&base).unwrap().is_some());
}
