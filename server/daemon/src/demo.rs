//! `tessera demo`: a deterministic demo data set. The same seed gives the same centres,
//! candidates, results and shares on every machine, so demos and screenshots can be repeated.

use anyhow::Context;
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::Connection;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tessera_domain::results::grade_for;
use tessera_domain::tenant::{CentreContact, TenantSpec};
use tessera_domain::{CandidateId, EntryId, ExamSessionId, ResultId, Role, ShareId};
use tessera_storage::repo::candidate as repo_candidate;
use tessera_storage::repo::centre::{self, Candidate, ComponentScore, Entry, ExamSession, ResultRow, Share};
use tessera_storage::repo::tenants::{self, NewTenant, Tenant};
use tessera_storage::repo::users::{self, NewUser};
use tessera_storage::{Db, StorageError};

/// The password of every demo user (R-PASSWORD: letters and two digits or more).
pub const DEMO_PASSWORD: &str = "tessera2026";

/// A demo sign-in, as printed for the person who asked for the demo.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// The organisation code.
    pub tenant: String,
    /// The login.
    pub login: String,
    /// The role.
    pub role: Role,
}

/// What `tessera demo` did.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// False when the demo data was there already (nothing was written).
    pub created: bool,
    /// Candidates created.
    pub candidates: usize,
    /// Results created.
    pub results: usize,
    /// Shares created.
    pub shares: usize,
    /// The demo sign-ins.
    pub logins: Vec<DemoLogin>,
    /// Candidates without an account yet, with the credentials of their Confirmation of Entry.
    pub activations: Vec<DemoActivation>,
}

/// Credentials a demo candidate activates an account with at `/t/{tenant}/signup`.
#[derive(Debug, Clone)]
pub struct DemoActivation {
    /// The centre's code.
    pub tenant: String,
    /// The ID number.
    pub id_number: String,
    /// The secret number (only its hash is stored).
    pub secret_number: String,
}

/// The secret numbers of the demo candidates PL078000002, PL078000003 and PL078000004.
pub const DEMO_SECRETS: [&str; 3] = ["482913", "730551", "196734"];

const PL_FIRST: &[&str] = &[
    "Łukasz",
    "Paweł",
    "Michał",
    "Krzysztof",
    "Tomasz",
    "Piotr",
    "Jakub",
    "Mateusz",
    "Kacper",
    "Bartłomiej",
    "Wojciech",
    "Grzegorz",
    "Zbigniew",
    "Agnieszka",
    "Małgorzata",
    "Katarzyna",
    "Zofia",
    "Anna",
    "Joanna",
    "Magdalena",
    "Małgosia",
    "Alicja",
    "Weronika",
    "Aleksandra",
    "Żaneta",
    "Jadwiga",
];
const PL_FAMILY: &[&str] = &[
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Nowakowski",
    "Pawłowski",
    "Michalski",
    "Król",
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Majewski",
    "Olszewski",
    "Stępień",
    "Jaworski",
    "Malinowski",
    "Górski",
    "Sikora",
    "Żak",
    "Łukaszewicz",
];
const HU_FIRST: &[&str] = &[
    "Győző",
    "László",
    "István",
    "József",
    "Zoltán",
    "Gábor",
    "Ferenc",
    "Attila",
    "Péter",
    "Tamás",
    "Ödön",
    "Bálint",
    "Máté",
    "Zsófia",
    "Eszter",
    "Katalin",
    "Erzsébet",
    "Ildikó",
    "Réka",
    "Tünde",
    "Anikó",
    "Boglárka",
    "Dóra",
    "Júlia",
    "Lőrinc",
    "Orsolya",
];
const HU_FAMILY: &[&str] = &[
    "Nagy",
    "Kovács",
    "Tóth",
    "Szabó",
    "Horváth",
    "Varga",
    "Kiss",
    "Molnár",
    "Németh",
    "Farkas",
    "Balogh",
    "Papp",
    "Takács",
    "Juhász",
    "Lakatos",
    "Mészáros",
    "Oláh",
    "Simon",
    "Rácz",
    "Fekete",
    "Szilágyi",
    "Török",
    "Fehér",
    "Balázs",
    "Gál",
    "Kis",
    "Szűcs",
    "Kocsis",
    "Orsós",
    "Pintér",
    "Fodor",
    "Szalai",
    "Sipos",
    "Magyar",
    "Lukács",
    "Gulyás",
    "Bíró",
    "Király",
    "Balog",
    "Katona",
    "Győri",
];

