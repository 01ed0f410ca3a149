//! The strategy lab. Today: an f64 reference for every weight strategy of the vault program
//! and the accuracy study that compares the program's fixed-point weights against it.

pub mod accuracy;
pub mod reference;
