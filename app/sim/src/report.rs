//! The report: a summary table (printed and in `report.md`) and PNG charts — NAV per share
//! against buy-and-hold and 1/N rebalanced daily, weights against targets, drawdown,
//! turnover and costs, net delta.

use plotters::prelude::*;
use std::path::Path as FsPath;

use crate::run::{Counters, RunResult, Stats};

/// Figures of one NAV series.
#[derive(Clone, Copy, Debug)]
pub struct Perf {
    pub total_return: f64,
    pub annual_return: f64,
    pub annual_vol: f64,
    pub sharpe: f64,
    pub max_drawdown: f64,
}

/// A year in seconds, for annualising on calendar time.
pub const YEAR_S: f64 = 365.25 * 86_400.0;
/// Annualised figures over less than this are flagged in the report as not meaningful.
pub const MIN_DAYS_TO_ANNUALISE: f64 = 60.0;

/// The figures of `values` observed at times `t` (unix seconds), annualised on calendar time:
/// returns per year are the observations a year holds (252 for trading days), not 365.
pub fn perf(values: &[f64], t: &[i64]) -> Perf {
    let n = values.len().min(t.len());
    if n < 2 {
        return Perf {
            total_return: 0.0,
            annual_return: 0.0,
            annual_vol: 0.0,
            sharpe: 0.0,
            max_drawdown: 0.0,
        };
    }
    let rets: Vec<f64> = values.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = rets.iter().sum::<f64>() / rets.len() as f64;
    let var = rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (rets.len().max(2) - 1) as f64;
    let years = ((t[n - 1] - t[0]) as f64 / YEAR_S).max(1e-9);
    let per_year = (n - 1) as f64 / years;
    let total = values[n - 1] / values[0] - 1.0;
    let annual_vol = var.sqrt() * per_year.sqrt();
    let annual_return = (values[n - 1] / values[0]).powf(1.0 / years) - 1.0;
    Perf {
        total_return: total,
        annual_return,
        annual_vol,
        // No meaningful ratio on a (nearly) constant series.
        sharpe: if annual_vol > 1e-9 {
            mean * per_year / annual_vol
        } else {
            0.0
        },
        max_drawdown: drawdown(values).iter().cloned().fold(0.0, f64::min),
    }
}

pub fn drawdown(values: &[f64]) -> Vec<f64> {
    let mut peak = f64::MIN;
    values
        .iter()
        .map(|&v| {
            peak = peak.max(v);
            v / peak - 1.0
        })
        .collect()
}

/// Root-mean-square gap between weights and targets (summed over slots, averaged over steps).
pub fn tracking_error(r: &RunResult) -> f64 {
    (r.stats.tracking_sq / r.series.t.len().max(1) as f64).sqrt()
}

/// Tracking error, turnover (× average NAV) and costs with bounties (bps of average NAV) of
/// `r` from the moment `from` on (the whole run when `None`).
pub fn rebalancing_figures(r: &RunResult, from: Option<Counters>) -> (f64, f64, f64) {
    let st = &r.stats;
    let z = from.unwrap_or_default();
    let records = r.series.t.len().saturating_sub(z.records).max(1);
    let nav = st.avg_nav.max(1e-9);
    (
        ((st.tracking_sq - z.tracking_sq) / records as f64).sqrt(),
        (st.turnover_base - z.turnover_base) / nav,
        (st.cost_base + st.bounty_base - z.cost_base - z.bounty_base) / nav * 1e4,
    )
}

/// The `compare` table: one row per `(name, run, from)`.
pub fn compare_table(rows: &[(String, &RunResult, Option<Counters>)]) -> String {
    let mut t = String::from("| rebalancing | tracking error (RMS weight gap) | turnover | costs incl. bounties | swaps | total return | volatility |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (name, r, from) in rows {
        let (te, turnover, cost) = rebalancing_figures(r, *from);
        let p = perf(&r.series.pps, &r.series.t);
        t.push_str(&format!(
            "| {name} | {:.2} % | {:.2}× | {:.1} bps | {} | {:+.2} % | {:.2} % |\n",
            te * 100.0,
            turnover,
            cost,
            r.stats.swaps - from.map(|c| c.swaps).unwrap_or(0),
            p.total_return * 100.0,
            p.annual_vol * 100.0,
        ));
    }
    t
}

