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

/// Where the `RiskState` sits in the risk account's data, or `None` before
/// `initialize_risk` (the caller's `seeds` constraint has checked the address).
fn risk_range(info: &AccountInfo, data: &[u8]) -> Result<Option<core::ops::Range<usize>>> {
    if *info.owner != crate::ID || data.is_empty() {
        return Ok(None);
    }
    let end = 8usize.saturating_add(RiskState::SIZE);
    require!(
        data.len() >= end && data[..8] == *RiskState::DISCRIMINATOR,
        ErrorCode::AccountDiscriminatorMismatch
    );
    Ok(Some(8..end))
}

/// Runs `f` on the vault's risk account (`None` before `initialize_risk`).
pub fn with_risk_if_created<R>(
    info: &AccountInfo,
    f: impl FnOnce(Option<&mut RiskState>) -> Result<R>,
) -> Result<R> {
    let mut data = info.try_borrow_mut_data()?;
    match risk_range(info, &data)? {
        Some(r) => f(Some(bytemuck::from_bytes_mut::<RiskState>(&mut data[r]))),
        None => f(None),
    }
}

/// The risk parameters of the vault's risk account, when it has been created.
pub fn risk_params_if_created(info: &AccountInfo) -> Result<Option<RiskParams>> {
    let data = info.try_borrow_data()?;
    Ok(risk_range(info, &data)?.map(|r| bytemuck::from_bytes::<RiskState>(&data[r]).params))
}
