//! Thin wrappers around the token programs. Program ids come from typed `Program`/`Interface`
//! accounts, never from caller-chosen slots.

pub mod perp;
pub mod system;
pub mod token;

pub use system::*;
pub use token::*;
