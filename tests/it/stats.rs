//! The delays are uniform on `[0, max_delay]`: seeded, so the statistics are exact numbers and
//! the checks are never flaky.

use waitsim::{Clock, MaxDelay, seeded, wait_n};

const N: usize = 100_000;
const SEEDS: [u64; 5] = [0, 1, 42, 2024, u64::MAX];

fn delays(seed: u64, max_delay: f64) -> Vec<f64> {
    let max_delay = MaxDelay::new(max_delay).unwrap();
    Clock::Virtual
        .run(wait_n(&mut seeded(seed), N, max_delay))
        .unwrap()
}

/// The mean, within four standard errors of the uniform's on `[0, max]`.
fn mean_is_uniform(sample: &[f64], max: f64) -> bool {
    let mean = sample.iter().sum::<f64>() / sample.len() as f64;
    // The mean of N uniform draws on [0, max] has standard deviation max / sqrt(12 N).
    let standard_error = max / (12.0 * sample.len() as f64).sqrt();
    (mean - max / 2.0).abs() < 4.0 * standard_error
}

/// The Kolmogorov-Smirnov statistic of an ascending sample against the uniform on `[0, max]`,
/// below its critical value at significance 0.001.
fn ks_is_uniform(sorted: &[f64], max: f64) -> bool {
    let n = sorted.len() as f64;
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let cdf = x / max;
            f64::max((i as f64 + 1.0) / n - cdf, cdf - i as f64 / n)
        })
        .fold(0.0, f64::max);
    // Asymptotic critical value of D at significance 0.001.
    d < 1.949 / n.sqrt()
}

/// The chi-square statistic over a hundred equal bins of `[0, max]`, below its critical value
/// at significance 0.001.
fn chi_square_is_uniform(sample: &[f64], max: f64) -> bool {
    let mut counts = [0u32; 100];
    for d in sample {
        counts[((d / max * 100.0) as usize).min(99)] += 1;
    }
    let expected = sample.len() as f64 / 100.0;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (f64::from(c) - expected).powi(2) / expected)
        .sum();
    // The chi-square distribution with 99 degrees of freedom exceeds 148.2 with probability
    // 0.001.
    chi2 < 148.2
}

#[test]
fn mean_is_half_of_max_delay_within_four_standard_errors() {
    for seed in SEEDS {
        assert!(mean_is_uniform(&delays(seed, 10.0), 10.0), "seed {seed}");
    }
}

#[test]
fn kolmogorov_smirnov_statistic_is_below_the_one_in_a_thousand_critical_value() {
    for seed in SEEDS {
        assert!(ks_is_uniform(&delays(seed, 7.0), 7.0), "seed {seed}");
    }
}

#[test]
fn chi_square_over_a_hundred_bins_is_below_the_one_in_a_thousand_critical_value() {
    for seed in SEEDS {
        assert!(
            chi_square_is_uniform(&delays(seed, 1.0), 1.0),
            "seed {seed}"
        );
    }
}

#[test]
fn a_skewed_sample_fails_every_check() {
    // The checks can fail: squaring uniform draws (mean 1/3, still ascending) is caught by
    // every one of them.
    let skewed: Vec<f64> = delays(0, 1.0).iter().map(|d| d * d).collect();
    assert!(!mean_is_uniform(&skewed, 1.0));
    assert!(!ks_is_uniform(&skewed, 1.0));
    assert!(!chi_square_is_uniform(&skewed, 1.0));
}
