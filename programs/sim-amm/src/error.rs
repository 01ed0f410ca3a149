use anchor_lang::prelude::*;

#[error_code]
pub enum AmmError {
    #[msg("The pool's mints must be distinct and given in ascending address order")]
    MintsNotOrdered,
    #[msg("Fee above the 10% maximum")]
    FeeTooHigh,
    #[msg("Token account does not belong to this pool")]
    WrongPoolAccount,
    #[msg("Mint is not one of the pool's two mints")]
    WrongMint,
    #[msg("Amount must be positive")]
    ZeroAmount,
    #[msg("Output below the caller's minimum")]
    SlippageExceeded,
    #[msg("Deposit would mint fewer LP tokens than the caller's minimum")]
    LpBelowMinimum,
    #[msg("Arithmetic overflow or empty pool")]
    MathError,
    #[msg("Only the pool authority may do this")]
    NotPoolAuthority,
    #[msg("This build has no misbehaviour switch")]
    MisbehaviourNotCompiled,
    #[msg("Unknown misbehaviour mode")]
    UnknownMode,
    #[msg("The pool is set to fail every swap")]
    VenueFailure,
    #[msg("Misbehaviour mode needs an extra account that was not passed")]
    MissingExtraAccount,
    #[msg("Account already exists at this address")]
    AccountInUse,
}
