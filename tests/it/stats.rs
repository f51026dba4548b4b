//! The delays are uniform on `[0, max_delay]`: seeded, so the statistics are exact numbers and
//! the checks are never flaky.

use waitsim::{Clock, MaxDelay, seeded, wait_n};

const N: usize = 100_000;
const SEEDS: [u64; 5] = [0, 1, 42, 2024, u64::MAX];

fn delays(seed: u64, max_delay: f64) -> Vec<f64> {
    let max_delay = MaxDelay::new(max_delay).unwrap();
    Clock::Virtual
        .block_on(wait_n(&mut seeded(seed), N, max_delay))
        .unwrap()
        .unwrap()
}

#[test]
fn mean_is_half_of_max_delay_within_four_standard_errors() {
    for seed in SEEDS {
        let mean = delays(seed, 10.0).iter().sum::<f64>() / N as f64;
        // The mean of N uniform draws on [0, 10] has standard deviation 10 / sqrt(12 N).
        let standard_error = 10.0 / (12.0 * N as f64).sqrt();
        assert!(
            (mean - 5.0).abs() < 4.0 * standard_error,
            "seed {seed}: mean {mean}"
        );
    }
}

#[test]
fn kolmogorov_smirnov_statistic_is_below_the_one_in_a_thousand_critical_value() {
    for seed in SEEDS {
        let sorted = delays(seed, 7.0);
        let n = sorted.len() as f64;
        let d = sorted
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let cdf = x / 7.0;
                f64::max((i as f64 + 1.0) / n - cdf, cdf - i as f64 / n)
            })
            .fold(0.0, f64::max);
        // Asymptotic critical value of D at significance 0.001.
        assert!(d < 1.949 / n.sqrt(), "seed {seed}: D = {d}");
    }
}

#[test]
fn chi_square_over_a_hundred_bins_is_below_the_one_in_a_thousand_critical_value() {
    for seed in SEEDS {
        let mut counts = [0u32; 100];
        for d in delays(seed, 1.0) {
            counts[((d * 100.0) as usize).min(99)] += 1;
        }
        let expected = N as f64 / 100.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        // The chi-square distribution with 99 degrees of freedom exceeds 148.2 with
        // probability 0.001.
        assert!(chi2 < 148.2, "seed {seed}: chi2 = {chi2}");
    }
}

#[test]
fn a_skewed_sample_fails_the_checks() {
    // The checks can fail: squaring uniform draws (mean 1/3) is caught by every one.
    let skewed: Vec<f64> = delays(0, 1.0).iter().map(|d| d * d).collect();
    let mean = skewed.iter().sum::<f64>() / N as f64;
    assert!((mean - 0.5).abs() > 4.0 / (12.0 * N as f64).sqrt());
}
