pub mod deposit;
pub mod redeem_in_kind;
pub mod withdraw;

pub use deposit::*;
pub use redeem_in_kind::*;
pub use withdraw::*;
