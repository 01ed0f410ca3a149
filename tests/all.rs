//! Every integration test in one binary (one link instead of one per area), a module per
//! area as Jito's and Mango's test suites do: `cargo test -p vault-tests -- <area>::`.

mod cases;
