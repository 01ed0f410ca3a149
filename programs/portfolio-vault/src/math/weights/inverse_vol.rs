//! Inverse volatility, and fitting any raw weights to the per-asset bounds.

#![allow(clippy::needless_range_loop)]

use super::*;

/// `1 / sqrt(C_ii)` for every asset.
pub fn inverse_vol(ops: &mut OpCount, cov: &SymMatrix, n: usize) -> MathResult<[Fx; N]> {
    let mut raw = [Fx::ZERO; N];
    for (i, r) in raw.iter_mut().enumerate().take(n) {
        let vol = ops.sqrt(cov.get(i, i))?;
        *r = ops.div(Fx::ONE, vol)?;
    }
    Ok(raw)
}

/// `clip(c * raw_i, min_i, max_i)` with `c` chosen so the weights sum to one, found exactly
/// from the breakpoints where assets hit a bound. When even all maximums add up to less than
/// one, every asset sits at its maximum and the remainder is cash.
pub fn fit_to_bounds(
    ops: &mut OpCount,
    raw: &[Fx; N],
    n: usize,
    min: &[Fx; N],
    max: &[Fx; N],
) -> MathResult<[Fx; N]> {
    // c at which asset i reaches its minimum and its maximum.
    let mut c_min = [Fx::ZERO; N];
    let mut c_max = [Fx::ZERO; N];
    let mut breaks = [Fx::ZERO; 2 * N];
    let mut count = 0;
    for i in 0..n {
        if raw[i] > Fx::ZERO {
            c_min[i] = ops.div(min[i], raw[i])?;
            c_max[i] = ops.div(max[i], raw[i])?;
            breaks[count] = c_min[i];
            breaks[count.saturating_add(1)] = c_max[i];
            count = count.saturating_add(2);
        }
    }
    let breaks = &mut breaks[..count];
    breaks.sort_unstable();
    let clip_sum = |ops: &mut OpCount, c: Fx| -> MathResult<Fx> {
        let mut s = Fx::ZERO;
        for i in 0..n {
            let v = ops.mul(c, raw[i])?.clamp(min[i], max[i]);
            s = add(s, v)?;
        }
        Ok(s)
    };
    // First breakpoint where the clipped sum reaches one (binary search: the sum rises with c).
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = lo.midpoint(hi);
        if clip_sum(ops, breaks[mid])? >= Fx::ONE {
            hi = mid;
        } else {
            lo = mid.saturating_add(1);
        }
    }
    if lo == count {
        // Cannot reach one: everything as high as it may go.
        let mut w = [Fx::ZERO; N];
        for i in 0..n {
            w[i] = if raw[i] > Fx::ZERO { max[i] } else { min[i] };
        }
        return Ok(w);
    }
    let seg_hi = breaks[lo];
    let seg_lo = match lo.checked_sub(1) {
        Some(prev) => breaks[prev],
        None => Fx::ZERO,
    };
    // On (seg_lo, seg_hi) the sum is A + c B: A from assets at a bound, B from the free ones.
    let (mut a, mut b) = (Fx::ZERO, Fx::ZERO);
    for i in 0..n {
        if raw[i] <= Fx::ZERO {
            a = add(a, min[i])?;
            continue;
        }
        if c_max[i] <= seg_lo {
            a = add(a, max[i])?;
        } else if c_min[i] >= seg_hi {
            a = add(a, min[i])?;
        } else {
            b = add(b, raw[i])?;
        }
    }
    let c = if b > Fx::ZERO {
        ops.div(sub(Fx::ONE, a)?, b)?
    } else {
        seg_hi
    };
    let mut w = [Fx::ZERO; N];
    for i in 0..n {
        w[i] = ops.mul(c, raw[i])?.clamp(min[i], max[i]);
    }
    Ok(w)
}