/// Days the run's series cover.
pub fn span_days(r: &RunResult) -> f64 {
    let t = &r.series.t;
    match (t.first(), t.last()) {
        (Some(a), Some(b)) => (b - a) as f64 / 86_400.0,
        _ => 0.0,
    }
}

/// Percent of the value of depositors' exits paid in base; `None` without exits.
pub fn exits_in_base_pct(st: &Stats) -> Option<f64> {
    let all = st.exit_base_value + st.exit_kind_value;
    (all > 0.0).then(|| st.exit_base_value / all * 100.0)
}

/// The summary table in Markdown.
pub fn summary_table(r: &RunResult) -> String {
    let s = &r.series;
    let (v, b, e) = (
        perf(&s.pps, &s.t),
        perf(&s.buy_hold, &s.t),
        perf(&s.equal_daily, &s.t),
    );
    let pct = |x: f64| format!("{:+.2} %", x * 100.0);
    let mut t = String::new();
    t.push_str("| | vault (NAV per share) | buy and hold 1/N | 1/N rebalanced daily |\n|---|---:|---:|---:|\n");
    t.push_str(&format!(
        "| total return | {} | {} | {} |\n",
        pct(v.total_return),
        pct(b.total_return),
        pct(e.total_return)
    ));
    t.push_str(&format!(
        "| annualised return | {} | {} | {} |\n",
        pct(v.annual_return),
        pct(b.annual_return),
        pct(e.annual_return)
    ));
    t.push_str(&format!(
        "| annualised volatility | {:.2} % | {:.2} % | {:.2} % |\n",
        v.annual_vol * 100.0,
        b.annual_vol * 100.0,
        e.annual_vol * 100.0
    ));
    t.push_str(&format!(
        "| Sharpe (zero rate) | {:.2} | {:.2} | {:.2} |\n",
        v.sharpe, b.sharpe, e.sharpe
    ));
    t.push_str(&format!(
        "| max drawdown | {} | {} | {} |\n",
        pct(v.max_drawdown),
        pct(b.max_drawdown),
        pct(e.max_drawdown)
    ));
    let st = &r.stats;
    let years = span_days(r) / 365.25;
    t.push_str("\n| vault operations | |\n|---|---:|\n");
    t.push_str(&format!("| steps | {} |\n", st.steps));
    t.push_str(&format!("| rebalancing swaps | {} |\n", st.swaps));
    t.push_str(&format!(
        "| hedge trades / collateral moves | {} / {} |\n",
        st.hedge_trades, st.collateral_moves
    ));
    t.push_str(&format!(
        "| risk samples (update_risk) | {} |\n",
        st.risk_updates
    ));
    t.push_str(&format!(
        "| turnover | {:.2}× average NAV ({:.2}× a year) |\n",
        st.turnover_base / st.avg_nav.max(1e-9),
        st.turnover_base / st.avg_nav.max(1e-9) / years.max(1e-9)
    ));
    let bps = |x: f64| x / st.avg_nav.max(1e-9) * 1e4;
    t.push_str(&format!(
        "| trading costs (fees + slippage against the oracle) | {:.1} bps of average NAV |\n",
        bps(st.cost_base)
    ));
    t.push_str(&format!(
        "| paid by the flows (anti-dilution levies) | {:.1} bps of average NAV |\n",
        bps(st.levy_base)
    ));
    t.push_str(&format!(
        "| trading costs and bounties net of levies (what holders paid) | {:.1} bps of average NAV |\n",
        bps(st.cost_base + st.bounty_base - st.levy_base)
    ));
    t.push_str(&format!(
        "| keeper bounties | {:.2} base tokens ({:.2} bps of average NAV) |\n",
        st.bounty_base,
        st.bounty_base / st.avg_nav.max(1e-9) * 1e4
    ));
    t.push_str(&format!(
        "| tracking error (RMS weight gap) | {:.2} % |\n",
        tracking_error(r) * 100.0
    ));
    t.push_str(&format!(
        "| steps with every weight inside the {} bps band | {:.1} % |\n",
        r.band_bps,
        st.in_band_steps as f64 / st.steps.max(1) as f64 * 100.0
    ));
    t.push_str(&format!(
        "| largest net delta / NAV | {:.3} |\n",
        st.max_abs_net_delta
    ));
    t.push_str(&format!(
        "| average NAV | {:.0} base tokens |\n",
        st.avg_nav
    ));
    t.push_str(&format!(
        "| deposits / withdrawals / queued exits / redemptions in kind | {} / {} / {} / {} |\n",
        st.deposits, st.withdrawals, st.queued_exits, st.redemptions
    ));
    t.push_str(&format!(
        "| exits paid in base (by value, from the buffer or the queue) | {} |\n",
        exits_in_base_pct(st).map_or("no exits".into(), |p| format!("{p:.1} %"))
    ));
    let hours = |s: i64| s as f64 / 3_600.0;
    let waits = &st.queue_waits_s;
    t.push_str(&format!(
        "| wait of queued exits paid in full (average / worst) | {} |\n",
        if waits.is_empty() {
            "none queued".into()
        } else {
            format!(
                "{:.1} h / {:.1} h ({} requests)",
                hours(waits.iter().sum::<i64>()) / waits.len() as f64,
                hours(*waits.iter().max().unwrap_or(&0)),
                waits.len()
            )
        }
    ));
    t.push_str(&format!(
        "| exit costs: levies paid by leavers / trading costs of the steps the queue waited in | {:.1} / {:.1} bps of average NAV |\n",
        bps(st.exit_levy_base),
        bps(st.queue_trading_cost_base)
    ));
    t.push_str(&format!(
        "| transactions the program refused (keeper) | {} |\n",
        st.refused
    ));
    if span_days(r) < MIN_DAYS_TO_ANNUALISE {
        t.push_str(&format!(
            "\nThe run covers {:.1} days: the annualised figures extrapolate less than {MIN_DAYS_TO_ANNUALISE} days and are not meaningful.\n",
            span_days(r)
        ));
    }
    t
}

