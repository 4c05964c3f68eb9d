//! Percentiles of calls timed one by one: criterion reports means, the targets
//! are stated as p50 and p99.

use std::time::Duration;

/// "p50 …, p99 …, max …, mean …" of the times (sorted in place).
pub fn summary(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    format!(
        "p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs, mean {:.1} µs",
        us(at(0.50)),
        us(at(0.99)),
        us(times[times.len() - 1]),
        us(mean)
    )
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
