//! The program's one fixed-point type and the integer helpers around it.

use super::{MathError, MathResult};

/// Signed fixed point with 80 integer and 48 fractional bits (resolution 3.6e-15).
pub type Fx = fixed::types::I80F48;

pub const FX_FRAC_BITS: u32 = 48;
const FX_FRAC_MASK: u128 = (1u128 << FX_FRAC_BITS) - 1;

/// `a * b`, failing instead of wrapping (`*` on the fixed-point type wraps in release builds).
#[inline]
pub fn fx_mul(a: Fx, b: Fx) -> MathResult<Fx> {
    cu_meter::count(cu_meter::Op::FxMul);
    a.checked_mul(b).ok_or(MathError::Overflow)
}

/// `a / b`, failing on a zero divisor or an overflow instead of panicking or wrapping.
#[inline]
pub fn fx_div(a: Fx, b: Fx) -> MathResult<Fx> {
    cu_meter::count(cu_meter::Op::FxDiv);
    if b == Fx::ZERO {
        return Err(MathError::DivideByZero);
    }
    a.checked_div(b).ok_or(MathError::Overflow)
}

#[inline]
pub fn fx_add(a: Fx, b: Fx) -> MathResult<Fx> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

#[inline]
pub fn fx_sub(a: Fx, b: Fx) -> MathResult<Fx> {
    a.checked_sub(b).ok_or(MathError::Overflow)
}

/// An integer as the fixed-point type (every `u64` and `i64` fits).
#[inline]
pub fn fx_from_int<T: fixed::traits::ToFixed>(v: T) -> MathResult<Fx> {
    Fx::checked_from_num(v).ok_or(MathError::Overflow)
}

/// `bps / 10_000` as a fraction.
#[inline]
pub fn fx_bps(bps: u64) -> MathResult<Fx> {
    ratio_floor(bps, crate::constants::BPS_DENOMINATOR)
}

/// The integer part of a non-negative value rounded down; zero for a negative one.
pub fn fx_floor_u64(v: Fx) -> MathResult<u64> {
    if v <= Fx::ZERO {
        return Ok(0);
    }
    v.floor().checked_to_num::<u64>().ok_or(MathError::Overflow)
}

/// A value rounded down (toward −∞) to a whole `i64`.
pub fn fx_floor_i64(v: Fx) -> MathResult<i64> {
    v.floor().checked_to_num::<i64>().ok_or(MathError::Overflow)
}

/// A value rounded up (toward +∞) to a whole `i64`.
pub fn fx_ceil_i64(v: Fx) -> MathResult<i64> {
    v.checked_ceil()
        .and_then(|c| c.checked_to_num::<i64>())
        .ok_or(MathError::Overflow)
}

/// `a * b / c` rounded down, with a 128-bit intermediate.
pub fn mul_div_floor(a: u64, b: u64, c: u64) -> MathResult<u64> {
    cu_meter::count(cu_meter::Op::Mul64);
    cu_meter::count(cu_meter::Op::Div128);
    if c == 0 {
        return Err(MathError::DivideByZero);
    }
    // A product of two u64 fits u128; c > 0.
    let q = (a as u128)
        .checked_mul(b as u128)
        .and_then(|p| p.checked_div(c as u128))
        .ok_or(MathError::Overflow)?;
    u64::try_from(q).map_err(|_| MathError::Overflow)
}

/// `a * b / c` rounded up, with a 128-bit intermediate.
pub fn mul_div_ceil(a: u64, b: u64, c: u64) -> MathResult<u64> {
    cu_meter::count(cu_meter::Op::Mul64);
    cu_meter::count(cu_meter::Op::Div128);
    if c == 0 {
        return Err(MathError::DivideByZero);
    }
    let p = (a as u128)
        .checked_mul(b as u128)
        .ok_or(MathError::Overflow)?;
    let q = p.div_ceil(c as u128);
    u64::try_from(q).map_err(|_| MathError::Overflow)
}

/// Splits `amount * price` into its integer part and whether a fraction was dropped.
/// `price` must be positive; the product is exact (no intermediate rounding).
fn value_parts(amount: u64, price: Fx) -> MathResult<(u64, bool)> {
    // amount × integer part (up to 80 bits): a full 128-bit product; × fraction: 64 × 48.
    cu_meter::count(cu_meter::Op::Mul128);
    cu_meter::count(cu_meter::Op::Mul64);
    let bits = u128::try_from(price.to_bits()).map_err(|_| MathError::Overflow)?;
    let int_part = bits >> FX_FRAC_BITS;
    let frac_part = bits & FX_FRAC_MASK;
    let whole = (amount as u128)
        .checked_mul(int_part)
        .ok_or(MathError::Overflow)?;
    // amount < 2^64 and frac_part < 2^48: the product fits in 112 bits.
    let frac_product = (amount as u128)
        .checked_mul(frac_part)
        .ok_or(MathError::Overflow)?;
    let total = whole
        .checked_add(frac_product >> FX_FRAC_BITS)
        .ok_or(MathError::Overflow)?;
    let value = u64::try_from(total).map_err(|_| MathError::Overflow)?;
    Ok((value, frac_product & FX_FRAC_MASK != 0))
}

/// Value of `amount` units at `price` (base units per unit), rounded down.
pub fn value_floor(amount: u64, price: Fx) -> MathResult<u64> {
    value_parts(amount, price).map(|(v, _)| v)
}

/// Value of `amount` units at `price` (base units per unit), rounded up.
pub fn value_ceil(amount: u64, price: Fx) -> MathResult<u64> {
    let (v, dropped) = value_parts(amount, price)?;
    if dropped {
        v.checked_add(1).ok_or(MathError::Overflow)
    } else {
        Ok(v)
    }
}

/// `num / den` as a fixed-point ratio, rounded down (both non-negative).
pub fn ratio_floor(num: u64, den: u64) -> MathResult<Fx> {
    cu_meter::count(cu_meter::Op::Div128);
    if den == 0 {
        return Err(MathError::DivideByZero);
    }
    let scaled = (num as u128) << FX_FRAC_BITS; // < 2^112
    let q = scaled
        .checked_div(den as u128)
        .ok_or(MathError::DivideByZero)?;
    let bits = i128::try_from(q).map_err(|_| MathError::Overflow)?;
    Ok(Fx::from_bits(bits))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn value_rounds_in_the_named_direction() {
        let third = ratio_floor(1, 3).unwrap();
        assert_eq!(value_floor(3, third).unwrap(), 0);
        assert_eq!(value_ceil(3, third).unwrap(), 1);
        assert_eq!(value_floor(10, Fx::from_num(2)).unwrap(), 20);
        assert_eq!(value_ceil(10, Fx::from_num(2)).unwrap(), 20);
    }

    #[test]
    fn value_overflow_is_an_error_not_a_wrap() {
        assert_eq!(
            value_floor(u64::MAX, Fx::from_num(2)),
            Err(MathError::Overflow)
        );
        assert_eq!(value_floor(u64::MAX, Fx::from_num(1)).unwrap(), u64::MAX);
    }

    #[test]
    fn mul_div_edges() {
        assert_eq!(
            mul_div_floor(u64::MAX, u64::MAX, u64::MAX).unwrap(),
            u64::MAX
        );
        assert_eq!(mul_div_floor(u64::MAX, 2, 1), Err(MathError::Overflow));
        assert_eq!(mul_div_ceil(1, 1, 0), Err(MathError::DivideByZero));
        assert_eq!(mul_div_ceil(7, 1, 2).unwrap(), 4);
        assert_eq!(mul_div_floor(7, 1, 2).unwrap(), 3);
    }
}
