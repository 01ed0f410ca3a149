//! `stack-check [--limit BYTES] [--top N] FILE...`: prints the largest frames of each native
//! program build and exits non-zero when one is above the limit (4,096 bytes: SBF's frame).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut limit = 4_096u64;
    let mut top = 10usize;
    let mut files = vec![];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |what: &str| -> Option<u64> {
            let v = args.next()?;
            v.parse()
                .map_err(|_| eprintln!("stack-check: {what} {v} is not a number"))
                .ok()
        };
        match a.as_str() {
            "--limit" => match value("--limit") {
                Some(v) => limit = v,
                None => return ExitCode::from(2),
            },
            "--top" => match value("--top") {
                Some(v) => top = v as usize,
                None => return ExitCode::from(2),
            },
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        eprintln!("usage: stack-check [--limit BYTES] [--top N] FILE...");
        return ExitCode::from(2);
    }
    let mut over = vec![];
    for file in &files {
        let frames = match std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| stack_check::frames(&b))
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("stack-check: {file}: {e}");
                return ExitCode::from(2);
            }
        };
        println!("{file}: {} functions, largest frames:", frames.len());
        for f in frames.iter().take(top) {
            println!("  {:>6} B  {}", f.bytes, f.name);
        }
        over.extend(
            frames
                .iter()
                .filter(|f| f.bytes > limit)
                .map(|f| format!("{file}: {} B {}", f.bytes, f.name)),
        );
    }
    if over.is_empty() {
        println!("stack: ok (every frame at most {limit} B)");
        ExitCode::SUCCESS
    } else {
        for o in &over {
            println!("over {limit} B: {o}");
        }
        println!("stack: over ({} frames)", over.len());
        ExitCode::FAILURE
    }
}
