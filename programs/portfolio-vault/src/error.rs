//! The program's one error enum, grouped by prefix. Every message names what was wrong.

use anchor_lang::prelude::*;

#[error_code]
pub enum VaultError {
    // --- Auth ---
    #[msg("Signer is not the vault admin")]
    AuthNotAdmin,
    #[msg("Signer is neither the vault admin nor its guardian")]
    AuthNotAdminOrGuardian,
    #[msg("Signer is not the nominated admin")]
    AuthNotPendingAdmin,

    // --- Gov ---
    #[msg("timelock_s must be within 86400..=2592000 (24 hours to 30 days)")]
    ParamTimelockOutOfBounds,
    #[msg("proposal has not reached the end of its timelock")]
    GovProposalNotMature,
    #[msg("proposal expired: it was not applied within the grace period after maturing")]
    GovProposalExpired,
    #[msg("proposal was already applied or cancelled")]
    GovProposalNotPending,
    #[msg("a de-risking action must only tighten: it would loosen or not change the limit")]
    GovNotDerisking,
    #[msg("fee changes apply only right after accrue_fees in the same second")]
    GovFeesNotCrystallized,
    #[msg("this change needs the vault's risk account")]
    GovRiskAccountMissing,
    #[msg("this instruction is paused")]
    InstructionPaused,
    #[msg("proposal id must be the vault's next_proposal_id")]
    GovWrongProposalId,
    #[msg("proposal was created before a de-risking of its parameters and would loosen what that de-risking tightened")]
    GovProposalUndoesDerisk,
    #[msg("the change names no parameter to set")]
    GovChangeEmpty,
    #[msg("an account already exists at this address (re-initialisation)")]
    AccountAlreadyInitialized,
    #[msg("the risk account passed belongs to another vault")]
    RiskAccountWrongVault,
    #[msg("the proposal passed belongs to another vault")]
    ProposalWrongVault,

    // --- Param ---
    #[msg("management_fee_bps exceeds the hard cap of 500")]
    ParamManagementFeeTooHigh,
    #[msg("performance_fee_bps exceeds the hard cap of 5000")]
    ParamPerformanceFeeTooHigh,
    #[msg("min_deposit must be at least 1")]
    ParamMinDepositZero,
    #[msg("deposit_cap must be at least min_deposit")]
    ParamDepositCapBelowMinDeposit,
    #[msg("initial_deposit must be at least max(1000, min_deposit) base units")]
    ParamInitialDepositTooSmall,
    #[msg("oracle max_age_s must be within 1..=3600")]
    ParamOracleMaxAgeOutOfBounds,
    #[msg("oracle max_conf_bps must be within 1..=1000")]
    ParamOracleMaxConfOutOfBounds,
    #[msg("oracle max_ema_dev_bps must be within 1..=5000")]
    ParamOracleMaxEmaDevOutOfBounds,
    #[msg("oracle kind must be 0 (PriceUpdateV2) or 1 (legacy price account)")]
    ParamOracleKindUnknown,
    #[msg("weight bounds need min_weight_bps <= max_weight_bps <= 10000")]
    ParamWeightBoundsInvalid,
    #[msg("the assets' min_weight_bps add up to more than 10000")]
    ParamMinWeightsExceedOne,
    #[msg("pause flags contain an unknown bit")]
    ParamUnknownPauseFlag,

    // --- Asset ---
    #[msg("the vault already holds the maximum of 16 assets")]
    AssetLimitReached,
    #[msg("this mint is already an asset of the vault")]
    AssetDuplicateMint,
    #[msg("the base mint cannot also be an asset")]
    AssetIsBaseMint,
    #[msg("this oracle is already used by another asset")]
    AssetDuplicateOracle,
    #[msg("asset mints with a freeze authority are refused")]
    AssetMintHasFreezeAuthority,
    #[msg("the mint has a Token-2022 extension that changes transfers or units, or a close authority (it could be re-created with other extensions)")]
    MintExtensionNotAllowed,
    #[msg("asset index is out of range")]
    AssetIndexOutOfRange,

