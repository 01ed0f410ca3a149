//! Products of two large quantities with a 256-bit intermediate and an explicit rounding
//! direction. Fixed-point products of two large numbers (equity × units, a value squared)
//! overflow `I80F48` (about 6e23) long before real vault sizes: these compute them exactly.
//!
//! Division is Knuth's algorithm D on 64-bit limbs (TAOCP vol. 2, 4.3.1), so a 256 / 128-bit
//! division costs a handful of 128-bit operations, not a bit-by-bit loop.
//!
//! The limb arithmetic below is bounded by construction (each bound is in a comment) and is
//! checked against bit-by-bit long division in the tests, so this one module uses plain
//! operators; everything it returns is checked.
#![allow(clippy::arithmetic_side_effects)]

use super::{Fx, MathError, MathResult};

/// A 256-bit unsigned integer: four little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U256(pub [u64; 4]);

#[inline]
fn lo64(x: u128) -> u64 {
    x as u64 // the low half, by definition
}

#[inline]
fn hi64(x: u128) -> u64 {
    (x >> 64) as u64 // the high half: < 2^64
}

#[inline]
fn join(hi: u64, lo: u64) -> u128 {
    ((hi as u128) << 64) | lo as u128
}

/// The exact product of two 128-bit integers.
pub fn mul_u128(a: u128, b: u128) -> U256 {
    cu_meter::count_n(cu_meter::Op::Mul64, 4);
    let (a0, a1) = (lo64(a) as u128, hi64(a) as u128);
    let (b0, b1) = (lo64(b) as u128, hi64(b) as u128);
    // Each partial product is below 2^128; the sums below are bounded in their comments.
    let p00 = a0.wrapping_mul(b0);
    let p01 = a0.wrapping_mul(b1);
    let p10 = a1.wrapping_mul(b0);
    let p11 = a1.wrapping_mul(b1);
    // < 3 · 2^64
    let mid = (p00 >> 64)
        .wrapping_add(lo64(p01) as u128)
        .wrapping_add(lo64(p10) as u128);
    // <= (2^64 - 1)^2 + 2 (2^64 - 1) + 2 < 2^128
    let hi = p11
        .wrapping_add(p01 >> 64)
        .wrapping_add(p10 >> 64)
        .wrapping_add(mid >> 64);
    U256([lo64(p00), lo64(mid), lo64(hi), hi64(hi)])
}

