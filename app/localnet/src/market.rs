//! The live market of the node: the simulator's price path replayed against the wall clock
//! (`speed` market seconds a second), each tick a new slot, the clock moved on, every Pyth
//! account written and every pool arbitraged back to the oracle.

use std::time::{Duration, Instant};
use vault_sim::market::Path;
use vault_sim::world::World;

/// Wall time between ticks.
pub const TICK: Duration = Duration::from_secs(1);
/// Memory of the oracles' EMA, market seconds (Pyth's is about an hour).
const EMA_MEMORY_S: f64 = 3_600.0;

pub struct Market {
    path: Path,
    speed: f64,
    wall_start: Instant,
    market_start: i64,
    last_tick: Option<Instant>,
    last_t: i64,
}

/// What one tick writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub t: i64,
    pub prices: Vec<f64>,
    pub ema_alpha: f64,
}

impl Market {
    /// The path from market time `market_start` on, at `speed`.
    pub fn new(path: Path, speed: f64, market_start: i64) -> Self {
        Self {
            path,
            speed,
            wall_start: Instant::now(),
            market_start,
            last_tick: None,
            last_t: market_start,
        }
    }

    /// The path's prices at `since` seconds from its start, log-linear between rows; the last
    /// row holds once the path is over.
    pub fn prices_at(&self, since: f64) -> Vec<f64> {
        let t = &self.path.t;
        let at = t[0] as f64 + since.max(0.0);
        let k = t.partition_point(|&x| (x as f64) <= at).saturating_sub(1);
        let (a, b) = (&self.path.prices[k], self.path.prices.get(k + 1));
        match b {
            None => a.clone(),
            Some(b) => {
                let f = (at - t[k] as f64) / (t[k + 1] - t[k]).max(1) as f64;
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (x.ln() * (1.0 - f) + y.ln() * f).exp())
                    .collect()
            }
        }
    }

    /// The tick due now, once per [`TICK`].
    pub fn due(&mut self) -> Option<Step> {
        let now = Instant::now();
        if self.last_tick.is_some_and(|l| now - l < TICK) {
            return None;
        }
        self.last_tick = Some(now);
        let since = (now - self.wall_start).as_secs_f64() * self.speed;
        let t = (self.market_start + since as i64).max(self.last_t + 1);
        let dt = (t - self.last_t) as f64;
        self.last_t = t;
        Some(Step {
            t,
            prices: self.prices_at(since),
            ema_alpha: 1.0 - (-dt / EMA_MEMORY_S).exp(),
        })
    }

    /// Writes `step` into the world: a new slot, the clock, the oracles, the pools.
    pub fn apply(&self, w: &World, step: &Step) {
        w.chain.advance_slot();
        w.chain.set_unix_timestamp(step.t);
        w.post_all(&step.prices, step.t, step.ema_alpha);
        vault_sim::run::arbitrage(w, &step.prices);
    }
}