    // --- Oracle ---
    #[msg("expected exactly one oracle account per asset, in asset order")]
    OracleAccountCountMismatch,
    #[msg("oracle account is not owned by the expected Pyth program")]
    OracleWrongOwner,
    #[msg("oracle account is not the one configured for this asset")]
    OracleWrongAccount,
    #[msg("oracle feed id differs from the one configured for this asset")]
    OracleWrongFeedId,
    #[msg("oracle account data cannot be decoded")]
    OracleInvalidAccountData,
    #[msg("price update is not fully verified")]
    OracleNotFullyVerified,
    #[msg("legacy price account status is not Trading")]
    OracleNotTrading,
    #[msg("oracle price is older than the asset's max age")]
    OracleStale,
    #[msg("oracle publish time is in the future")]
    OracleFutureTimestamp,
    #[msg("oracle confidence is wider than the asset's max_conf_bps")]
    OracleConfidenceTooWide,
    #[msg("oracle price is zero or negative")]
    OracleNonPositivePrice,
    #[msg("oracle exponent, normalised by the mints' decimals, is out of range")]
    OracleExponentOutOfRange,
    #[msg("normalised oracle price is too small or too large for the fixed-point type")]
    OraclePriceOutOfRange,
    #[msg("oracle price deviates from its EMA by more than max_ema_dev_bps")]
    OracleEmaDeviationTooLarge,
    #[msg("oracle price is older than the last one the vault used")]
    OraclePriceOlderThanLastUsed,

    // --- Deposit ---
    #[msg("deposits are paused")]
    DepositPaused,
    #[msg("deposit is below the vault's minimum deposit")]
    DepositBelowMinimum,
    #[msg("deposit would take NAV above the deposit cap")]
    DepositCapExceeded,
    #[msg("deposit would mint zero shares")]
    DepositZeroShares,
    #[msg("deposit would mint fewer shares than min_shares_out")]
    DepositSlippageExceeded,

    // --- Withdraw / redeem ---
    #[msg("shares must be greater than zero")]
    WithdrawZeroShares,
    #[msg("share account holds fewer shares than requested")]
    WithdrawInsufficientShares,
    #[msg("withdrawal would pay zero base tokens")]
    WithdrawZeroAssets,
    #[msg("idle base not reserved for queued requests is short for this withdrawal; use request_withdraw or redeem_in_kind")]
    WithdrawInsufficientIdle,
    #[msg("withdrawal would pay less than min_assets_out")]
    WithdrawSlippageExceeded,
    #[msg("redemption would pay nothing in any asset")]
    RedeemNothingToPay,

    // --- Token accounts ---
    #[msg("wrong number of per-asset token accounts")]
    TokenAccountCountMismatch,
    #[msg("token account is not the vault's account for this asset")]
    TokenAccountNotVaultAccount,
    #[msg("token account holds a different mint")]
    TokenAccountWrongMint,
    #[msg("token account belongs to a different owner")]
    TokenAccountWrongOwner,
    #[msg("account is not owned by the asset's token program")]
    TokenAccountWrongProgram,
    #[msg("vault token account address is not the canonical PDA for this mint")]
    TokenAccountNotCanonical,
    #[msg("mint account is not the asset's mint")]
    TokenWrongMint,
    #[msg("token program is not the one this mint uses")]
    TokenWrongProgram,

    // --- Vault ---
    #[msg("vault NAV is zero; shares cannot be priced")]
    VaultNavZero,
    #[msg("vault state invariant violated")]
    VaultInvariantViolated,
    #[msg("internal accounting exceeds the real token balance")]
    VaultAccountingExceedsBalance,
    #[msg("token balance or supply changed by a different amount than intended")]
    VaultUnexpectedBalanceChange,
    #[msg("vault account has an unknown layout version")]
    VaultVersionMismatch,
    #[msg("there is no surplus above accounted holdings to sweep")]
    VaultNoSurplus,

    // --- Math ---
    #[msg("arithmetic overflow")]
    MathOverflow,
    #[msg("division by zero")]
    MathDivideByZero,
    #[msg("square root of a negative number")]
    MathDomain,