/// `n / d` and `n % d` when the quotient fits 128 bits; `None` when it does not, or `d == 0`.
pub fn div_rem_u128(n: U256, d: u128) -> Option<(u128, u128)> {
    cu_meter::count(cu_meter::Op::Div256);
    let [n0, n1, n2, n3] = n.0;
    if d == 0 || join(n3, n2) >= d {
        return None;
    }
    if n3 == 0 && n2 == 0 {
        let low = join(n1, n0);
        return Some((low / d, low % d));
    }
    if hi64(d) == 0 {
        // One-limb divisor: schoolbook, each step divides a remainder below d by d.
        let d64 = d;
        let mut rem = join(n3, n2); // < d < 2^64
        let mut q = [0u64; 2];
        for (k, limb) in [(1usize, n1), (0, n0)] {
            let cur = (rem << 64) | limb as u128; // rem < 2^64
            q[k] = (cur / d64) as u64; // < 2^64 because rem < d
            rem = cur % d64;
        }
        return Some((join(q[1], q[0]), rem));
    }
    // Two-limb divisor: normalise so its top bit is set, then two digit steps of algorithm D.
    let s = hi64(d).leading_zeros();
    let dn = d << s;
    let (v1, v0) = (hi64(dn) as u128, lo64(dn) as u128);
    let mut u = [0u64; 5];
    u[0] = n0 << s;
    let carry = |hi: u64, lo: u64| {
        if s == 0 {
            hi
        } else {
            (hi << s) | (lo >> (64 - s))
        }
    };
    u[1] = carry(n1, n0);
    u[2] = carry(n2, n1);
    u[3] = carry(n3, n2);
    u[4] = if s == 0 { 0 } else { n3 >> (64 - s) };
    let b = 1u128 << 64;
    let mut q = [0u64; 2];
    for j in (0..2).rev() {
        let top = join(u[j + 2], u[j + 1]);
        let mut qhat = top / v1;
        let mut rhat = top % v1;
        while qhat >= b || qhat * v0 > ((rhat << 64) | u[j] as u128) {
            qhat -= 1;
            rhat += v1;
            if rhat >= b {
                break;
            }
        }
        // u[j..j+3] -= qhat * (v1, v0); qhat < 2^64 here.
        let p0 = qhat * v0;
        let p1 = qhat * v1 + (p0 >> 64);
        let (r0, borrow0) = u[j].overflowing_sub(lo64(p0));
        let (t1, b1a) = u[j + 1].overflowing_sub(lo64(p1));
        let (r1, b1b) = t1.overflowing_sub(borrow0 as u64);
        let sub2 = hi64(p1) as u128 + (b1a as u128) + (b1b as u128);
        let (r2, negative) = (u[j + 2] as u128).overflowing_sub(sub2);
        u[j] = r0;
        u[j + 1] = r1;
        u[j + 2] = lo64(r2);
        if negative {
            // qhat was one too large: add the divisor back.
            qhat -= 1;
            let (a0, c0) = u[j].overflowing_add(lo64(v0));
            let (a1, c1a) = u[j + 1].overflowing_add(lo64(v1));
            let (a1, c1b) = a1.overflowing_add(c0 as u64);
            u[j] = a0;
            u[j + 1] = a1;
            u[j + 2] = u[j + 2].wrapping_add(c1a as u64 + c1b as u64);
        }
        q[j] = qhat as u64;
    }
    let rem = join(u[1], u[0]) >> s
        | if s == 0 {
            0
        } else {
            (u[2] as u128) << (128 - s)
        };
    Some((join(q[1], q[0]), rem))
}

/// `a * b / c` rounded down, exact for every input whose result fits 128 bits.
pub fn mul_div_u128_floor(a: u128, b: u128, c: u128) -> MathResult<u128> {
    if c == 0 {
        return Err(MathError::DivideByZero);
    }
    div_rem_u128(mul_u128(a, b), c)
        .map(|(q, _)| q)
        .ok_or(MathError::Overflow)
}

/// `a * b / c` rounded up, exact for every input whose result fits 128 bits.
pub fn mul_div_u128_ceil(a: u128, b: u128, c: u128) -> MathResult<u128> {
    if c == 0 {
        return Err(MathError::DivideByZero);
    }
    let (q, r) = div_rem_u128(mul_u128(a, b), c).ok_or(MathError::Overflow)?;
    if r == 0 {
        Ok(q)
    } else {
        q.checked_add(1).ok_or(MathError::Overflow)
    }
}

/// `x * num / den` for a signed fixed-point `x`, rounded toward −∞ (`floor`) or +∞.
fn fx_mul_div(x: Fx, num: u128, den: u128, floor: bool) -> MathResult<Fx> {
    if den == 0 {
        return Err(MathError::DivideByZero);
    }
    let bits = x.to_bits();
    let (q, r) =
        div_rem_u128(mul_u128(bits.unsigned_abs(), num), den).ok_or(MathError::Overflow)?;
    // Round the magnitude away from zero exactly when that rounds the value the asked way.
    let away = r != 0 && ((bits < 0) == floor);
    let mag = if away {
        q.checked_add(1).ok_or(MathError::Overflow)?
    } else {
        q
    };
    let signed = if bits < 0 {
        0i128.checked_sub_unsigned(mag).ok_or(MathError::Overflow)?
    } else {
        i128::try_from(mag).map_err(|_| MathError::Overflow)?
    };
    Ok(Fx::from_bits(signed))
}

/// `x * num / den`, rounded down (toward −∞).
pub fn fx_mul_div_floor(x: Fx, num: u128, den: u128) -> MathResult<Fx> {
    fx_mul_div(x, num, den, true)
}

