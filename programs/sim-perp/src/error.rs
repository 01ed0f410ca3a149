use anchor_lang::prelude::*;

#[error_code]
pub enum PerpError {
    #[msg("Only the exchange authority may do this")]
    NotAuthority,
    #[msg("The exchange is halted")]
    Halted,
    #[msg("No such market")]
    UnknownMarket,
    #[msg("Market list is full")]
    MarketsFull,
    #[msg("Market parameter out of bounds (fees <= 10%, 0 < maintenance < initial <= 100%)")]
    InvalidMarketParams,
    #[msg("One oracle account per market, in market order, is required")]
    OracleAccountsMismatch,
    #[msg("Oracle account has the wrong owner, feed or address")]
    WrongOracle,
    #[msg("Oracle price is stale, unverified, non-positive or out of range")]
    BadOraclePrice,
    #[msg("Amount or size must be non-zero")]
    ZeroAmount,
    #[msg("Fill price beyond the caller's limit")]
    PriceLimitExceeded,
    #[msg("Account would fall below its initial margin")]
    InsufficientMargin,
    #[msg("Withdrawal exceeds free collateral")]
    InsufficientCollateral,
    #[msg("Account is above maintenance margin: not liquidatable")]
    NotLiquidatable,
    #[msg("No position in this market")]
    NoPosition,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("This build has no misbehaviour switch")]
    MisbehaviourNotCompiled,
    #[msg("Unknown misbehaviour mode")]
    UnknownMode,
    #[msg("The exchange is set to fail every trade")]
    VenueFailure,
    #[msg("Token account does not belong to this exchange or owner")]
    WrongTokenAccount,
    #[msg("Account already exists at this address")]
    AccountInUse,
}
