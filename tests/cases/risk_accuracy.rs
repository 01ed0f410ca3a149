//! The program's fixed-point target weights against the f64 reference: 1,000 random
//! positive-definite covariance matrices per asset count 2..=16, every strategy, within 1e-9
//! absolute (`RISK_ACCURACY_MATRICES` changes the count). The same study is
//! `cargo run --release -p vault-sim -- accuracy`.

#[test]
fn fixed_point_weights_match_f64_reference() {
    let matrices = std::env::var("RISK_ACCURACY_MATRICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let reports = vault_sim::accuracy::run(matrices, 11);
    for r in &reports {
        println!(
            "{:<14} cases {:>6} max_abs_err {:.3e} certificate {:.3e}",
            r.name, r.cases, r.max_abs_weight_error, r.max_certificate
        );
        assert_eq!(r.cases, matrices * 15);
        assert!(
            r.max_abs_weight_error < 1e-9,
            "{}: {}",
            r.name,
            r.max_abs_weight_error
        );
        assert!(
            r.max_certificate < 1e-9,
            "{}: reference certificate {}",
            r.name,
            r.max_certificate
        );
    }
}
