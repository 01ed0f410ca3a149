//! One file per instruction, grouped by who calls it.

pub mod admin;
pub mod guardian;
pub mod keeper;
pub mod user;

pub use admin::*;
pub use guardian::*;
pub use keeper::*;
pub use user::*;

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;

use crate::state::{RiskParams, RiskState};

/// Runs `f` on the vault's risk account behind its PDA (`None` before `initialize_risk`). The
/// caller's `seeds` constraint has checked the address.
pub fn with_risk_if_created<R>(
    info: &AccountInfo,
    f: impl FnOnce(Option<&mut RiskState>) -> Result<R>,
) -> Result<R> {
    if *info.owner != crate::ID || info.data_is_empty() {
        return f(None);
    }
    let mut data = info.try_borrow_mut_data()?;
    let end = 8usize.saturating_add(RiskState::SIZE);
    require!(
        data.len() >= end && data[..8] == *RiskState::DISCRIMINATOR,
        ErrorCode::AccountDiscriminatorMismatch
    );
    f(Some(bytemuck::from_bytes_mut::<RiskState>(
        &mut data[8..end],
    )))
}

/// The risk parameters of the vault's risk account, when it has been created.
pub fn risk_params_if_created(info: &AccountInfo) -> Result<Option<RiskParams>> {
    if *info.owner != crate::ID || info.data_is_empty() {
        return Ok(None);
    }
    let data = info.try_borrow_data()?;
    let end = 8usize.saturating_add(RiskState::SIZE);
    require!(
        data.len() >= end && data[..8] == *RiskState::DISCRIMINATOR,
        ErrorCode::AccountDiscriminatorMismatch
    );
    Ok(Some(
        bytemuck::from_bytes::<RiskState>(&data[8..end]).params,
    ))
}
