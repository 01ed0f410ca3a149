//! Account decoding: the zero-copy vault and risk accounts (discriminator and size checked),
//! the borsh accounts of the three programs, and SPL token accounts and mints.

use anchor_lang::{AccountDeserialize, Discriminator};
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use anchor_spl::token_2022::spl_token_2022::state::{Account as TokenAccount, Mint};
use portfolio_vault::state::{RiskState, Vault};

use crate::ClientError;

fn zero_copy<T: bytemuck::Pod + Discriminator>(what: &str, data: &[u8]) -> Result<T, ClientError> {
    let size = core::mem::size_of::<T>();
    let disc = T::DISCRIMINATOR;
    if data.len() < disc.len() + size || &data[..disc.len()] != disc {
        return Err(ClientError::Decode(format!(
            "not a {what} account ({} bytes)",
            data.len()
        )));
    }
    Ok(bytemuck::pod_read_unaligned(
        &data[disc.len()..disc.len() + size],
    ))
}

/// The vault account (boxed: it is several kilobytes).
pub fn vault(data: &[u8]) -> Result<Box<Vault>, ClientError> {
    zero_copy::<Vault>("vault", data).map(Box::new)
}

pub fn risk(data: &[u8]) -> Result<Box<RiskState>, ClientError> {
    zero_copy::<RiskState>("risk", data).map(Box::new)
}

/// Any borsh (`#[account]`) account of the three programs: `Proposal`, `HedgeClaim`, `Pool`,
/// `Exchange`, `MarginAccount`.
pub fn anchor<T: AccountDeserialize>(what: &str, data: &[u8]) -> Result<T, ClientError> {
    T::try_deserialize(&mut &data[..])
        .map_err(|e| ClientError::Decode(format!("not a {what} account: {e}")))
}

/// An SPL Token or Token-2022 account.
pub fn token_account(data: &[u8]) -> Result<TokenAccount, ClientError> {
    StateWithExtensions::<TokenAccount>::unpack(data)
        .map(|s| s.base)
        .map_err(|e| ClientError::Decode(format!("not a token account: {e}")))
}

pub fn mint(data: &[u8]) -> Result<Mint, ClientError> {
    StateWithExtensions::<Mint>::unpack(data)
        .map(|s| s.base)
        .map_err(|e| ClientError::Decode(format!("not a mint: {e}")))
}
