//! One module per area, named after the instruction or component it covers.

mod accrue_fees;
mod add_asset;
mod admin;
mod attacks;
mod cli;
mod deposit;
mod fuzz;
mod governance;
mod initialize_vault;
mod keeper;
mod math_props;
mod oracle;
mod rebalance_hedge;
mod rebalance_props;
mod rebalance_swap;
mod redeem_in_kind;
mod risk;
mod risk_accuracy;
mod scale;
mod settle_hedge_claim;
mod sim;
mod sim_perp;
mod ts_vectors;
mod tx_size;
mod withdraw;
