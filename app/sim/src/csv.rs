//! Price histories from CSV: a header naming a time column and 1 to 16 asset columns, then one
//! row per observation. Delimiters `,`, `;` or tab (from the header); fields may be quoted
//! (`"..."`, `""` for a quote). Times are unix seconds or milliseconds (told apart by size),
//! or ISO dates and date-times (`2024-01-31`, `2024-01-31T16:00:00Z`, `2024-01-31 16:00:00`,
//! taken as UTC). Every refusal names its row (1 is the header) and column.

use crate::market::Path;

/// Most asset columns the vault can hold.
pub const MAX_ASSETS: usize = 16;
/// A gap longer than this many steps is filled with steps at the last prices (a weekend or a
/// holiday in daily data is one longer step; a missing month is not).
pub const FILL_GAPS_ABOVE_STEPS: i64 = 4;
/// Most steps a history may have once gaps are filled.
pub const MAX_STEPS: usize = 2_000_000;

fn delimiter(header: &str) -> Result<char, String> {
    let mut counts = [(',', 0usize), (';', 0), ('\t', 0)];
    let mut quoted = false;
    for c in header.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if c == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| *d)
        .ok_or_else(|| {
            "row 1: no delimiter (`,`, `;` or tab): the header names a time column and at least one asset".into()
        })
}

/// The fields of one line, quotes removed.
fn fields(line: &str, delim: char, row: usize) -> Result<Vec<String>, String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (d, false) if d == delim => {
                out.push(if was_quoted {
                    cur.clone()
                } else {
                    cur.trim().to_string()
                });
                cur.clear();
                was_quoted = false;
            }
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("row {row}: a quoted field is not closed"));
    }
    out.push(if was_quoted {
        cur
    } else {
        cur.trim().to_string()
    });
    Ok(out)
}

/// A time field in unix seconds (`ms` when the column is in milliseconds).
fn time(field: &str, ms: bool) -> Result<i64, String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(v) = field.parse::<i64>() {
        return Ok(if ms { v.div_euclid(1_000) } else { v });
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(field) {
        return Ok(d.timestamp());
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(field, f) {
            return Ok(d.and_utc().timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(field, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp());
    }
    Err(format!(
        "`{field}` is not a time (unix seconds or milliseconds, or an ISO date)"
    ))
}

/// Reads a price history (see the module docs). The step is the median spacing of the times;
/// gaps longer than [`FILL_GAPS_ABOVE_STEPS`] steps are filled with steps at the last prices.
pub fn read(text: &str) -> Result<Path, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let (hrow, header) = lines.next().ok_or("the CSV is empty")?;
    let delim = delimiter(header)?;
    let cols = fields(header, delim, hrow)?;
    let n = cols.len().saturating_sub(1);
    if n == 0 {
        return Err(format!(
            "row {hrow}: the header names a time column and at least one asset"
        ));
    }
    if n > MAX_ASSETS {
        return Err(format!(
            "row {hrow}: {n} asset columns; the vault holds at most {MAX_ASSETS}"
        ));
    }
    if cols
        .iter()
        .all(|c| c.parse::<f64>().is_ok() || time(c, false).is_ok())
    {
        return Err(format!(
            "row {hrow}: no header: the first row must name the columns (a time column, then the assets)"
        ));
    }
    for (j, name) in cols.iter().enumerate().skip(1) {
        if name.is_empty() {
            return Err(format!(
                "row {hrow} column {}: an asset column has no name",
                j + 1
            ));
        }
        if cols[1..j].contains(name) {
            return Err(format!(
                "row {hrow} column {}: asset `{name}` is named twice",
                j + 1
            ));
        }
    }
    let mut rows: Vec<(usize, Vec<String>)> = vec![];
    for (row, line) in lines {
        let f = fields(line, delim, row)?;
        if f.len() != cols.len() {
            return Err(format!(
                "row {row}: {} fields, the header has {}",
                f.len(),
                cols.len()
            ));
        }
        rows.push((row, f));
    }
    if rows.len() < 3 {
        return Err("the CSV needs at least three rows of prices".into());
    }
    // Milliseconds when the first time is past year 5138 in seconds (1e11).
    let ms = rows[0].1[0]
        .parse::<i64>()
        .map(|v| v > 100_000_000_000)
        .unwrap_or(false);
    let mut t = Vec::with_capacity(rows.len());
    let mut prices = Vec::with_capacity(rows.len());
    for (row, f) in &rows {
        let ts = time(&f[0], ms).map_err(|e| format!("row {row} column 1 ({}): {e}", cols[0]))?;
        if let Some(prev) = t.last() {
            if ts <= *prev {
                return Err(format!(
                    "row {row} column 1 ({}): times must increase ({ts} after {prev})",
                    cols[0]
                ));
            }
        }
        t.push(ts);
        let mut p = Vec::with_capacity(n);
        for (j, v) in f[1..].iter().enumerate() {
            let at = || format!("row {row} column {} ({})", j + 2, cols[j + 1]);
            let x: f64 = v
                .parse()
                .map_err(|_| format!("{}: `{v}` is not a number", at()))?;
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("{}: a price must be positive", at()));
            }
            p.push(x);
        }
        prices.push(p);
    }
    let mut gaps: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    let dt_s = gaps[gaps.len() / 2];
    let (t, prices) = fill_gaps(t, prices, dt_s)?;
    Ok(Path {
        names: cols[1..].to_vec(),
        dt_s,
        stressed: vec![false; prices.len()],
        t,
        prices,
        crash_step: None,
    })
}

/// Steps every `dt_s` at the last prices through gaps longer than
/// [`FILL_GAPS_ABOVE_STEPS`] steps.
fn fill_gaps(
    t: Vec<i64>,
    prices: Vec<Vec<f64>>,
    dt_s: i64,
) -> Result<(Vec<i64>, Vec<Vec<f64>>), String> {
    let mut out_t = vec![t[0]];
    let mut out_p = vec![prices[0].clone()];
    for k in 1..t.len() {
        let gap = t[k] - t[k - 1];
        if gap > FILL_GAPS_ABOVE_STEPS * dt_s {
            let mut at = t[k - 1] + dt_s;
            while at < t[k] {
                out_t.push(at);
                out_p.push(prices[k - 1].clone());
                at += dt_s;
                if out_t.len() > MAX_STEPS {
                    return Err(format!(
                        "more than {MAX_STEPS} steps once the gaps are filled (a gap of {gap} s at a step of {dt_s} s)"
                    ));
                }
            }
        }
        out_t.push(t[k]);
        out_p.push(prices[k].clone());
    }
    Ok((out_t, out_p))
}
