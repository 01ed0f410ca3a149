//! f64 reference implementations of the vault's weight strategies (nalgebra), each with an
//! independent optimality certificate where one exists: equal risk contributions for risk
//! parity and the KKT conditions for minimum variance.

use nalgebra::{DMatrix, DVector};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefStrategy {
    Fixed,
    InverseVol,
    RiskParity,
    MinVariance,
}

/// `clip(c * raw_i, lo_i, hi_i)` summing to one (or every asset at `hi` when that is < 1),
/// solved by bisection on `c` to machine precision: an independent method from the
/// program's exact breakpoint search.
pub fn fit_to_bounds(raw: &[f64], lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let sum = |c: f64| -> f64 {
        raw.iter()
            .zip(lo.iter().zip(hi))
            .map(|(r, (l, h))| (c * r).clamp(*l, *h))
            .sum()
    };
    let all_high: Vec<f64> = raw
        .iter()
        .zip(lo.iter().zip(hi))
        .map(|(r, (l, h))| if *r > 0.0 { *h } else { *l })
        .collect();
    if all_high.iter().sum::<f64>() <= 1.0 {
        return all_high;
    }
    let (mut a, mut b) = (0.0f64, 1.0f64);
    while sum(b) < 1.0 {
        b *= 2.0;
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if sum(m) < 1.0 {
            a = m;
        } else {
            b = m;
        }
    }
    let c = 0.5 * (a + b);
    raw.iter()
        .zip(lo.iter().zip(hi))
        .map(|(r, (l, h))| (c * r).clamp(*l, *h))
        .collect()
}

pub fn inverse_vol(cov: &DMatrix<f64>) -> Vec<f64> {
    (0..cov.nrows()).map(|i| 1.0 / cov[(i, i)].sqrt()).collect()
}

/// Equal risk contribution by Newton on `y'Cy/2 - sum(ln y)/n`, to 1e-15.
pub fn risk_parity(cov: &DMatrix<f64>) -> Vec<f64> {
    let n = cov.nrows();
    let b = 1.0 / n as f64;
    let mut y = DVector::from_vec(inverse_vol(cov));
    let q = (y.transpose() * cov * &y)[(0, 0)];
    y /= q.sqrt();
    for _ in 0..200 {
        let cy = cov * &y;
        let g = DVector::from_fn(n, |i, _| cy[i] - b / y[i]);
        let mut h = cov.clone();
        for i in 0..n {
            h[(i, i)] += b / (y[i] * y[i]);
        }
        let step = h
            .cholesky()
            .expect("Hessian is positive definite")
            .solve(&g);
        let dec = g.dot(&step);
        let t = if dec > 0.0625 {
            1.0 / (1.0 + dec.sqrt())
        } else {
            1.0
        };
        y -= step.clone() * t;
        if t == 1.0 && step.amax() < 1e-15 {
            break;
        }
    }
    let s = y.sum();
    y.iter().map(|v| v / s).collect()
}

/// Largest relative spread of the risk contributions `w_i (Cw)_i` (zero at exact parity).
pub fn risk_contribution_spread(cov: &DMatrix<f64>, w: &[f64]) -> f64 {
    let wv = DVector::from_column_slice(w);
    let cw = cov * &wv;
    let rc: Vec<f64> = (0..w.len()).map(|i| w[i] * cw[i]).collect();
    let mean = rc.iter().sum::<f64>() / rc.len() as f64;
    rc.iter()
        .map(|r| (r - mean).abs() / mean)
        .fold(0.0, f64::max)
}

