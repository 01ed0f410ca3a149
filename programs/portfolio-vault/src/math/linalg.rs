//! Small dense linear algebra in [`Fx`] on packed symmetric matrices of at most
//! [`MAX_ASSETS`] rows, with every costly operation counted for compute-unit estimates.
//! Fixed-size arrays only: no allocation.

// Index loops mirror the matrix formulas (l[i][k] * v[k]) and read clearer than iterators.
#![allow(clippy::needless_range_loop)]

use super::{Fx, MathError, MathResult};
use crate::constants::MAX_ASSETS;

pub const N: usize = MAX_ASSETS;
/// Entries of a packed lower triangle of an `N x N` matrix.
pub const PACKED: usize = N * (N + 1) / 2;

/// Index of `(i, j)` in packed lower-triangular storage (symmetric: order does not matter).
/// Indices are below `N` (16), so the arithmetic stays below 136.
#[inline]
#[allow(clippy::arithmetic_side_effects)]
pub const fn packed_index(i: usize, j: usize) -> usize {
    if i >= j {
        i * (i + 1) / 2 + j
    } else {
        j * (j + 1) / 2 + i
    }
}

/// Entries of a packed lower triangle of an `n x n` matrix (`n <= N`).
#[inline]
#[allow(clippy::arithmetic_side_effects)]
pub const fn packed_len(n: usize) -> usize {
    n * (n + 1) / 2
}

/// Counts of the fixed-point operations that dominate compute cost on chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCount {
    pub mul: u64,
    pub div: u64,
    pub sqrt: u64,
}

impl OpCount {
    #[inline]
    pub fn mul(&mut self, a: Fx, b: Fx) -> MathResult<Fx> {
        self.mul = self.mul.saturating_add(1);
        cu_meter::count(cu_meter::Op::FxMul);
        a.checked_mul(b).ok_or(MathError::Overflow)
    }

    #[inline]
    pub fn div(&mut self, a: Fx, b: Fx) -> MathResult<Fx> {
        self.div = self.div.saturating_add(1);
        cu_meter::count(cu_meter::Op::FxDiv);
        if b == Fx::ZERO {
            return Err(MathError::DivideByZero);
        }
        a.checked_div(b).ok_or(MathError::Overflow)
    }

    #[inline]
    pub fn sqrt(&mut self, a: Fx) -> MathResult<Fx> {
        self.sqrt = self.sqrt.saturating_add(1);
        cu_meter::count(cu_meter::Op::FxSqrt);
        if a < Fx::ZERO {
            return Err(MathError::Domain);
        }
        a.checked_sqrt().ok_or(MathError::Overflow)
    }

    /// The counted operations priced at `prices` (`cu_meter::CU_LOW` or `CU_HIGH`).
    pub fn units(&self, prices: &[u64; cu_meter::OPS]) -> u64 {
        use cu_meter::Op;
        self.mul
            .saturating_mul(prices[Op::FxMul as usize])
            .saturating_add(self.div.saturating_mul(prices[Op::FxDiv as usize]))
            .saturating_add(self.sqrt.saturating_mul(prices[Op::FxSqrt as usize]))
    }

    /// [`Self::units`] at the high prices: what the solvers budget with.
    pub fn high_units(&self) -> u64 {
        self.units(&cu_meter::CU_HIGH)
    }
}

/// Checked add and subtract (cheap on chain, so not counted).
#[inline]
pub fn add(a: Fx, b: Fx) -> MathResult<Fx> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

#[inline]
pub fn sub(a: Fx, b: Fx) -> MathResult<Fx> {
    a.checked_sub(b).ok_or(MathError::Overflow)
}

/// Symmetric `n x n` matrix in packed lower-triangular storage (2.2 KB at 16 assets: on chain
/// it lives on the heap or in a solver's workspace, never copied on the stack).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymMatrix {
    pub n: usize,
    pub a: [Fx; PACKED],
}

