//! Turning an oracle mantissa and a base-10 exponent into the program's fixed-point type.

use super::{Fx, MathError, MathResult, FX_FRAC_BITS};

/// `mantissa * 10^exp10` as [`Fx`], rounded up when `round_up` and down otherwise.
/// Exact when `exp10 >= 0`; fails with `Overflow` instead of truncating. `exp10` must lie in
/// -38..=38 (callers bound it more tightly).
pub fn fx_from_decimal(mantissa: u64, exp10: i32, round_up: bool) -> MathResult<Fx> {
    // The power of ten (one 128-bit multiply per squaring) and one product or quotient.
    cu_meter::count_n(cu_meter::Op::Mul128, 5);
    cu_meter::count(if exp10 >= 0 {
        cu_meter::Op::Mul128
    } else {
        cu_meter::Op::Div128
    });
    let m = (mantissa as u128) << FX_FRAC_BITS; // < 2^112
    let bits = if exp10 >= 0 {
        let scale = 10u128
            .checked_pow(exp10.unsigned_abs())
            .ok_or(MathError::Overflow)?;
        m.checked_mul(scale).ok_or(MathError::Overflow)?
    } else {
        let scale = 10u128
            .checked_pow(exp10.unsigned_abs())
            .ok_or(MathError::Overflow)?;
        if round_up {
            m.div_ceil(scale)
        } else {
            m.checked_div(scale).ok_or(MathError::DivideByZero)?
        }
    };
    i128::try_from(bits)
        .map(Fx::from_bits)
        .map_err(|_| MathError::Overflow)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn scales_both_ways() {
        let x = fx_from_decimal(12_345, -2, false).unwrap();
        assert!((x - Fx::from_num(123.45f64)).abs() <= Fx::DELTA);
        assert_eq!(fx_from_decimal(5, 3, false).unwrap(), Fx::from_num(5_000));
        assert!(fx_from_decimal(1, -3, true).unwrap() > fx_from_decimal(1, -3, false).unwrap());
        assert_eq!(
            fx_from_decimal(u64::MAX, 30, false),
            Err(MathError::Overflow)
        );
    }
}
