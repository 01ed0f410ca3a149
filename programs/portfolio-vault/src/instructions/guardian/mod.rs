pub mod cancel_proposal;
pub mod derisk;

pub use cancel_proposal::*;
pub use derisk::*;
