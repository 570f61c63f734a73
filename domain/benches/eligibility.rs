#![allow(clippy::expect_used, reason = "a benchmark of seeded data fails loudly if the seeds change")]
//! Eligibility engine throughput against a reference measured in the same run: a loop that
//! only reads the same facts (so the ratio shows what the rules themselves cost).
//! `scripts/bench` runs this and writes the figures into BENCHMARKS.md.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use domain::allowance::{evaluate, seeds, Facts, Verdict};
use domain::person::Sex;

fn facts(n: usize) -> Vec<Facts> {
    (0..n)
        .map(|i| Facts {
            sex: Some(if i % 2 == 0 { Sex::Female } else { Sex::Male }),
            date_of_birth: NaiveDate::from_ymd_opt(1930 + (i % 80) as i32, 1 + (i % 12) as u32, 1 + (i % 28) as u32),
            annual_income_taka: Some((i as i64 * 37) % 20_000),
            allowance_groups_received: Some(if i % 10 == 0 { vec!["government_allowance".into()] } else { vec![] }),
            ..Facts::default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let programmes = seeds::programmes();
    let old_age = programmes.iter().find(|p| p.code == "old_age").expect("seeded");
    let widow = programmes.iter().find(|p| p.code == "widow").expect("seeded");
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 15).expect("valid");
    let people = facts(1000);
    let mut g = c.benchmark_group("eligibility");
    g.throughput(Throughput::Elements(people.len() as u64));
    g.bench_function("reference_read_facts", |b| {
        b.iter(|| {
            let mut n = 0i64;
            for f in black_box(&people) {
                n += f.date_of_birth.map_or(0, |d| d.year_ce().1 as i64) + f.annual_income_taka.unwrap_or(0);
                n += f.allowance_groups_received.as_ref().map_or(0, |g| g.len() as i64);
            }
            n
        })
    });
    g.bench_function("evaluate_old_age", |b| {
        b.iter(|| black_box(&people).iter().filter(|f| evaluate(f, old_age, as_of).verdict == Verdict::Eligible).count())
    });
    g.bench_function("evaluate_widow", |b| {
        b.iter(|| black_box(&people).iter().filter(|f| evaluate(f, widow, as_of).verdict == Verdict::Eligible).count())
    });
    g.finish();
}

use chrono::Datelike;

criterion_group!(benches, bench);
criterion_main!(benches);
