//! Figures of the credential paths (a bench binary, not a harness): p50 and p99 of issuing and
//! signing a Statement of Results credential (canonicalisation included) and of verifying it,
//! beside bare Ed25519 over 64 bytes as the floor, and a status check from a cached list.
//!
//! `cargo bench -p tessera-credentials` (goal: sign and verify under 2 ms p50, status < 50 µs).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use ed25519_dalek::{Signer, Verifier};
use tessera_credentials::{
    Achievement, Component, SigningKey, StatusEntry, StatusList, achievement_credential, canonicalize, sign,
    status_list_credential, status_list_of, verify,
};

const DID: &str = "did:web:results.example.org:t:pl078";
const LIST_URL: &str = "https://results.example.org/t/pl078/status/1";

fn achievement(index: u64) -> Achievement {
    Achievement {
        id: format!("https://results.example.org/verify/{index:08}"),
        issuer_did: DID.into(),
        issuer_name: "Centrum Egzaminacyjne Kraków".into(),
        valid_from: Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 0).unwrap(),
        candidate_name: "Zofia Wójcik".into(),
        date_of_birth: NaiveDate::from_ymd_opt(2008, 3, 21).unwrap(),
        exam_code: "B2F".into(),
        exam_name: "B2 First".into(),
        session_date: NaiveDate::from_ymd_opt(2026, 6, 6).unwrap(),
        sor_number: format!("PL078-2026-{index:06}"),
        overall_score: Some(176),
        grade: Some("B".into()),
        cefr: Some("B2".into()),
        components: ["Reading", "Use of English", "Writing", "Listening", "Speaking"]
            .into_iter()
            .zip([172, 180, 169, 181, 178])
            .map(|(name, score)| Component { name: name.into(), score })
            .collect(),
        version: 1,
        status: StatusEntry { list_url: LIST_URL.into(), index },
    }
}

struct Figures {
    p50: Duration,
    p99: Duration,
}

fn measure(runs: usize, mut f: impl FnMut(usize)) -> Figures {
    for i in 0..runs / 10 {
        f(i); // warm-up
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed()
        })
        .collect();
    times.sort();
    Figures { p50: times[runs / 2], p99: times[runs * 99 / 100] }
}

fn print(name: &str, f: &Figures, floor: Option<&Figures>) {
    let ratio = floor
        .map(|floor| format!("  ({:.0}x the bare Ed25519 floor)", f.p50.as_secs_f64() / floor.p50.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{name:<44} p50 {:>10.3} µs   p99 {:>10.3} µs{ratio}",
        f.p50.as_secs_f64() * 1e6,
        f.p99.as_secs_f64() * 1e6
    );
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(400);
    let key = SigningKey::from_bytes(&[5; 32]);
    let method = format!("{DID}#key-1");
    let created = Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 1).unwrap();

    // The floor: Ed25519 alone over 64 bytes (the size of hashData).
    let dalek = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let message = [7u8; 64];
    let signature = dalek.sign(&message);
    let bare_sign = measure(runs * 10, |_| {
        black_box(dalek.sign(black_box(&message)));
    });
    let bare_verify = measure(runs * 10, |_| {
        dalek.verifying_key().verify(black_box(&message), &signature).unwrap();
    });

    let issue_sign = measure(runs, |i| {
        let unsigned = achievement_credential(&achievement(i as u64));
        black_box(sign(unsigned, &key, &method, created).unwrap());
    });
    let signed = sign(achievement_credential(&achievement(1)), &key, &method, created).unwrap();
    let public = key.public();
    let verify_figures = measure(runs, |_| {
        black_box(verify(black_box(&signed), &|_| Some(public)).unwrap());
    });
    // Where the time goes: one canonicalisation of the credential (sign and verify do two each:
    // the document and the proof configuration, which loads the same two contexts).
    let unsigned = achievement_credential(&achievement(1));
    let canon = measure(runs, |_| {
        black_box(canonicalize(black_box(&unsigned)).unwrap());
    });

    let mut list = StatusList::new();
    for index in (0..tessera_credentials::STATUS_LIST_BITS).step_by(97) {
        list.set(index, true);
    }
    let status_credential = status_list_credential(LIST_URL, DID, created, &list);
    let cached = status_list_of(&status_credential).unwrap();
    let status = measure(runs * 10, |i| {
        black_box(cached.get(black_box((i as u64 * 7919) % tessera_credentials::STATUS_LIST_BITS)));
    });
    let decode = measure(runs, |_| {
        black_box(status_list_of(black_box(&status_credential)).unwrap());
    });

    println!("tessera-credentials ({runs} runs; status and bare Ed25519 {}):", runs * 10);
    print("bare Ed25519 sign (64 bytes)", &bare_sign, None);
    print("bare Ed25519 verify (64 bytes)", &bare_verify, None);
    print("issue + sign (credential, eddsa-rdfc-2022)", &issue_sign, Some(&bare_sign));
    print("verify (eddsa-rdfc-2022)", &verify_figures, Some(&bare_verify));
    print("  of which: one canonicalisation (RDFC-1.0)", &canon, None);
    print("status check from cache (get)", &status, None);
    print("status list decode (once per fetch)", &decode, None);
}
