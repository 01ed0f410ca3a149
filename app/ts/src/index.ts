// TypeScript client of the portfolio vault and the sim-amm venue: the IDLs as types, PDAs,
// the share math, and Anchor's coder over both programs.
export { IDL as PORTFOLIO_VAULT_IDL } from "./idl/portfolio_vault";
export type { PortfolioVault } from "./idl/portfolio_vault";
export { IDL as SIM_AMM_IDL } from "./idl/sim_amm";
export type { SimAmm } from "./idl/sim_amm";
export * from "./pda";
export * from "./shares";
export * from "./coder";
