//! One file per instruction, grouped by who calls it.

pub mod admin;
pub mod guardian;
pub mod keeper;
pub mod user;

pub use admin::*;
pub use guardian::*;
pub use keeper::*;
pub use user::*;