    // --- Risk ---
    #[msg("covariance is singular or not positive definite (perfectly correlated assets; raise shrinkage)")]
    RiskCovarianceNotPositiveDefinite,
    #[msg("weight solver did not converge within its iteration cap; previous targets kept")]
    RiskSolverNotConverged,
    #[msg("asset weight bounds cannot all hold")]
    RiskWeightBoundsInfeasible,
    #[msg("update_risk called before min_interval_s has passed since the last sample")]
    RiskUpdateTooEarly,
    #[msg("fixed weights fall outside the assets' bounds or add up to more than 10000 bps")]
    RiskFixedWeightsOutOfBounds,
    #[msg("strategy must be 0 fixed, 1 inverse-vol, 2 risk-parity or 3 min-variance")]
    ParamStrategyUnknown,
    #[msg("ewma_decay_bps must be within 5000..=9999")]
    ParamEwmaDecayOutOfBounds,
    #[msg("ewma_short_decay_bps must be within 1000 and below ewma_decay_bps")]
    ParamEwmaShortDecayOutOfBounds,
    #[msg("shrinkage_bps must be at most 10000")]
    ParamShrinkageOutOfBounds,
    #[msg("regime_ratio_bps must be within 10000..=50000")]
    ParamRegimeRatioOutOfBounds,
    #[msg("regime_vol_scale_bps must be within 1000..=10000")]
    ParamRegimeVolScaleOutOfBounds,
    #[msg("vol_target_bps must be at most 20000 (0 = off)")]
    ParamVolTargetOutOfBounds,
    #[msg("min_interval_s must be within 60..=2678400 (a minute to 31 days)")]
    ParamRiskIntervalOutOfBounds,
    #[msg("min_samples must be within 2..=10000")]
    ParamRiskSamplesOutOfBounds,

    // --- Rebalancing parameters ---
    #[msg("band_bps must be within 10..=2000")]
    ParamBandOutOfBounds,
    #[msg("max_slippage_bps must be within 1..=500")]
    ParamMaxSlippageOutOfBounds,
    #[msg("min_trade_bps must be at most 1000")]
    ParamMinTradeOutOfBounds,
    #[msg("notional_cap_bps must be within 1..=10000")]
    ParamNotionalCapOutOfBounds,
    #[msg("cap_interval_s must be within 60..=604800")]
    ParamCapIntervalOutOfBounds,
    #[msg("slippage_budget_bps must be at most 500")]
    ParamSlippageBudgetOutOfBounds,
    #[msg("budget_period_s must be within 3600..=2592000")]
    ParamBudgetPeriodOutOfBounds,
    #[msg("cooldown_s must be at most 86400")]
    ParamCooldownOutOfBounds,
    #[msg("max_targets_age_s must be within 60..=604800")]
    ParamTargetsAgeOutOfBounds,
    #[msg("tracking_aversion_bps must be within 1..=1000000")]
    ParamTrackingAversionOutOfBounds,
    #[msg("bounty_share_bps must be at most 5000")]
    ParamBountyShareOutOfBounds,
    #[msg("bounty_cap_per_call must not exceed bounty_cap_per_interval")]
    ParamBountyCapsInvalid,
    #[msg("cash_buffer_bps must be at most 5000")]
    ParamCashBufferOutOfBounds,
    #[msg("venue kind must be 0 (sim-amm ABI) or 1 (aggregator route)")]
    ParamVenueKindUnknown,
    #[msg("venue fee_bps must be at most 1000")]
    ParamVenueFeeTooHigh,
    #[msg("venue program may not be empty, this program, a token program or the system program")]
    ParamVenueProgramInvalid,
    #[msg("venue already whitelisted")]
    ParamVenueDuplicate,
    #[msg("venue whitelist is full")]
    ParamVenueListFull,

