//! The commands, by who runs them.

pub mod governance;
pub mod show;
pub mod user;
