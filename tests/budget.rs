//! The compute budget (`vault-sim budget`, chain-fit issue): every instruction of the vault at
//! 8 and 16 assets, estimated by the model in `vault_sim::budget`, fits a transaction's
//! 1.4 M compute units at the high estimate, its heap fits SBF's 32 KB, and the limit the
//! client sends with it (`vault_client::compute::LIMITS`) covers it. `BUDGET_MATRICES` sets how
//! many random covariances `compute_targets` is also tried on (default 20). A test binary of
//! its own: the counters are process-wide.

/// Counts what each program allocates while it runs (the heap column).
#[global_allocator]
static ALLOC: cu_meter::CountingAlloc = cu_meter::CountingAlloc;

#[test]
fn every_instruction_fits_its_budget_and_the_client_limit() {
    let rows = vault_sim::budget::rows();
    let over: Vec<String> = rows
        .iter()
        .filter(|r| r.over())
        .map(|r| format!("{}@{}: {} CU, {} B heap", r.name, r.assets, r.high, r.heap))
        .collect();
    assert!(over.is_empty(), "over budget: {over:?}");
    let stale = vault_sim::budget::above_client_limits(&rows);
    assert!(
        stale.is_empty(),
        "the client's limits are below the estimates (run `vault-sim budget --write`): {stale:?}"
    );
    // The counters saw the programs run (a zero would mean nothing was measured).
    let deposit = rows.iter().find(|r| r.name == "deposit").unwrap();
    assert!(deposit.heap > 0 && deposit.low > 10_000, "{deposit:?}");
    // Every instruction the model covers was measured at both sizes.
    for name in [
        "deposit",
        "withdraw",
        "redeem_in_kind",
        "rebalance_swap",
        "settle_hedge_claim",
    ] {
        for n in [8, 16] {
            assert!(
                rows.iter().any(|r| r.name == name && r.assets == n),
                "{name} at {n} assets not measured"
            );
        }
    }
}

#[test]
fn client_transactions_carry_the_model_limit() {
    use anchor_lang::prelude::Pubkey;
    let keys = vault_client::VaultKeys {
        vault: Pubkey::new_unique(),
        authority: Pubkey::new_unique(),
        share_mint: Pubkey::new_unique(),
        base_mint: Pubkey::new_unique(),
        base_vault: Pubkey::new_unique(),
        base_token_program: Pubkey::new_unique(),
        share_token_program: Pubkey::new_unique(),
        fee_recipient: Pubkey::new_unique(),
        dead_shares: Pubkey::new_unique(),
        risk: Pubkey::new_unique(),
        assets: vec![],
        hedge: None,
    };
    let user = Pubkey::new_unique();
    let ix = keys.deposit(user, Pubkey::new_unique(), Pubkey::new_unique(), 1, 0);
    let all = vault_client::compute::with_limit(std::slice::from_ref(&ix));
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].program_id, solana_compute_budget_interface::id());
    let limit = u32::from_le_bytes(all[0].data[1..5].try_into().unwrap());
    assert_eq!(limit, vault_client::compute::limit_for(&ix));
    assert!(limit > 0);
    // A transaction that sets its own limit keeps it.
    assert_eq!(vault_client::compute::with_limit(&all).len(), 2);
}