// SAFETY: every field is an integer or a fixed-point number (an `i128` underneath); all
// zero bits are the empty 0 x 0 matrix. `bytemuck::zeroed_box` then allocates one on the heap
// without building it on the stack first.
unsafe impl bytemuck::Zeroable for SymMatrix {}

impl SymMatrix {
    pub fn zeros(n: usize) -> Self {
        Self {
            n,
            a: [Fx::ZERO; PACKED],
        }
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize) -> Fx {
        self.a[packed_index(i, j)]
    }

    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: Fx) {
        self.a[packed_index(i, j)] = v;
    }

    /// `A x` for the first `n` entries of `x`.
    pub fn mul_vec(&self, ops: &mut OpCount, x: &[Fx; N]) -> MathResult<[Fx; N]> {
        let mut y = [Fx::ZERO; N];
        for (i, yi) in y.iter_mut().enumerate().take(self.n) {
            let mut s = Fx::ZERO;
            for (j, xj) in x.iter().enumerate().take(self.n) {
                s = add(s, ops.mul(self.get(i, j), *xj)?)?;
            }
            *yi = s;
        }
        Ok(y)
    }

    /// `x' A x`.
    pub fn quad_form(&self, ops: &mut OpCount, x: &[Fx; N]) -> MathResult<Fx> {
        let ax = self.mul_vec(ops, x)?;
        dot(ops, x, &ax, self.n)
    }

    /// Largest diagonal entry.
    pub fn max_diag(&self) -> Fx {
        (0..self.n)
            .map(|i| self.get(i, i))
            .max()
            .unwrap_or(Fx::ZERO)
    }

    /// Writes this matrix times `2^shift` into `out` (exact for left shifts, no counted
    /// operation).
    pub fn scaled_into(&self, shift: i32, out: &mut Self) -> MathResult<()> {
        out.n = self.n;
        let len = packed_len(self.n);
        for (o, v) in out.a.iter_mut().zip(self.a.iter()).take(len) {
            *o = shift_pow2(*v, shift)?;
        }
        Ok(())
    }
}

/// `v * 2^shift`, exact for left shifts, truncating for right shifts.
pub fn shift_pow2(v: Fx, shift: i32) -> MathResult<Fx> {
    if shift >= 0 {
        let bits = v
            .to_bits()
            .checked_mul(1i128 << shift)
            .ok_or(MathError::Overflow)?;
        Ok(Fx::from_bits(bits))
    } else {
        Ok(Fx::from_bits(v.to_bits() >> shift.unsigned_abs().min(127)))
    }
}

/// The power of two that brings `x` (> 0) into `[1/2, 2)`: `x * 2^shift` lands there.
pub fn normalising_shift(x: Fx) -> i32 {
    let bits = x.to_bits();
    if bits <= 0 {
        return 0;
    }
    // The index of the highest set bit is within 0..=126 for a positive value.
    let top = 127i32.saturating_sub(bits.leading_zeros() as i32);
    48i32.saturating_sub(top)
}

pub fn dot(ops: &mut OpCount, x: &[Fx; N], y: &[Fx; N], n: usize) -> MathResult<Fx> {
    let mut s = Fx::ZERO;
    for i in 0..n {
        s = add(s, ops.mul(x[i], y[i])?)?;
    }
    Ok(s)
}

/// `L D L'` factor of the submatrix of `a` on the indices `idx` (unit lower `L`, positive `D`).
#[derive(Clone, Copy, Debug)]
pub struct Ldl {
    pub m: usize,
    pub l: [Fx; PACKED],
    pub inv_d: [Fx; N],
}

// SAFETY: as for `SymMatrix`: integers and fixed-point numbers only; zero is a valid (empty)
// factor.
unsafe impl bytemuck::Zeroable for Ldl {}

/// Pivots below this fraction of their diagonal entry (2^-30, about 1e-9) are treated as
/// singular: past it fixed-point solutions lose the precision the weights need.
const PIVOT_BITS_BELOW_DIAGONAL: u32 = 30;