    // --- Rebalance ---
    #[msg("no venue is whitelisted at this index")]
    VenueNotWhitelisted,
    #[msg("venue program account does not match the whitelisted program id")]
    VenueProgramMismatch,
    #[msg("a vault account other than the two traded token accounts was passed to the venue, or the vault authority was passed writable")]
    VenueAccountForbidden,
    #[msg("venue accounts do not follow the venue's layout (authority, sell and buy accounts in place)")]
    VenueAccountsInvalid,
    #[msg("sell and buy must be two different assets of this vault (255 = base)")]
    RebalanceInvalidPair,
    #[msg("token account passed is not the vault's account for the named asset")]
    RebalanceWrongTokenAccount,
    #[msg("targets are older than max_targets_age_s: call compute_targets first")]
    RebalanceTargetsStale,
    #[msg("rebalancing not needed: neither asset has drifted beyond the band")]
    RebalanceNotNeeded,
    #[msg("wrong direction: the sold asset must be above its target and the bought asset below")]
    RebalanceWrongDirection,
    #[msg("cooldown since the last rebalance has not passed")]
    RebalanceCooldown,
    #[msg("trade exceeds the notional cap left in this interval")]
    RebalanceNotionalCapExceeded,
    #[msg("trade would overshoot a target")]
    RebalanceOvershoot,
    #[msg("trade is smaller than min_trade_bps of NAV (dust)")]
    RebalanceTradeTooSmall,
    #[msg(
        "expected tracking-error saving does not exceed the venue fee plus the allowed slippage"
    )]
    RebalanceCostExceedsBenefit,
    #[msg("keeper minimum output is below the oracle floor; only a tighter minimum is allowed")]
    RebalanceMinOutBelowOracleFloor,
    #[msg("the venue took more input than approved")]
    RebalanceInputAboveApproved,
    #[msg("the venue paid less than the minimum output")]
    RebalanceOutputBelowMinimum,
    #[msg("loss against oracle prices exceeds the slippage budget left")]
    RebalanceSlippageBudgetExceeded,
    #[msg("amount_in must be positive and within the vault's holding")]
    RebalanceInvalidAmount,

    // --- Hedge ---
    #[msg("max_leverage_bps must be within 1..=30000")]
    ParamHedgeLeverageOutOfBounds,
    #[msg("min_margin_ratio_bps must be within 12000..=60000")]
    ParamHedgeMarginRatioOutOfBounds,
    #[msg("max_collateral_bps must be at most 5000")]
    ParamHedgeCollateralOutOfBounds,
    #[msg("delta_band_bps must be within 10..=2000")]
    ParamDeltaBandOutOfBounds,
    #[msg("hedge_ratio_bps must be at most 10000")]
    ParamHedgeRatioOutOfBounds,
    #[msg("max_fee_bps (hedge) must be within 1..=200")]
    ParamHedgeFeeOutOfBounds,
    #[msg("hedge mode must be 0 (off) or 1 (delta-neutral)")]
    ParamHedgeModeUnknown,
    #[msg("the hedge venue cannot change while the vault has collateral on it")]
    HedgeVenueInUse,
    #[msg("no hedge venue is configured, or its margin account is not open")]
    HedgeNotConfigured,
    #[msg("exchange or margin account does not match the vault's hedge venue")]
    HedgeAccountMismatch,
    #[msg("the exchange's markets do not mirror the vault's assets (oracle, decimals, collateral mint)")]
    HedgeMarketsMismatch,
    #[msg("hedging is off (mode 0)")]
    HedgeModeOff,
    #[msg("hedge not needed: every asset's position is within the delta band of its target")]
    HedgeNotNeeded,
    #[msg("wrong direction: the trade moves the position away from its hedge target")]
    HedgeWrongDirection,
    #[msg("trade would overshoot the hedge target")]
    HedgeOvershoot,
    #[msg("cooldown since the last hedge has not passed")]
    HedgeCooldown,
    #[msg("gross perp notional would exceed max_leverage_bps of NAV")]
    HedgeLeverageExceeded,
    #[msg("margin ratio would fall below min_margin_ratio_bps of the maintenance requirement")]
    HedgeMarginTooLow,
    #[msg("the venue filled a different size than asked")]
    HedgeFillMismatch,
    #[msg("execution cost (fee and price) exceeds max_fee_bps of the notional")]
    HedgeCostExceeded,
    #[msg("collateral on the venue would exceed max_collateral_bps of NAV")]
    HedgeCollateralCapExceeded,
    #[msg("amount exceeds what can leave the venue (owners' share, margin buffer)")]
    HedgeWithdrawTooLarge,
    #[msg("the user's hedge claim account is missing or not theirs")]
    HedgeClaimAccountInvalid,
    #[msg("the claim holds no units and nothing is owed on it")]
    HedgeClaimEmpty,
    #[msg("every unit of the margin account belongs to claims: settle them before hedging")]
    HedgeClaimsOnly,
    #[msg("nothing of this settled claim can be paid now (margin or collateral); try again later")]
    HedgeClaimNotPayable,

    // --- Withdrawal queue ---
    #[msg("max_withdraw_wait_s must be between 1 hour and 30 days")]
    ParamWithdrawWaitOutOfBounds,
    #[msg("the request account is not this vault's request of this owner")]
    QueueRequestMismatch,
    #[msg("requests are filled in order: this one is not at the head of the queue")]
    QueueNotHead,
    #[msg("the idle base cannot pay any part of the request at the head of the queue yet")]
    QueueNotFunded,
    #[msg("the request holds no shares: it has been filled or cancelled")]
    QueueRequestEmpty,
    #[msg("the request would be owed zero base tokens")]
    QueueZeroOwed,
    #[msg("the request would be owed less than min_owed")]
    QueueSlippageExceeded,
    #[msg("nothing is payable on this request and it is still queued")]
    QueueNothingToClaim,
}
