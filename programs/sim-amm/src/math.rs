//! Constant-product pricing in integers: every result rounds in the pool's favour.

pub const BPS: u128 = 10_000;

/// Output of a swap of `amount_in` against reserves `(reserve_in, reserve_out)` after a fee of
/// `fee_bps` on the input: `out = in' * R_out / (R_in + in')`, `in' = in * (1 - fee)`, floored.
pub fn quote_out(reserve_in: u64, reserve_out: u64, amount_in: u64, fee_bps: u16) -> Option<u64> {
    // Two 64 × 64-bit products and two 128-bit quotients.
    cu_meter::count_n(cu_meter::Op::Mul64, 2);
    cu_meter::count_n(cu_meter::Op::Div128, 2);
    let in_after_fee = (amount_in as u128)
        .checked_mul(BPS.checked_sub(fee_bps as u128)?)?
        .checked_div(BPS)?;
    let num = in_after_fee.checked_mul(reserve_out as u128)?;
    let den = (reserve_in as u128).checked_add(in_after_fee)?;
    u64::try_from(num.checked_div(den)?).ok()
}

/// LP tokens for a deposit: `sqrt(a * b)` for the first one, otherwise the smaller of the two
/// pro-rata amounts (the excess of the other token stays in the pool).
pub fn lp_for_deposit(a: u64, b: u64, reserve_a: u64, reserve_b: u64, supply: u64) -> Option<u64> {
    if supply == 0 {
        return u64::try_from(isqrt((a as u128).checked_mul(b as u128)?)).ok();
    }
    let by_a = (a as u128)
        .checked_mul(supply as u128)?
        .checked_div(reserve_a as u128)?;
    let by_b = (b as u128)
        .checked_mul(supply as u128)?
        .checked_div(reserve_b as u128)?;
    u64::try_from(by_a.min(by_b)).ok()
}

/// Tokens returned for burning `lp` of `supply`: pro-rata, floored.
pub fn amounts_for_lp(lp: u64, reserve_a: u64, reserve_b: u64, supply: u64) -> Option<(u64, u64)> {
    if lp > supply {
        return None;
    }
    let share = |r: u64| -> Option<u64> {
        u64::try_from(
            (lp as u128)
                .checked_mul(r as u128)?
                .checked_div(supply as u128)?,
        )
        .ok()
    };
    Some((share(reserve_a)?, share(reserve_b)?))
}

/// Integer square root, floored (Newton's method).
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    // x starts above the root, so x + n / x stays below 2^128 and every step shrinks it.
    let mut x = 1u128 << (n.ilog2() / 2).saturating_add(1);
    loop {
        let y = x.saturating_add(n.checked_div(x).unwrap_or(0)) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn quote_keeps_k_and_rounds_for_the_pool() {
        let (ri, ro) = (1_000_000u64, 2_000_000u64);
        for amount in [1u64, 7, 1_000, 123_456, 5_000_000] {
            for fee in [0u16, 30, 100] {
                let out = quote_out(ri, ro, amount, fee).unwrap();
                let k0 = (ri as u128) * (ro as u128);
                let k1 = (ri as u128 + amount as u128) * (ro as u128 - out as u128);
                assert!(k1 >= k0, "k fell: {amount} {fee}");
                assert!(out < ro);
            }
        }
        assert_eq!(quote_out(100, 100, 0, 30), Some(0));
    }

    #[test]
    fn isqrt_is_exact_floor() {
        for n in [0u128, 1, 2, 3, 4, 15, 16, 17, 1 << 64, u64::MAX as u128 * 3] {
            let r = isqrt(n);
            assert!(r * r <= n && (r + 1) * (r + 1) > n, "{n}");
        }
    }

    #[test]
    fn liquidity_round_trip_never_pays_more() {
        let lp = lp_for_deposit(1_000, 4_000, 0, 0, 0).unwrap();
        assert_eq!(lp, 2_000);
        let more = lp_for_deposit(10, 50, 1_000, 4_000, lp).unwrap();
        assert_eq!(more, 20);
        let (a, b) = amounts_for_lp(more, 1_010, 4_050, lp + more).unwrap();
        assert!(a <= 10 && b <= 50);
    }
}