/// `x * num / den`, rounded up (toward +∞).
pub fn fx_mul_div_ceil(x: Fx, num: u128, den: u128) -> MathResult<Fx> {
    fx_mul_div(x, num, den, false)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Bit-by-bit long division: slow and obviously right, the reference for algorithm D.
    fn naive_div(n: U256, d: u128) -> Option<(u128, u128)> {
        if d == 0 {
            return None;
        }
        let mut rem: u128 = 0;
        let mut q = [0u64; 4];
        for bit in (0..256).rev() {
            let limb = n.0[bit / 64];
            let top = rem >> 127;
            rem = (rem << 1) | ((limb >> (bit % 64)) & 1) as u128;
            if top == 1 || rem >= d {
                rem = rem.wrapping_sub(d);
                q[bit / 64] |= 1 << (bit % 64);
            }
        }
        if q[2] != 0 || q[3] != 0 {
            return None;
        }
        Some((join(q[1], q[0]), rem))
    }

    /// A small deterministic generator (xorshift) biased toward edge values.
    fn values(seed: u64, count: usize) -> Vec<u128> {
        let mut s = seed;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut out = vec![0, 1, 2, u64::MAX as u128, 1 << 64, u128::MAX, u128::MAX - 1];
        for _ in 0..count {
            let shift = next() % 128;
            let v = join(next(), next()) >> shift;
            out.push(v);
            out.push(v | (1 << 127));
        }
        out
    }

    #[test]
    fn product_matches_halves() {
        for &a in &values(7, 40) {
            for &b in &values(11, 40) {
                let p = mul_u128(a, b);
                // The low 128 bits are the wrapping product.
                assert_eq!(join(p.0[1], p.0[0]), a.wrapping_mul(b));
                if let Some(exact) = a.checked_mul(b) {
                    assert_eq!(p, U256([lo64(exact), hi64(exact), 0, 0]));
                }
            }
        }
    }

    #[test]
    fn algorithm_d_matches_long_division() {
        let vs = values(3, 60);
        for &a in &vs {
            for &b in &vs {
                let n = mul_u128(a, b);
                for &d in &values(5, 12) {
                    assert_eq!(div_rem_u128(n, d), naive_div(n, d), "{a} * {b} / {d}");
                }
            }
        }
    }

    #[test]
    fn mul_div_rounds_as_named() {
        assert_eq!(mul_div_u128_floor(7, 1, 2).unwrap(), 3);
        assert_eq!(mul_div_u128_ceil(7, 1, 2).unwrap(), 4);
        assert_eq!(mul_div_u128_ceil(8, 1, 2).unwrap(), 4);
        // 1e24 × 1e24 / 1e24: the product overflows 128 bits, the result does not.
        let e24 = 10u128.pow(24);
        assert_eq!(mul_div_u128_floor(e24, e24, e24).unwrap(), e24);
        assert_eq!(
            mul_div_u128_floor(u128::MAX, u128::MAX, u128::MAX).unwrap(),
            u128::MAX
        );
        assert_eq!(
            mul_div_u128_floor(u128::MAX, 2, 1),
            Err(MathError::Overflow)
        );
        assert_eq!(mul_div_u128_ceil(1, 1, 0), Err(MathError::DivideByZero));
    }

    #[test]
    fn fixed_point_scaling_rounds_toward_the_named_side() {
        let third = Fx::from_bits(1);
        assert_eq!(fx_mul_div_floor(third, 1, 3).unwrap(), Fx::ZERO);
        assert_eq!(fx_mul_div_ceil(third, 1, 3).unwrap(), Fx::from_bits(1));
        let neg = Fx::from_bits(-1);
        assert_eq!(fx_mul_div_floor(neg, 1, 3).unwrap(), Fx::from_bits(-1));
        assert_eq!(fx_mul_div_ceil(neg, 1, 3).unwrap(), Fx::ZERO);
        // Equity of 1e16 base units times 1e16 units over 2e16 units: 5e15, exactly.
        let equity = Fx::from_num(10_000_000_000_000_000u64);
        let half = fx_mul_div_floor(equity, 10u128.pow(16), 2 * 10u128.pow(16)).unwrap();
        assert_eq!(half, Fx::from_num(5_000_000_000_000_000u64));
        assert_eq!(fx_mul_div_floor(Fx::MAX, 2, 1), Err(MathError::Overflow));
    }
}