/// Factors `a[idx, idx]` into `out`; refuses matrices that are singular or not positive
/// definite.
pub fn ldl_factor(
    ops: &mut OpCount,
    a: &SymMatrix,
    idx: &[usize],
    out: &mut Ldl,
) -> MathResult<()> {
    let m = idx.len();
    out.m = m;
    let (l, inv_d) = (&mut out.l, &mut out.inv_d);
    let mut d = [Fx::ZERO; N];
    for j in 0..m {
        let mut v = [Fx::ZERO; N];
        let diag = a.get(idx[j], idx[j]);
        let mut djj = diag;
        for k in 0..j {
            v[k] = ops.mul(l[packed_index(j, k)], d[k])?;
            djj = sub(djj, ops.mul(l[packed_index(j, k)], v[k])?)?;
        }
        let floor = Fx::from_bits(diag.to_bits() >> PIVOT_BITS_BELOW_DIAGONAL);
        if diag <= Fx::ZERO || djj <= floor {
            return Err(MathError::NotPositiveDefinite);
        }
        d[j] = djj;
        inv_d[j] = ops.div(Fx::ONE, djj)?;
        for i in j.saturating_add(1)..m {
            let mut s = a.get(idx[i], idx[j]);
            for (k, vk) in v.iter().enumerate().take(j) {
                s = sub(s, ops.mul(l[packed_index(i, k)], *vk)?)?;
            }
            l[packed_index(i, j)] = ops.mul(s, inv_d[j])?;
        }
    }
    Ok(())
}

/// Solves `(L D L') x = b` for the first `m` entries of `b`.
pub fn ldl_solve(ops: &mut OpCount, f: &Ldl, b: &[Fx; N]) -> MathResult<[Fx; N]> {
    let m = f.m;
    let mut x = *b;
    for i in 0..m {
        for k in 0..i {
            x[i] = sub(x[i], ops.mul(f.l[packed_index(i, k)], x[k])?)?;
        }
    }
    for i in 0..m {
        x[i] = ops.mul(x[i], f.inv_d[i])?;
    }
    for i in (0..m).rev() {
        for k in i.saturating_add(1)..m {
            x[i] = sub(x[i], ops.mul(f.l[packed_index(k, i)], x[k])?)?;
        }
    }
    Ok(x)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        let mut a = SymMatrix::zeros(3);
        let vals = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        for i in 0..3 {
            for j in 0..=i {
                a.set(i, j, Fx::from_num(vals[i][j]));
            }
        }
        let mut ops = OpCount::default();
        let mut f: Box<Ldl> = bytemuck::zeroed_box();
        ldl_factor(&mut ops, &a, &[0, 1, 2], &mut f).unwrap();
        let mut b = [Fx::ZERO; N];
        b[0] = Fx::ONE;
        b[1] = Fx::from_num(2);
        b[2] = Fx::from_num(3);
        let x = ldl_solve(&mut ops, &f, &b).unwrap();
        let ax = a.mul_vec(&mut ops, &x).unwrap();
        for i in 0..3 {
            assert!((ax[i] - b[i]).abs() < Fx::from_num(1e-12));
        }
    }

    #[test]
    fn refuses_singular_matrix() {
        let mut a = SymMatrix::zeros(2);
        a.set(0, 0, Fx::ONE);
        a.set(1, 0, Fx::ONE);
        a.set(1, 1, Fx::ONE);
        assert_eq!(
            ldl_factor(
                &mut OpCount::default(),
                &a,
                &[0, 1],
                &mut bytemuck::zeroed_box()
            )
            .unwrap_err(),
            MathError::NotPositiveDefinite
        );
    }

    #[test]
    fn normalising_shift_brings_into_range() {
        for x in [1e-9, 0.3, 1.0, 1.7, 12345.0] {
            let v = Fx::from_num(x);
            let s = shift_pow2(v, normalising_shift(v)).unwrap();
            assert!(s >= Fx::from_num(0.5) && s < Fx::from_num(2), "{x} -> {s}");
        }
    }
}
