//! The floor: what tokio's own timers cost for `n` concurrent waits, with nothing of waitsim's
//! around them. It draws the delays `waitsim measure-time N 10 --seed 1` draws (ChaCha8 seeded
//! with 1, `10 × random::<f64>()`), sorts them so the timers are registered in deadline order,
//! starts one boxed `Sleep` per delay on a paused current-thread runtime, awaits them in that
//! order, and prints what `waitsim measure-time N 10 --seed 1 --json` prints of the run: the
//! delays and the elapsed virtual time over `n`, as one JSON line.
//!
//!     cargo build --release --example floor && target/release/examples/floor 1000000
//!
//! `benches/floor/compare.sh` runs it beside waitsim.

use std::io::Write as _;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

fn main() {
    let n: usize = match std::env::args().nth(1).map(|n| n.parse()) {
        Some(Ok(n)) if n > 0 => n,
        _ => {
            eprintln!("usage: floor N (a whole number of waits, at least 1)");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let (delays, per_wait) = runtime.block_on(async move {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut delays: Vec<f64> = (0..n).map(|_| 10.0 * rng.random::<f64>()).collect();
        delays.sort_by(f64::total_cmp);
        let start = Instant::now();
        let sleeps: Vec<_> = delays
            .iter()
            .map(|&delay| {
                Box::pin(tokio::time::sleep_until(
                    start + Duration::from_secs_f64(delay),
                ))
            })
            .collect();
        for sleep in sleeps {
            sleep.await;
        }
        let per_wait = start.elapsed().as_secs_f64() / n as f64;
        (delays, per_wait)
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Streamed, as waitsim streams its report: no copy of the list as a JSON value.
    write!(out, "{{\"delays\":").expect("stdout");
    serde_json::to_writer(&mut out, &delays).expect("stdout");
    writeln!(
        out,
        ",\"measure_time\":{}}}",
        serde_json::to_string(&per_wait).expect("a float")
    )
    .expect("stdout");
}