/// Long-only minimum variance with bounds, by the primal active-set method in f64 with
/// nalgebra's Cholesky. Its optimality is certified separately by
/// [`min_variance_kkt_violation`].
pub fn min_variance(cov: &DMatrix<f64>, lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let n = cov.nrows();
    if hi.iter().sum::<f64>() <= 1.0 {
        return hi.to_vec();
    }
    #[derive(Clone, Copy, PartialEq)]
    enum B {
        Free,
        Lo,
        Hi,
    }
    let mut w = fit_to_bounds(&vec![1.0; n], lo, hi);
    let mut st = vec![B::Free; n];
    for _ in 0..10 * n + 20 {
        let free: Vec<usize> = (0..n).filter(|&i| st[i] == B::Free).collect();
        let g = cov * DVector::from_column_slice(&w);
        if free.is_empty() {
            let rel = (0..n)
                .filter(|&i| st[i] == B::Lo)
                .min_by(|&a, &b| g[a].total_cmp(&g[b]));
            let rel = rel.unwrap_or_else(|| (0..n).max_by(|&a, &b| g[a].total_cmp(&g[b])).unwrap());
            st[rel] = B::Free;
            continue;
        }
        let m = free.len();
        let cff = DMatrix::from_fn(m, m, |a, b| cov[(free[a], free[b])]);
        let fixed_part = DVector::from_fn(m, |a, _| {
            (0..n)
                .filter(|&j| st[j] != B::Free)
                .map(|j| cov[(free[a], j)] * w[j])
                .sum()
        });
        let budget = 1.0
            - (0..n)
                .filter(|&j| st[j] != B::Free)
                .map(|j| w[j])
                .sum::<f64>();
        let chol = cff.cholesky().expect("positive definite");
        let x = chol.solve(&DVector::from_element(m, 1.0));
        let z = chol.solve(&fixed_part);
        let lambda = (budget + z.sum()) / x.sum();
        let target: Vec<f64> = (0..m).map(|a| lambda * x[a] - z[a]).collect();
        let step = (0..m)
            .map(|a| (target[a] - w[free[a]]).abs())
            .fold(0.0, f64::max);
        if step <= 1e-15 {
            for a in 0..m {
                w[free[a]] = target[a];
            }
            let g = cov * DVector::from_column_slice(&w);
            let mut worst = 1e-14;
            let mut rel = None;
            for i in 0..n {
                let v = match st[i] {
                    B::Lo => lambda - g[i],
                    B::Hi => g[i] - lambda,
                    B::Free => 0.0,
                };
                if v > worst {
                    worst = v;
                    rel = Some(i);
                }
            }
            match rel {
                Some(i) => st[i] = B::Free,
                None => return w,
            }
            continue;
        }
        let mut alpha = 1.0;
        let mut block = None;
        for a in 0..m {
            let i = free[a];
            let p = target[a] - w[i];
            let r = if p < 0.0 {
                Some(((lo[i] - w[i]) / p, B::Lo))
            } else if p > 0.0 {
                Some(((hi[i] - w[i]) / p, B::Hi))
            } else {
                None
            };
            if let Some((r, b)) = r {
                let r = r.max(0.0);
                if r < alpha {
                    alpha = r;
                    block = Some((i, b));
                }
            }
        }
        for a in 0..m {
            let i = free[a];
            w[i] = if block.is_none() {
                target[a]
            } else {
                w[i] + alpha * (target[a] - w[i])
            };
        }
        if let Some((i, b)) = block {
            st[i] = b;
            w[i] = if b == B::Lo { lo[i] } else { hi[i] };
        }
    }
    panic!("reference active set did not converge");
}

/// Largest violation of the KKT conditions of the bounded minimum-variance problem.
pub fn min_variance_kkt_violation(cov: &DMatrix<f64>, w: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let wv = DVector::from_column_slice(w);
    let g = cov * &wv;
    let free: Vec<usize> = (0..w.len())
        .filter(|&i| w[i] > lo[i] + 1e-12 && w[i] < hi[i] - 1e-12)
        .collect();
    // With free assets the multiplier is their common gradient; at a vertex any value between
    // the largest gradient at an upper bound and the smallest at a lower bound certifies it.
    let lambda = if free.is_empty() {
        let upper = (0..w.len())
            .filter(|&i| w[i] >= hi[i] - 1e-12)
            .map(|i| g[i])
            .fold(f64::NEG_INFINITY, f64::max);
        let lower = (0..w.len())
            .filter(|&i| w[i] <= lo[i] + 1e-12)
            .map(|i| g[i])
            .fold(f64::INFINITY, f64::min);
        if upper.is_finite() {
            upper
        } else {
            lower
        }
    } else {
        free.iter().map(|&i| g[i]).sum::<f64>() / free.len() as f64
    };
    let scale = g.amax().max(1e-300);
    let mut worst = (w.iter().sum::<f64>() - 1.0).abs();
    for i in 0..w.len() {
        let v = if free.contains(&i) {
            (g[i] - lambda).abs()
        } else if w[i] <= lo[i] + 1e-12 {
            (lambda - g[i]).max(0.0)
        } else {
            (g[i] - lambda).max(0.0)
        };
        worst = worst.max(v / scale);
    }
    worst
}

/// Scales `w` so `sqrt(w'Cw) = target` when above it; minimums stay hard limits.
pub fn vol_target(cov: &DMatrix<f64>, w: &[f64], lo: &[f64], target: f64) -> Vec<f64> {
    let vol = portfolio_vol(cov, w);
    if vol <= target {
        return w.to_vec();
    }
    let k = target / vol;
    w.iter().zip(lo).map(|(x, l)| (x * k).max(*l)).collect()
}

pub fn portfolio_vol(cov: &DMatrix<f64>, w: &[f64]) -> f64 {
    let wv = DVector::from_column_slice(w);
    (wv.transpose() * cov * &wv)[(0, 0)].max(0.0).sqrt()
}

/// Reference weights for one strategy.
pub fn weights(
    strategy: RefStrategy,
    cov: &DMatrix<f64>,
    lo: &[f64],
    hi: &[f64],
    fixed: &[f64],
) -> Vec<f64> {
    match strategy {
        RefStrategy::Fixed => fixed.to_vec(),
        RefStrategy::InverseVol => fit_to_bounds(&inverse_vol(cov), lo, hi),
        RefStrategy::RiskParity => fit_to_bounds(&risk_parity(cov), lo, hi),
        RefStrategy::MinVariance => min_variance(cov, lo, hi),
    }
}
