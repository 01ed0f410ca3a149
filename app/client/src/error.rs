//! Errors of the client, and the programs' error codes turned into their names and messages
//! (from the committed IDLs, so every error the programs can return reads clearly).

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("chain: {0}")]
    Chain(String),
    #[error("decode: {0}")]
    Decode(String),
    #[error("account {0} does not exist")]
    MissingAccount(String),
    #[error("{0}")]
    Program(ProgramError),
    #[error("transaction failed: {message}")]
    Transaction { message: String, logs: Vec<String> },
    #[error("{0}")]
    Other(String),
}

/// A program's error: its code, and its name and message when the IDLs know them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pub code: u32,
    pub program: &'static str,
    pub name: String,
    pub msg: String,
    pub logs: Vec<String>,
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} error {} ({}): {}",
            self.program, self.code, self.name, self.msg
        )
    }
}

impl ClientError {
    /// The program error code, when this is one.
    pub fn code(&self) -> Option<u32> {
        match self {
            ClientError::Program(p) => Some(p.code),
            _ => None,
        }
    }

    /// The vault error name (`RebalanceNotNeeded`, ...), when this is one.
    pub fn name(&self) -> Option<&str> {
        match self {
            ClientError::Program(p) => Some(&p.name),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct IdlError {
    code: u32,
    name: String,
    #[serde(default)]
    msg: String,
}

#[derive(Deserialize)]
struct Idl {
    #[serde(default)]
    errors: Vec<IdlError>,
}

type Table = HashMap<u32, (String, String)>;

fn table(json: &str) -> Table {
    let idl: Idl = serde_json::from_str(json).expect("committed IDL parses");
    idl.errors
        .into_iter()
        .map(|e| (e.code, (e.name, e.msg)))
        .collect()
}

fn tables() -> &'static [(&'static str, anchor_lang::prelude::Pubkey, Table); 3] {
    static T: OnceLock<[(&'static str, anchor_lang::prelude::Pubkey, Table); 3]> = OnceLock::new();
    T.get_or_init(|| {
        [
            (
                "portfolio_vault",
                portfolio_vault::ID,
                table(include_str!("../../../idl/portfolio_vault.json")),
            ),
            (
                "sim_amm",
                sim_amm::ID,
                table(include_str!("../../../idl/sim_amm.json")),
            ),
            (
                "sim_perp",
                sim_perp::ID,
                table(include_str!("../../../idl/sim_perp.json")),
            ),
        ]
    })
}

/// Anchor's own framework errors (account constraints and the like), below 6000.
fn anchor_framework(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        100 => (
            "InstructionMissing",
            "Instruction discriminator not provided",
        ),
        101 => (
            "InstructionFallbackNotFound",
            "Fallback functions are not supported",
        ),
        102 => (
            "InstructionDidNotDeserialize",
            "The program could not deserialize the given instruction",
        ),
        2000 => ("ConstraintMut", "A mut constraint was violated"),
        2001 => ("ConstraintHasOne", "A has one constraint was violated"),
        2002 => ("ConstraintSigner", "A signer constraint was violated"),
        2003 => ("ConstraintRaw", "A raw constraint was violated"),
        2006 => ("ConstraintSeeds", "A seeds constraint was violated"),
        2012 => ("ConstraintAddress", "An address constraint was violated"),
        2014 => (
            "ConstraintTokenMint",
            "A token mint constraint was violated",
        ),
        2015 => (
            "ConstraintTokenOwner",
            "A token owner constraint was violated",
        ),
        3001 => (
            "AccountDiscriminatorNotFound",
            "No discriminator was found on the account",
        ),
        3002 => (
            "AccountDiscriminatorMismatch",
            "Account discriminator did not match what was expected",
        ),
        3003 => (
            "AccountDidNotDeserialize",
            "Failed to deserialize the account",
        ),
        3005 => (
            "AccountNotEnoughKeys",
            "Not enough account keys given to the instruction",
        ),
        3006 => ("AccountNotMutable", "The given account is not mutable"),
        3007 => (
            "AccountOwnedByWrongProgram",
            "The given account is owned by a different program than expected",
        ),
        3008 => ("InvalidProgramId", "Program ID was not as expected"),
        3010 => ("AccountNotSigner", "The given account did not sign"),
        3012 => (
            "AccountNotInitialized",
            "The program expected this account to be already initialized",
        ),
        3014 => (
            "AccountNotAssociatedTokenAccount",
            "The given account is not the associated token account",
        ),
        _ => return None,
    })
}

/// Names a custom error code. `logs` pick which program failed (the innermost, whose
/// `Program <id> failed` line comes first); without them the vault's table is tried first.
pub fn describe(code: u32, logs: &[String]) -> ProgramError {
    // The first `failed` line is the innermost program (the caller's own line follows it).
    let failing = logs
        .iter()
        .find_map(|l| {
            l.strip_prefix("Program ")
                .and_then(|r| r.split_once(" failed"))
        })
        .map(|(id, _)| id.to_string());
    if let Some(e) = failing
        .as_deref()
        .and_then(|id| native_program_error(id, code, logs))
    {
        return e;
    }
    let all = tables();
    let ordered: Vec<&(&str, anchor_lang::prelude::Pubkey, Table)> = match &failing {
        Some(id) => {
            let mut v: Vec<_> = all.iter().filter(|t| t.1.to_string() == *id).collect();
            v.extend(all.iter().filter(|t| t.1.to_string() != *id));
            v
        }
        None => all.iter().collect(),
    };
    for (program, _, t) in ordered {
        if let Some((name, msg)) = t.get(&code) {
            return ProgramError {
                code,
                program,
                name: name.clone(),
                msg: msg.clone(),
                logs: logs.to_vec(),
            };
        }
    }
    let (name, msg) = anchor_framework(code)
        .unwrap_or(("Unknown", "no program of this workspace defines this code"));
    ProgramError {
        code,
        program: "anchor",
        name: name.into(),
        msg: msg.into(),
        logs: logs.to_vec(),
    }
}

/// The error `code` of SPL Token, Token-2022 or the system program when `program_id` is one
/// of them: their errors by name, not "Unknown" from this workspace's tables.
fn native_program_error(program_id: &str, code: u32, logs: &[String]) -> Option<ProgramError> {
    use anchor_spl::token_2022::spl_token_2022::error::TokenError;
    use num_traits::FromPrimitive;
    let (program, name, msg) = if program_id == anchor_spl::token::ID.to_string()
        || program_id == anchor_spl::token_2022::ID.to_string()
    {
        let e = TokenError::from_u32(code)?;
        ("token", format!("{e:?}"), e.to_string())
    } else if program_id == anchor_lang::system_program::ID.to_string() {
        let e = solana_system_interface::error::SystemError::from_u32(code)?;
        ("system", format!("{e:?}"), e.to_string())
    } else {
        return None;
    };
    Some(ProgramError {
        code,
        program,
        name,
        msg,
        logs: logs.to_vec(),
    })
}

/// An error of the program's own code run off-chain (previews, oracle checks).
pub fn anchor_error(e: anchor_lang::error::Error) -> ClientError {
    match e {
        anchor_lang::error::Error::AnchorError(a) => {
            ClientError::Program(describe(a.error_code_number, &[]))
        }
        anchor_lang::error::Error::ProgramError(p) => ClientError::Other(p.to_string()),
    }
}

/// The vault's error code of `e` (what a transaction that fails with it returns).
pub fn vault_code(e: portfolio_vault::error::VaultError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}
