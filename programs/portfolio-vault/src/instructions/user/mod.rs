pub mod deposit;
pub mod open_hedge_claim;
pub mod redeem_in_kind;
pub mod withdraw;

pub use deposit::*;
pub use open_hedge_claim::*;
pub use redeem_in_kind::*;
pub use withdraw::*;
