//! The binary as a user meets it: a bad argument or a bad CSV is one line on stderr naming
//! the argument (or the row and column) and exit code 2, never a panic with a backtrace.

use std::process::Command;

fn vault_sim(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vault-sim"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("vault-sim runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (out.status.code().expect("exited"), stderr)
}

fn refused(args: &[&str], says: &str) {
    let (code, stderr) = vault_sim(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(
        stderr.contains(says),
        "{args:?}: {stderr:?} does not say {says:?}"
    );
}

#[test]
fn vault_sim_fails_naming_the_argument() {
    refused(&["--days", "0", "--quiet"], "--days must be at least 1");
    refused(
        &["--hedge-ratio-bps", "20000", "--quiet"],
        "--hedge-ratio-bps 20000 is above 10000",
    );
    refused(&["--assets", "17", "--quiet"], "--assets must be 1..=16");
    refused(
        &["compare", "--strategy", "yolo", "--quiet"],
        "unknown strategy yolo",
    );
}

#[test]
fn vault_sim_fails_naming_the_csv_row_and_column() {
    let dir = std::env::temp_dir().join(format!("vault-sim-exit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "bad-number.csv",
            "t,A,B\n0,1,2\n3600,1,two\n7200,1,2\n",
            "row 3 column 3 (B): `two` is not a number",
        ),
        ("no-header.csv", "0,1\n3600,1\n7200,1\n", "row 1: no header"),
        (
            "wide.csv",
            "t,A1,A2,A3,A4,A5,A6,A7,A8,A9,A10,A11,A12,A13,A14,A15,A16,A17\n",
            "17 asset columns; the vault holds at most 16",
        ),
    ];
    for (name, text, says) in cases {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        refused(&["--prices", file.to_str().unwrap(), "--quiet"], says);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
