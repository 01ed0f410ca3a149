//! Instruction builders, one module per program: the vault (methods on [`VaultKeys`] plus the
//! set-up instructions), the sim-amm and sim-perp venues, and SPL Token set-up (associated
//! token accounts included).
//!
//! [`VaultKeys`]: crate::keys::VaultKeys

pub mod amm;
pub mod perp;
pub mod token;
pub mod vault;

pub use vault::*;

use anchor_lang::prelude::Pubkey;

pub(crate) const SYSTEM: Pubkey = anchor_lang::system_program::ID;
pub(crate) const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub(crate) const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
