pub mod cancel_withdraw;
pub mod claim_withdraw;
pub mod deposit;
pub mod open_hedge_claim;
pub mod redeem_in_kind;
pub mod request_withdraw;
pub mod withdraw;

pub use cancel_withdraw::*;
pub use claim_withdraw::*;
pub use deposit::*;
pub use open_hedge_claim::*;
pub use redeem_in_kind::*;
pub use request_withdraw::*;
pub use withdraw::*;