fn days(r: &RunResult) -> Vec<f64> {
    let t0 = r.series.t.first().copied().unwrap_or(0);
    r.series
        .t
        .iter()
        .map(|t| (t - t0) as f64 / 86_400.0)
        .collect()
}

fn range(series: &[&[f64]]) -> (f64, f64) {
    let mut lo = f64::MAX;
    let mut hi = f64::MIN;
    for s in series {
        for &v in *s {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if lo >= hi {
        (lo - 1.0, hi + 1.0)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

type Err = Box<dyn std::error::Error>;

/// Every `k`-th point so that consecutive points sit at least a pixel apart: plotters draws a
/// segment between two points in one pixel column as a spike to the top of the chart.
fn thin(x: &[f64], y: &[f64], width_px: usize) -> Vec<(f64, f64)> {
    let k = x.len() / width_px.max(1) + 1;
    x.iter().zip(y).step_by(k).map(|(a, b)| (*a, *b)).collect()
}

/// A chart spans more than this ratio: drawn on a log scale.
pub const LOG_SCALE_ABOVE: f64 = 3.0;

/// Whether positive series spanning `lo..hi` read better on a log scale.
pub fn wants_log(lo: f64, hi: f64) -> bool {
    lo > 0.0 && hi / lo > LOG_SCALE_ABOVE
}

fn line_chart(
    path: &FsPath,
    title: &str,
    x: &[f64],
    lines: &[(&str, &[f64], RGBColor)],
    y_label: &str,
) -> Result<(), Err> {
    let ys: Vec<&[f64]> = lines.iter().map(|l| l.1).collect();
    let (lo, hi) = range(&ys);
    let raw_lo = ys
        .iter()
        .flat_map(|s| s.iter().copied())
        .fold(f64::MAX, f64::min);
    let raw_hi = ys
        .iter()
        .flat_map(|s| s.iter().copied())
        .fold(f64::MIN, f64::max);
    // The legend sits in its own band below the plot, never over the data.
    let root = BitMapBackend::new(path, (1100, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(500);
    let xmax = x.last().copied().unwrap_or(1.0).max(1e-9);
    let mut builder = ChartBuilder::on(&plot);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    if wants_log(raw_lo, raw_hi) {
        let mut chart =
            builder.build_cartesian_2d(0f64..xmax, (raw_lo * 0.95..raw_hi * 1.05).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("days")
            .y_desc(format!("{y_label} (log scale)"))
            .draw()?;
        for (_, ys, color) in lines {
            chart.draw_series(LineSeries::new(thin(x, ys, 900), color.stroke_width(2)))?;
        }
    } else {
        let mut chart = builder.build_cartesian_2d(0f64..xmax, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("days")
            .y_desc(y_label)
            .draw()?;
        for (_, ys, color) in lines {
            chart.draw_series(LineSeries::new(thin(x, ys, 900), color.stroke_width(2)))?;
        }
    }
    let items: Vec<(String, RGBColor)> =
        lines.iter().map(|(n, _, c)| (n.to_string(), *c)).collect();
    draw_legend(&legend, &items)?;
    root.present()?;
    Ok(())
}

/// A row of legend entries in `area`.
fn draw_legend(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    items: &[(String, RGBColor)],
) -> Result<(), Err> {
    let mut x = 80i32;
    for (name, c) in items {
        area.draw(&PathElement::new(
            vec![(x, 25), (x + 22, 25)],
            c.stroke_width(3),
        ))?;
        area.draw(&Text::new(name.clone(), (x + 28, 17), ("sans-serif", 16)))?;
        x += 40 + 9 * name.len() as i32;
    }
    Ok(())
}

const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(23, 190, 207),
];

fn weights_chart(path: &FsPath, r: &RunResult) -> Result<(), Err> {
    let x = days(r);
    let slots = r.series.weights.first().map(|w| w.len()).unwrap_or(0);
    let root = BitMapBackend::new(path, (1100, 680)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(620);
    let xmax = x.last().copied().unwrap_or(1.0).max(1e-9);
    let hi = r
        .series
        .weights
        .iter()
        .chain(&r.series.targets)
        .flat_map(|w| w.iter().copied())
        .fold(0.05, f64::max)
        * 1.05;
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            "Weights (thick) against targets (thin, pale)",
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..xmax, 0f64..hi)?;
    chart
        .configure_mesh()
        .x_desc("days")
        .y_desc("weight")
        .draw()?;
    let mut items = vec![];
    for s in 0..slots {
        let c = PALETTE[s % PALETTE.len()];
        let name = if s + 1 == slots {
            "cash".to_string()
        } else {
            r.names[s].clone()
        };
        let ws: Vec<f64> = r.series.weights.iter().map(|w| w[s]).collect();
        let ts: Vec<f64> = r.series.targets.iter().map(|t| t[s]).collect();
        let (w, t) = (thin(&x, &ws, 900), thin(&x, &ts, 900));
        chart.draw_series(LineSeries::new(w, c.stroke_width(3)))?;
        chart.draw_series(LineSeries::new(t, c.mix(0.45).stroke_width(1)))?;
        items.push((name, c));
    }
    draw_legend(&legend, &items)?;
    root.present()?;
    Ok(())
}

/// Registers a system font for chart text (plotters draws text with ab_glyph).
fn register_font() -> Result<(), Err> {
    const CANDIDATES: [&str; 4] = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ];
    for c in CANDIDATES {
        if let Ok(bytes) = std::fs::read(c) {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| "font could not be registered")?;
            return Ok(());
        }
    }
    Err("no TrueType font found (install fonts-dejavu-core; scripts/setup.sh does)".into())
}

/// The series as CSV: one row per step (calendar time), for other tools.
pub fn series_csv(r: &RunResult) -> String {
    let s = &r.series;
    let slots = s.weights.first().map(|w| w.len()).unwrap_or(0);
    let mut out = String::from("timestamp,nav_per_share,buy_and_hold,equal_daily,nav,net_delta,turnover_x_initial_nav,costs_bps_initial_nav");
    for k in 0..slots {
        let name = if k + 1 == slots {
            "cash".to_string()
        } else {
            r.names[k].clone()
        };
        out.push_str(&format!(",weight_{name},target_{name}"));
    }
    out.push('\n');
    for i in 0..s.t.len() {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}",
            s.t[i],
            s.pps[i],
            s.buy_hold[i],
            s.equal_daily[i],
            s.nav[i],
            s.net_delta[i],
            s.turnover_cum[i],
            s.cost_cum_bps[i]
        ));
        for k in 0..slots {
            out.push_str(&format!(",{},{}", s.weights[i][k], s.targets[i][k]));
        }
        out.push('\n');
    }
    out
}

/// Writes the charts, `series.csv` and `report.md` into `dir`; returns the chart file names.
pub fn write(dir: &FsPath, r: &RunResult, title: &str, extra: &str) -> Result<Vec<String>, Err> {
    std::fs::create_dir_all(dir)?;
    register_font()?;
    let x = days(r);
    let s = &r.series;
    line_chart(
        &dir.join("nav.png"),
        "NAV per share against buy-and-hold and 1/N rebalanced daily",
        &x,
        &[
            ("vault", &s.pps, PALETTE[0]),
            ("buy and hold 1/N", &s.buy_hold, PALETTE[1]),
            ("1/N rebalanced daily", &s.equal_daily, PALETTE[2]),
        ],
        "value (start = 1)",
    )?;
    weights_chart(&dir.join("weights.png"), r)?;
    let (dv, db, de) = (
        drawdown(&s.pps),
        drawdown(&s.buy_hold),
        drawdown(&s.equal_daily),
    );
    line_chart(
        &dir.join("drawdown.png"),
        "Drawdown",
        &x,
        &[
            ("vault", &dv, PALETTE[0]),
            ("buy and hold 1/N", &db, PALETTE[1]),
            ("1/N rebalanced daily", &de, PALETTE[2]),
        ],
        "drawdown",
    )?;
    line_chart(
        &dir.join("turnover.png"),
        "Cumulative turnover (× initial NAV) and trading costs (bps of initial NAV / 100)",
        &x,
        &[
            ("turnover", &s.turnover_cum, PALETTE[0]),
            (
                "costs, bps / 100",
                &s.cost_cum_bps.iter().map(|c| c / 100.0).collect::<Vec<_>>(),
                PALETTE[3],
            ),
        ],
        "cumulative",
    )?;
    line_chart(
        &dir.join("delta.png"),
        "Net delta (spot plus perp) / NAV",
        &x,
        &[("net delta", &s.net_delta, PALETTE[4])],
        "delta / NAV",
    )?;
    let charts = [
        "nav.png",
        "weights.png",
        "drawdown.png",
        "turnover.png",
        "delta.png",
    ]
    .map(String::from)
    .to_vec();
    std::fs::write(dir.join("series.csv"), series_csv(r))?;
    let mut md = format!(
        "# {title}\n\n{extra}\n\n{}\n\nThe series behind the charts: [series.csv](series.csv).\n",
        summary_table(r)
    );
    if !r.stats.notes.is_empty() {
        md.push_str("\n## Events\n\n");
        for n in &r.stats.notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    if !r.stats.keeper_waits.is_empty() {
        md.push_str("\n## Why the keeper waited or was refused (counts of ticks)\n\n| reason | count |\n|---|---:|\n");
        for (k, v) in &r.stats.keeper_waits {
            md.push_str(&format!("| {k} | {v} |\n"));
        }
    }
    if !r.stats.refused_user_actions.is_empty() {
        md.push_str(
            "\n## User actions the program refused\n\n| action: error | count |\n|---|---:|\n",
        );
        for (k, v) in &r.stats.refused_user_actions {
            md.push_str(&format!("| {k} | {v} |\n"));
        }
    }
    md.push_str("\n## Charts\n\n");
    for c in &charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    std::fs::write(dir.join("report.md"), md)?;
    Ok(charts)
}
