//! State transitions on plain values. Each returns an effects struct (shares to mint, tokens to
//! move) for the handler to carry out; none calls another program.

pub mod assets;
pub mod deposit;
pub mod fees;
pub mod flow;
pub mod governance;
pub mod hedge;
pub mod queue;
pub mod rebalance;
pub mod redeem;
pub mod risk;
pub mod withdraw;

use anchor_lang::prelude::*;

use crate::error::VaultError;
use crate::math::MathError;

impl From<MathError> for anchor_lang::error::Error {
    fn from(e: MathError) -> Self {
        match e {
            MathError::Overflow => error!(VaultError::MathOverflow),
            MathError::DivideByZero => error!(VaultError::MathDivideByZero),
            MathError::Domain => error!(VaultError::MathDomain),
            MathError::NotPositiveDefinite => error!(VaultError::RiskCovarianceNotPositiveDefinite),
            MathError::NotConverged => error!(VaultError::RiskSolverNotConverged),
            MathError::Infeasible => error!(VaultError::RiskWeightBoundsInfeasible),
        }
    }
}
