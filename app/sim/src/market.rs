//! Price paths: heavy-tailed (Student-t), correlated (one common factor), regime-switching
//! (calm and stressed, Markov) hourly returns with an optional flash crash, or a CSV of real
//! prices (a timestamp column, then one column per asset).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal, StudentT};

/// A price path: `prices[step][asset]` in quote currency per whole token, `stressed[step]`.
#[derive(Clone, Debug)]
pub struct Path {
    pub names: Vec<String>,
    /// The usual seconds between steps (the median spacing of a history).
    pub dt_s: i64,
    /// Time of each row, unix seconds (a history's own; `0, dt_s, 2 dt_s, ...` for a
    /// generated path). Runs follow these, not the step count.
    pub t: Vec<i64>,
    pub prices: Vec<Vec<f64>>,
    pub stressed: Vec<bool>,
    /// Step of the flash crash, when the path has one.
    pub crash_step: Option<usize>,
}

impl Path {
    pub fn steps(&self) -> usize {
        self.prices.len() - 1
    }

    pub fn n(&self) -> usize {
        self.names.len()
    }
}

#[derive(Clone, Debug)]
pub struct MarketParams {
    pub n: usize,
    pub steps: usize,
    pub dt_s: i64,
    pub seed: u64,
    /// Annual volatility of asset `i` in the calm regime is `vol_min + (vol_max − vol_min)·i/(n−1)`.
    pub vol_min: f64,
    pub vol_max: f64,
    /// Volatility multiplier and correlation in the stressed regime.
    pub stress_vol_mult: f64,
    pub calm_corr: f64,
    pub stress_corr: f64,
    /// Per-step probabilities of entering and leaving the stressed regime.
    pub p_stress: f64,
    pub p_calm: f64,
    /// Degrees of freedom of the Student-t innovations (heavy tails).
    pub df: f64,
    pub annual_drift: f64,
    /// `(step, fall)`: every asset falls by `fall` (0.4 = −40 %) in one step, then recovers
    /// half of it over the next two days.
    pub flash_crash: Option<(usize, f64)>,
}

impl MarketParams {
    pub fn new(n: usize, steps: usize, seed: u64) -> Self {
        Self {
            n,
            steps,
            dt_s: 3_600,
            seed,
            vol_min: 0.35,
            vol_max: 0.90,
            stress_vol_mult: 2.5,
            calm_corr: 0.45,
            stress_corr: 0.80,
            p_stress: 0.004,
            p_calm: 0.03,
            df: 4.0,
            annual_drift: 0.08,
            flash_crash: Some((steps * 2 / 3, 0.40)),
        }
    }
}

/// Starting prices: a spread of magnitudes (a large cap near 3,000, small caps near 1).
pub fn start_price(i: usize) -> f64 {
    const P: [f64; 8] = [3_000.0, 150.0, 25.0, 1.5, 60.0, 8.0, 400.0, 0.9];
    P[i % P.len()] * (1.0 + 0.07 * (i / P.len()) as f64)
}

pub fn generate(p: &MarketParams) -> Path {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let t = StudentT::new(p.df).expect("df > 2");
    // Unit variance: a Student-t with df degrees of freedom has variance df/(df−2).
    let t_scale = ((p.df - 2.0) / p.df).sqrt();
    let year_steps = 365.0 * 86_400.0 / p.dt_s as f64;
    let n = p.n;
    let vols: Vec<f64> = (0..n)
        .map(|i| {
            let f = if n > 1 {
                i as f64 / (n - 1) as f64
            } else {
                0.0
            };
            (p.vol_min + (p.vol_max - p.vol_min) * f) / year_steps.sqrt()
        })
        .collect();
    let mut prices = vec![(0..n).map(start_price).collect::<Vec<_>>()];
    let mut stressed = vec![false];
    let mut in_stress = false;
    let mut recovery: Vec<(usize, f64)> = vec![];
    for step in 1..=p.steps {
        in_stress = if in_stress {
            !rng.gen_bool(p.p_calm)
        } else {
            rng.gen_bool(p.p_stress)
        };
        let (mult, rho) = if in_stress {
            (p.stress_vol_mult, p.stress_corr)
        } else {
            (1.0, p.calm_corr)
        };
        let common: f64 = t.sample(&mut rng) * t_scale;
        let prev = prices.last().unwrap().clone();
        let mut next = Vec::with_capacity(n);
        for i in 0..n {
            let idio: f64 = t.sample(&mut rng) * t_scale;
            let z = rho.sqrt() * common + (1.0 - rho).sqrt() * idio;
            let sigma = vols[i] * mult;
            let drift = p.annual_drift / year_steps - 0.5 * sigma * sigma;
            // Bound a single step so a t draw far in the tail cannot zero a price.
            let r = (drift + sigma * z).clamp(-0.5, 0.5);
            next.push(prev[i] * r.exp());
        }
        if let Some((k, fall)) = p.flash_crash {
            if step == k {
                for v in next.iter_mut() {
                    *v *= 1.0 - fall;
                }
                let per_step = (1.0 / (1.0 - fall)).ln() * 0.5 / 48.0;
                recovery = (1..=48).map(|s| (k + s, per_step)).collect();
            }
        }
        if let Some(&(_, g)) = recovery.iter().find(|(s, _)| *s == step) {
            for v in next.iter_mut() {
                *v *= g.exp();
            }
        }
        prices.push(next);
        stressed.push(in_stress);
    }
    Path {
        names: (0..n).map(|i| format!("A{i}")).collect(),
        dt_s: p.dt_s,
        t: (0..=p.steps as i64).map(|k| k * p.dt_s).collect(),
        prices,
        stressed,
        crash_step: p.flash_crash.map(|(k, _)| k),
    }
}

/// A price history from CSV (`crate::csv::read`).
pub fn from_csv(text: &str) -> Result<Path, String> {
    crate::csv::read(text)
}

impl Path {
    /// The risk model's sampling interval for this path: its shortest step of at least three
    /// quarters of the usual one, so that every row of an irregular history (month ends 28 to
    /// 31 days apart) is sampled, at the price of scaling a vol target to a slightly shorter
    /// period (5 % less volatility per sample for month ends). Shorter steps (a stray early
    /// row) are skipped rather than sampled as a full period. A generated path's step.
    pub fn sampling_interval_s(&self) -> i64 {
        self.t
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|g| g * 4 >= self.dt_s * 3)
            .min()
            .unwrap_or(self.dt_s)
    }

    /// Seconds from the first row to the last.
    pub fn span_s(&self) -> i64 {
        self.t.last().copied().unwrap_or(0) - self.t.first().copied().unwrap_or(0)
    }
}

/// Random draws the simulation's actors use (depositor arrivals, sizes).
pub fn actor_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a11c_e000_0001)
}

pub fn lognormal<R: Rng>(rng: &mut R, median: f64, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    median * (sigma * z).exp()
}
