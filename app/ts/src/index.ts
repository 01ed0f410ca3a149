// TypeScript client of the portfolio vault and its sim-amm and sim-perp venues: the IDLs as types, PDAs,
// the share math, Anchor's coder over both programs, and instruction builders.
export { IDL as PORTFOLIO_VAULT_IDL } from "./idl/portfolio_vault";
export type { PortfolioVault } from "./idl/portfolio_vault";
export { IDL as SIM_AMM_IDL } from "./idl/sim_amm";
export type { SimAmm } from "./idl/sim_amm";
export { IDL as SIM_PERP_IDL } from "./idl/sim_perp";
export type { SimPerp } from "./idl/sim_perp";
export * from "./pda";
export * from "./shares";
export * from "./coder";
export * from "./builders";