struct CentreSpec {
    spec: TenantSpec,
    /// The address and help line its documents print.
    contact: CentreContact,
    code: &'static str,
    currency: &'static str,
    first: &'static [&'static str],
    family: &'static [&'static str],
    nationality: &'static str,
    candidates: usize,
    sessions: &'static [(&'static str, &'static str, &'static str, &'static str, i64)],
}

fn naive(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid demo date").naive_utc()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid demo date")
}

/// Loads the demo data set unless it is there already. All of it is written in one transaction.
pub fn load(db: &Db, secrets: &tessera_app::secrets::SecretNumbers) -> anyhow::Result<DemoSummary> {
    let centres = [
        CentreSpec {
            spec: TenantSpec::parse(
                "centre",
                "PL078 International House Integra Katowice",
                Some("pl078"),
                "PL",
                "Europe/Warsaw",
                "pl",
            )?,
            contact: CentreContact::parse(
                "ul. Jagiellońska 5\n40-032 Katowice\nPolska",
                "+48 32 258 00 00",
                "egzaminy@pl078.example",
            )?,
            code: "PL078",
            currency: "PLN",
            first: PL_FIRST,
            family: PL_FAMILY,
            nationality: "PL",
            candidates: 240,
            sessions: &[
                ("FCE", "2026-03-14", "AM", "PB", 81_000),
                ("CAE", "2026-03-21", "AM", "PB", 86_000),
                ("PET", "2026-04-18", "PM", "CB", 56_000),
                ("CPE", "2026-06-13", "AM", "PB", 92_000),
            ],
        },
        CentreSpec {
            spec: TenantSpec::parse(
                "centre",
                "HU012 Budapest Language Centre",
                Some("hu012"),
                "HU",
                "Europe/Budapest",
                "hu",
            )?,
            contact: CentreContact::parse("Bartók Béla út 12.\n1114 Budapest\nMagyarország", "+36 1 234 5678", "")?,
            code: "HU012",
            currency: "HUF",
            first: HU_FIRST,
            family: HU_FAMILY,
            nationality: "HU",
            candidates: 160,
            sessions: &[
                ("FCE", "2026-03-14", "AM", "PB", 7_400_000),
                ("CAE", "2026-05-09", "AM", "CB", 7_900_000),
                ("KET", "2026-05-16", "PM", "PB", 4_200_000),
            ],
        },
    ];
    let verifier =
        TenantSpec::parse("verifier", "Università degli Studi di Milano", Some("unimi"), "IT", "Europe/Rome", "it")?;

    let mut conn = db.conn()?;
    match tenants::by_slug(&mut conn, "pl078") {
        Ok(_) => {
            return Ok(DemoSummary {
                created: false,
                candidates: 0,
                results: 0,
                shares: 0,
                logins: demo_logins(),
                activations: demo_activations(),
            });
        }
        Err(StorageError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let hash = |_: &str| tessera_app::auth::hash_blocking(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"));
    let mut hashes = Vec::new();
    for _ in 0..8 {
        hashes.push(hash(DEMO_PASSWORD)?);
    }
    let candidate_password = hash(DEMO_PASSWORD)?;
    let created_at = naive(2026, 1, 5, 9);
    let now = created_at.and_utc();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let exams = centre::exams(&mut conn)?;

    let summary = conn.transaction::<_, anyhow::Error, _>(|c| {
        let installation = tenants::installation(c, now)?;
        let mut hashes = hashes.into_iter();
        let mut user = |c: &mut _, t: &Tenant, login: &str, name: &str, role: Role| -> anyhow::Result<users::User> {
            let email = login.contains('@').then(|| login.to_owned());
            let new =
                NewUser { login: login.into(), email, display_name: name.into(), role, password_hash: hashes.next() };
            Ok(users::create(c, t.id, &new, now)?)
        };
        user(c, &installation, "admin@tessera.local", "Installation Admin", Role::InstallationAdmin)?;
        let uni = tenants::create(c, &new_tenant(&verifier), now)?;
        user(c, &uni, "primary@unimi.example", "Giulia Bianchi", Role::VerifierPrimary)?;
        user(c, &uni, "admin@unimi.example", "Marco Rossi", Role::VerifierAdmin)?;

        let (mut n_cand, mut n_res, mut n_share) = (0, 0, 0);
        for (ci, spec) in centres.iter().enumerate() {
            let t = tenants::create(c, &new_tenant(&spec.spec), now)?;
            tenants::set_contact(c, t.id, &spec.contact)?;
            let slug = &spec.spec.slug;
            user(
                c,
                &t,
                &format!("manager@{slug}.example"),
                if ci == 0 { "Ewa Zielińska" } else { "Katalin Szőke" },
                Role::CentreManager,
            )?;
            user(
                c,
                &t,
                &format!("staff@{slug}.example"),
                if ci == 0 { "Jan Wąsik" } else { "Gergő Vörös" },
                Role::CentreStaff,
            )?;
            let tid = t.id.to_string();

            let mut sessions = Vec::new();
            for (exam_code, written, tod, delivery, fee) in spec.sessions {
                let written = date(written);
                let weeks = if *delivery == "PB" { 5 } else { 2 };
                let release = (written + Duration::weeks(weeks)).and_hms_opt(8, 0, 0).expect("valid time");
                let s = ExamSession {
                    tenant_id: tid.clone(),
                    id: ExamSessionId::new().to_string(),
                    exam_code: (*exam_code).into(),
                    written_date: written,
                    time_of_day: (*tod).into(),
                    delivery: (*delivery).into(),
                    fee_minor: *fee,
                    late_fee_minor: fee / 5,
                    currency: spec.currency.into(),
                    registration_opens: written - Duration::days(90),
                    registration_closes: written - Duration::days(35),
                    late_entry_deadline: written - Duration::days(21),
                    capacity: 120,
                    minimum_candidates: 6,
                    release_at: release,
                    status: "open".into(),
                    created_at,
                };
                centre::insert_session(c, &s)?;
                sessions.push(s);
            }

            let mut cands = Vec::new();
            for i in 0..spec.candidates {
                let first = *spec.first.choose(&mut rng).expect("names");
                let family = *spec.family.choose(&mut rng).expect("names");
                let dob = date("1990-01-01") + Duration::days(rng.gen_range(0..6500));
                let ascii: String =
                    tessera_domain::tenant::slug_from_name(&format!("{first}.{family}")).replace('-', ".");
                cands.push(Candidate {
                    tenant_id: tid.clone(),
                    id: CandidateId::new().to_string(),
                    first_name: first.into(),
                    family_name: family.into(),
                    date_of_birth: dob,
                    email: Some(format!("{ascii}{i}@mail.example")),
                    phone: Some(format!("+48 600 {:03} {:03}", i / 1000, i % 1000)),
                    nationality: Some(spec.nationality.into()),
                    id_number: format!("{}{:06}", spec.code, i + 1),
                    secret_hash: None,
                    user_id: None,
                    created_at,
                });
            }
            if ci == 0 {
                let tenant: tessera_domain::TenantId = tid.parse().map_err(|_| anyhow::anyhow!("a tenant id"))?;
                for (cand, secret) in cands.iter_mut().skip(1).zip(DEMO_SECRETS) {
                    cand.secret_hash = Some(secrets.hash(tenant, &cand.id, secret));
                }
            }
            centre::insert_candidates(c, &cands)?;
            n_cand += cands.len();

            let (mut entries, mut results, mut comps, mut shares) = (vec![], vec![], vec![], vec![]);
            let mut numbers = vec![0u32; sessions.len()];
            for cand in &cands {
                let si = rng.gen_range(0..sessions.len());
                let s = &sessions[si];
                numbers[si] += 1;
                let entry = Entry {
                    tenant_id: tid.clone(),
                    id: EntryId::new().to_string(),
                    session_id: s.id.clone(),
                    candidate_id: cand.id.clone(),
                    candidate_number: format!("{:04}", numbers[si]),
                    status: "confirmed".into(),
                    fee_minor: s.fee_minor,
                    currency: s.currency.clone(),
                    created_at,
                };
                let exam = exams.iter().find(|e| e.code == s.exam_code).context("demo exam in catalogue")?;
                let roll: u32 = rng.gen_range(0..100);
                let status = match roll {
                    0..=3 => "X",
                    4..=6 => "Z",
                    7..=8 => "Pending",
                    9 => "Withheld",
                    _ => "graded",
                };
                let score = rng.gen_range(0..=60)
                    + match exam.exam_type.as_str() {
                        "KET" => 100,
                        "PET" => 120,
                        "FCE" => 140,
                        "CAE" => 160,
                        _ => 180,
                    };
                let graded = status == "graded";
                let gc = graded.then(|| grade_for(&exam.exam_type, score)).flatten();
                let result = ResultRow {
                    tenant_id: tid.clone(),
                    id: ResultId::new().to_string(),
                    entry_id: entry.id.clone(),
                    version: 1,
                    is_current: true,
                    status: status.into(),
                    overall_score: graded.then_some(score),
                    grade: gc.map(|g| g.0.to_owned()),
                    cefr: gc.map(|g| g.1.to_owned()),
                    sor_number: format!("{}{:08}", &spec.code[..2], rng.gen_range(10_000_000..99_999_999u32)),
                    created_at: s.release_at - Duration::days(1),
                };
                if graded {
                    for comp in exam.components.split(',') {
                        comps.push(ComponentScore {
                            tenant_id: tid.clone(),
                            result_id: result.id.clone(),
                            component: comp.into(),
                            score: (score + rng.gen_range(-12..=12)).clamp(80, 230),
                        });
                    }
                    if rng.gen_bool(0.3) {
                        shares.push(Share {
                            tenant_id: tid.clone(),
                            id: ShareId::new().to_string(),
                            entry_id: entry.id.clone(),
                            verifier_tenant_id: uni.id.to_string(),
                            shared_at: s.release_at + Duration::days(rng.gen_range(1..40)),
                            withdrawn_at: None,
                        });
                    }
                }
                entries.push(entry);
                results.push(result);
            }
            centre::insert_entries(c, &entries)?;
            centre::insert_results(c, &results, &comps)?;
            centre::insert_shares(c, &shares)?;
            n_res += results.len();
            n_share += shares.len();

            // The first candidate of the first centre activated a Candidate Results Service
            // account after every demo release, so it has no release email pending.
            if ci == 0 {
                let last_release = sessions.iter().map(|s| s.release_at).max().context("demo sessions")?;
                let activation = repo_candidate::Activation {
                    candidate_id: cands[0].id.clone(),
                    email: cands[0].email.clone().context("demo candidate email")?,
                    password_hash: candidate_password.clone(),
                    marketing_opt_in: false,
                    address: "127.0.0.1".into(),
                };
                repo_candidate::activate(c, t.id, &activation, (last_release + Duration::days(1)).and_utc())?;
            }
        }
        Ok(DemoSummary {
            created: true,
            candidates: n_cand,
            results: n_res,
            shares: n_share,
            logins: demo_logins(),
            activations: demo_activations(),
        })
    })?;
    Ok(summary)
}

fn new_tenant(spec: &TenantSpec) -> NewTenant {
    NewTenant {
        slug: spec.slug.clone(),
        kind: spec.kind,
        name: spec.name.clone(),
        country: spec.country,
        timezone: spec.timezone,
        locale: spec.locale,
        status: "active",
    }
}

fn demo_activations() -> Vec<DemoActivation> {
    DEMO_SECRETS
        .iter()
        .enumerate()
        .map(|(i, secret)| DemoActivation {
            tenant: "pl078".into(),
            id_number: format!("PL078{:06}", i + 2),
            secret_number: (*secret).into(),
        })
        .collect()
}

fn demo_logins() -> Vec<DemoLogin> {
    let l = |tenant: &str, login: &str, role| DemoLogin { tenant: tenant.into(), login: login.into(), role };
    vec![
        l("installation", "admin@tessera.local", Role::InstallationAdmin),
        l("pl078", "manager@pl078.example", Role::CentreManager),
        l("pl078", "staff@pl078.example", Role::CentreStaff),
        l("hu012", "manager@hu012.example", Role::CentreManager),
        l("hu012", "staff@hu012.example", Role::CentreStaff),
        l("unimi", "primary@unimi.example", Role::VerifierPrimary),
        l("unimi", "admin@unimi.example", Role::VerifierAdmin),
        l("pl078", "PL078000001", Role::Candidate),
    ]
}
