pub mod accept_admin;
pub mod add_asset;
pub mod initialize_risk;
pub mod initialize_vault;
pub mod propose_change;
pub mod set_pause;
pub mod sweep_surplus;

pub use accept_admin::*;
pub use add_asset::*;
pub use initialize_risk::*;
pub use initialize_vault::*;
pub use propose_change::*;
pub use set_pause::*;
pub use sweep_surplus::*;
