//! Keypair files as the solana CLI keeps them: a JSON array of the 64 secret-key bytes, at a
//! path where a leading `~` is the home folder; with no path given, the one the solana CLI's
//! config names (`~/.config/solana/cli/config.yml`, `keypair_path:`), else
//! `~/.config/solana/id.json`.

use solana_keypair::Keypair;
use std::path::PathBuf;

/// `path` with a leading `~` (or `~/`) replaced by `$HOME`.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(home).join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

/// The keypair path to use: `given` (expanded), else the solana CLI's default.
pub fn resolve(given: Option<&str>) -> PathBuf {
    if let Some(p) = given {
        return expand_home(p);
    }
    let config = expand_home("~/.config/solana/cli/config.yml");
    std::fs::read_to_string(config)
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let v = l.trim().strip_prefix("keypair_path:")?.trim();
                Some(v.trim_matches(|c| c == '"' || c == '\'').to_string())
            })
        })
        .filter(|p| !p.is_empty())
        .map(|p| expand_home(&p))
        .unwrap_or_else(|| expand_home("~/.config/solana/id.json"))
}

/// Reads the keypair at `path`, naming the file and what is wrong with it.
pub fn read(path: &std::path::Path) -> Result<Keypair, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("keypair {shown}: {e}"))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|e| format!("keypair {shown}: not a JSON array of bytes ({e})"))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| format!("keypair {shown}: {e}"))
}

/// Writes `kp` to `path` in the same format, readable by its owner only (as `solana-keygen`
/// leaves it).
pub fn write(path: &std::path::Path, kp: &Keypair) -> Result<(), String> {
    use std::io::Write;
    let text = serde_json::to_string(&kp.to_bytes().to_vec()).expect("bytes serialize");
    let err = |e: std::io::Error| format!("writing keypair {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(err)?
        .write_all(text.as_bytes())
        .map_err(err)
}
