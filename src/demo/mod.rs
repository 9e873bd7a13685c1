//! `tcs-portal demo`: the whole portal on one machine, with demo institutions,
//! orders in every state ([`orders`]) and ready logins printed on the console.
pub mod orders;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clock::{Clock, SystemClock};
use digicert::{CertCentral, ClientConfig, HttpCertCentral, OrganizationListQuery};
use digicert_sim::{AccountSeed, OrganizationSeed, RunningSandbox, SandboxOptions, ValidationSeed};
use secrecy::SecretString;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{recovery, totp};
use crate::config::{DigicertSettings, MailTransportKind, Settings};
use crate::crypto::MasterKey;
use crate::db::accounts::NewAccount;
use crate::db::seed::DemoInstitution;
use crate::domain::{AccountId, InstitutionId, StaffRole};
use crate::state::AppState;

/// Options of `tcs-portal demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where demo state is kept (the generated master key, the mail folder).
    #[arg(long, default_value = ".demo", value_name = "DIR")]
    pub state_dir: PathBuf,
}

/// Printed on the console; a demo database must never hold real data.
const DEMO_PASSWORD: &str = "demo-password-2026";

pub async fn run(mut settings: Settings, args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.state_dir)
        .with_context(|| format!("cannot create {}", args.state_dir.display()))?;
    if settings.master_key.is_none() {
        settings.master_key = Some(demo_master_key(&args.state_dir)?);
    }
    if std::env::var_os("TCS_MAIL_TRANSPORT").is_none() {
        settings.mail.transport = MailTransportKind::File;
        settings.mail.dir = args.state_dir.join("mail");
    }
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set TCS_BIND to use another port)",
                settings.bind
            )
        })?;
    let pool = crate::db::connect_and_migrate(&settings).await?;
    let sandbox_dir = args.state_dir.join("sandbox");
    let prepared = prepare(&pool, &mut settings, Some(&sandbox_dir), SystemClock.now()).await?;
    let banner = banner(&settings, &prepared);
    crate::app::run(
        settings,
        listener,
        CancellationToken::new(),
        #[expect(
            clippy::print_stdout,
            reason = "the banner with the logins is for the person who started the demo"
        )]
        move |_: &AppState| {
            println!("{banner}");
        },
    )
    .await?;
    drop(prepared);
    Ok(())
}

/// What `demo` set up before serving; the sandbox runs as long as this lives.
pub struct Prepared {
    pub sandbox: RunningSandbox,
    logins: Vec<DemoLogin>,
    /// The link a person opens to get their certificate (mailed, too).
    pub person_link: String,
    /// An API token of ETF, acting for its admin, with every order and domain scope.
    pub api_token: SecretString,
    /// ETF's id, for the API's paths.
    pub api_institution: crate::domain::InstitutionId,
}

/// Everything `demo` does before serving: starts the sandbox (and points
/// `settings` at it unless a DigiCert is configured), seeds the institutions,
/// logins and orders. With `sandbox_dir` the sandbox keeps its CA, API key and
/// orders there, so the orders of an earlier run stay known to it (and can be
/// revoked); without, it lives in memory. Public so a test can check what the
/// demo seeds.
pub async fn prepare(
    pool: &PgPool,
    settings: &mut Settings,
    sandbox_dir: Option<&Path>,
    now: OffsetDateTime,
) -> anyhow::Result<Prepared> {
    let key = MasterKey::from_base64(settings.master_key.as_ref().context("master key")?)?;
    let mut demo_institutions = institutions(now);
    let sandbox = start_sandbox(&mut demo_institutions, sandbox_dir).await?;
    // Unless told otherwise, the demo portal talks to its own sandbox.
    if settings.digicert.is_none() {
        settings.digicert = Some(DigicertSettings {
            base_url: sandbox.base_url(),
            api_key: SecretString::from(sandbox.api_key().to_owned()),
            sync_every: crate::config::DEFAULT_SYNC_EVERY,
        });
    }
    let seeded = seed(pool, &key, &demo_institutions, now).await?;
    let state = crate::app::build_state(pool.clone(), settings.clone(), Arc::new(SystemClock))?;
    let person_link = seed_orders(&state, &seeded, now).await?;
    let (api_institution, api_token) = demo_api_token(pool, now).await?;
    Ok(Prepared {
        sandbox,
        logins: seeded.logins,
        person_link,
        api_token,
        api_institution,
    })
}

/// A fresh API token for ETF's admin (every start makes one; earlier ones expire as usual).
async fn demo_api_token(
    pool: &PgPool,
    now: OffsetDateTime,
) -> anyhow::Result<(crate::domain::InstitutionId, SecretString)> {
    use crate::auth::api_token::{self, TokenRequest, TokenScope};
    let institution_id = crate::db::api_tokens::institution_by_slug(pool, "etf-bg")
        .await?
        .context("the demo's ETF")?;
    let created_by = crate::db::api_tokens::first_admin(pool, institution_id)
        .await?
        .context("the demo's ETF admin")?;
    let request = TokenRequest {
        institution_id,
        name: "demo".to_owned(),
        scopes: vec![
            TokenScope::OrdersRead,
            TokenScope::OrdersWrite,
            TokenScope::OrdersRevoke,
            TokenScope::DomainsRead,
        ],
        expires_in_days: api_token::DEFAULT_DAYS,
        allowed_networks: Vec::new(),
        created_by,
    };
    let issued = api_token::issue(
        pool,
        &crate::audit::RequestMeta::default(),
        &request,
        crate::audit::AuditEvent::new("api_token.created").actor_label("demo"),
        now,
    )
    .await?
    .map_err(|refused| anyhow::anyhow!("{refused}"))?;
    Ok((institution_id, issued.token))
}

/// Starts the DigiCert sandbox in this process with one account holding the demo
/// institutions' organizations and domains (kept in `dir` across runs, when
/// given), then records the organization ids the sandbox gave them, read back
/// through the real CertCentral client.
async fn start_sandbox(
    demo: &mut [(DemoInstitution<'static>, Vec<DemoDomain>)],
    dir: Option<&Path>,
) -> anyhow::Result<RunningSandbox> {
    let api_key = match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            read_or_create(&dir.join("api.key"), || {
                hex::encode(rand::random::<[u8; 24]>())
            })?
        }
        None => hex::encode(rand::random::<[u8; 24]>()),
    };
    let mut account = AccountSeed::new(api_key.clone());
    for (institution, domains) in demo
        .iter()
        .filter(|(institution, _)| institution.digicert_org_id.is_some())
    {
        // As the validation sync would have sent it (it does so for a state directory
        // kept from before registration numbers were sent).
        let mut organization = OrganizationSeed::new(institution.name_en)
            .with_registration_number(institution.registration_number)
            .with_smime(validation_seed(
                institution.org_validation_status,
                institution.org_validated_until,
            ));
        for (name, status, until) in domains.iter().filter(|(_, status, _)| *status != "none") {
            organization = organization.with_domain(*name, validation_seed(status, *until));
        }
        account = account.with_organization(organization);
    }
    let sandbox = digicert_sim::start_in_process(SandboxOptions {
        state_dir: dir.map(Path::to_path_buf),
        ..SandboxOptions::default().with_account(account)
    })
    .await?;
    let client = HttpCertCentral::new(ClientConfig::new(
        sandbox.base_url(),
        SecretString::from(api_key),
    ))?;
    let organizations = client
        .list_organizations(&OrganizationListQuery::default())
        .await?;
    for (institution, _) in demo.iter_mut() {
        institution.digicert_org_id = organizations
            .organizations
            .iter()
            .find(|organization| organization.name == institution.name_en)
            .and_then(|organization| i64::try_from(organization.id.0).ok());
    }
    Ok(sandbox)
}

fn validation_seed(status: &str, until: Option<OffsetDateTime>) -> ValidationSeed {
    match status {
        "validated" => ValidationSeed::Validated {
            validated_until: until,
        },
        "expired" => ValidationSeed::Expired,
        "pending" => ValidationSeed::Pending,
        _ => ValidationSeed::None,
    }
}

/// The demo's master key lives in a file next to the demo state, so sealed data
/// survives restarts. Generated on first run, loudly: a real deployment must
/// manage this key properly.
fn demo_master_key(dir: &Path) -> anyhow::Result<SecretString> {
    let path = dir.join("master.key");
    let mut generated = false;
    let key = read_or_create(&path, || {
        generated = true;
        secrecy::ExposeSecret::expose_secret(&MasterKey::generate_base64()).to_owned()
    })?;
    if generated {
        eprintln!(
            "WARNING: generated a demo master key in {}. It is fine for a demo only; \
             production needs TCS_MASTER_KEY from a secret store.",
            path.display()
        );
    }
    Ok(SecretString::from(key))
}

/// The secret in the file at `path`, or a new one from `create` written there
/// (readable by the owner only).
fn read_or_create(path: &Path, create: impl FnOnce() -> String) -> anyhow::Result<String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().to_owned());
    }
    let created = create();
    write_private(path, &created)?;
    Ok(created)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// One printed login: who, what they are, their TOTP seed and a recovery code.
struct DemoLogin {
    email: &'static str,
    what: String,
    totp_secret: String,
    recovery_code: String,
}

struct DemoPerson {
    email: &'static str,
    name: &'static str,
    staff_role: Option<StaffRole>,
    /// (institution slug, role)
    member_of: Option<(&'static str, &'static str)>,
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        email: "staff@amres.ac.rs",
        name: "Milica Marković (AMRES)",
        staff_role: Some(StaffRole::Staff),
        member_of: None,
    },
    DemoPerson {
        email: "revizor@amres.ac.rs",
        name: "Nenad Nikolić (AMRES)",
        staff_role: Some(StaffRole::StaffAuditor),
        member_of: None,
    },
    DemoPerson {
        email: "ana.admin@etf.bg.ac.rs",
        name: "Ana Anić",
        staff_role: None,
        member_of: Some(("etf-bg", "admin")),
    },
    DemoPerson {
        email: "revizor@etf.bg.ac.rs",
        name: "Đorđe Đurić",
        staff_role: None,
        member_of: Some(("etf-bg", "auditor")),
    },
    DemoPerson {
        email: "boris.admin@pmf.uns.ac.rs",
        name: "Boris Bošković",
        staff_role: None,
        member_of: Some(("pmf-ns", "admin")),
    },
    DemoPerson {
        email: "cica.admin@vtsnis.edu.rs",
        name: "Cica Ćirić",
        staff_role: None,
        member_of: Some(("vts-ni", "admin")),
    },
];

/// A demo domain: name, validation state, and when that validation ends.
type DemoDomain = (&'static str, &'static str, Option<OffsetDateTime>);

/// Three institutions: one fully validated, one with a mix of domain states,
/// one suspended.
fn institutions(now: OffsetDateTime) -> Vec<(DemoInstitution<'static>, Vec<DemoDomain>)> {
    vec![
        (
            DemoInstitution {
                slug: "etf-bg",
                name_sr: "Elektrotehnički fakultet Univerziteta u Beogradu",
                name_en: "University of Belgrade, School of Electrical Engineering",
                short_name: "ETF",
                registration_number: "07032501",
                tcs_status: "registered",
                digicert_org_id: Some(0),
                org_validation_status: "validated",
                org_validated_until: Some(now + Duration::days(600)),
            },
            vec![
                ("etf.bg.ac.rs", "validated", Some(now + Duration::days(300))),
                ("rti.etf.bg.ac.rs", "pending", None),
            ],
        ),
        (
            DemoInstitution {
                slug: "pmf-ns",
                name_sr: "Prirodno-matematički fakultet, Novi Sad",
                name_en: "University of Novi Sad, Faculty of Sciences",
                short_name: "PMF NS",
                registration_number: "08067104",
                tcs_status: "registered",
                digicert_org_id: Some(0),
                org_validation_status: "validated",
                org_validated_until: Some(now + Duration::days(40)),
            },
            vec![
                ("pmf.uns.ac.rs", "validated", Some(now + Duration::days(25))),
                ("dmi.uns.ac.rs", "expired", Some(now - Duration::days(10))),
                ("df.uns.ac.rs", "none", None),
            ],
        ),
        (
            DemoInstitution {
                slug: "vts-ni",
                name_sr: "Akademija tehničkih strukovnih studija, Niš",
                name_en: "Academy of Technical Vocational Studies, Niš",
                short_name: "VTŠ Niš",
                registration_number: "07176040",
                tcs_status: "suspended",
                digicert_org_id: None,
                org_validation_status: "unknown",
                org_validated_until: None,
            },
            vec![("vtsnis.edu.rs", "pending", None)],
        ),
    ]
}

/// What [`seed`] made: the printed logins, and the ids behind the slugs and e-mails.
struct Seeded {
    logins: Vec<DemoLogin>,
    institutions: HashMap<&'static str, InstitutionId>,
    accounts: HashMap<&'static str, AccountId>,
}

async fn seed(
    pool: &PgPool,
    key: &MasterKey,
    demo: &[(DemoInstitution<'static>, Vec<DemoDomain>)],
    now: OffsetDateTime,
) -> anyhow::Result<Seeded> {
    let hash = crate::auth::PasswordHasher::new(1)
        .hash(DEMO_PASSWORD)
        .await?;
    let mut tx = pool.begin().await?;
    let mut slugs = HashMap::new();
    for (institution, domains) in demo {
        let id = crate::db::seed::institution(&mut tx, institution, now).await?;
        for (name, status, until) in domains {
            crate::db::seed::domain(&mut tx, id, name, status, *until).await?;
        }
        slugs.insert(institution.slug, id);
    }
    if let Some(etf) = slugs.get(orders::INSTITUTION) {
        crate::db::seed::self_service_policy(&mut tx, *etf, now).await?;
    }
    let mut logins = Vec::new();
    let mut accounts = HashMap::new();
    for person in PEOPLE {
        let (id, login) = seed_account(&mut tx, pool, key, person, &hash, now).await?;
        accounts.insert(person.email, id);
        if let Some((slug, role)) = person.member_of
            && let Some(institution) = slugs.get(slug)
        {
            crate::db::seed::membership(&mut tx, *institution, id, role).await?;
        }
        logins.push(login);
    }
    AuditEvent::new("demo.seeded")
        .actor_label("tcs-portal demo")
        .record(&mut tx, &RequestMeta::default())
        .await?;
    tx.commit().await?;
    Ok(Seeded {
        logins,
        institutions: slugs,
        accounts,
    })
}

/// ETF's orders in every state, placed in the name of its admin; returns the
/// link of the one awaiting its person.
async fn seed_orders(
    state: &AppState,
    seeded: &Seeded,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let institution = *seeded
        .institutions
        .get(orders::INSTITUTION)
        .context("the demo institution of the orders")?;
    let admin = *seeded
        .accounts
        .get(orders::ADMIN)
        .context("the demo admin of the orders")?;
    orders::seed_stills(state, institution, admin, now).await?;
    // Half a year of orders in two institutions, for the dashboards' charts.
    for (slug, domain, count) in HISTORY {
        let id = *seeded
            .institutions
            .get(slug)
            .context("a demo institution with history")?;
        crate::db::seed::order_history(&state.db, id, domain, count, HISTORY_DAYS, now).await?;
    }
    orders::seed_awaiting_person(state, institution, admin, now).await
}

/// The institutions whose past the demo fills: slug, validated domain, orders.
const HISTORY: [(&str, &str, i32); 2] = [
    (orders::INSTITUTION, orders::DOMAIN, 400),
    ("pmf-ns", "pmf.uns.ac.rs", 150),
];
/// Over how many days before now.
const HISTORY_DAYS: i32 = 180;

/// Creates (or resets) a demo account with the demo password, a fresh TOTP
/// seed and fresh recovery codes.
async fn seed_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    pool: &PgPool,
    key: &MasterKey,
    person: &DemoPerson,
    hash: &str,
    now: OffsetDateTime,
) -> anyhow::Result<(AccountId, DemoLogin)> {
    let id = match crate::db::accounts::find_by_email(pool, person.email).await? {
        Some(existing) => {
            crate::db::accounts::change_password(tx, existing.id, hash, now).await?;
            existing.id
        }
        None => crate::db::accounts::insert(
            tx,
            NewAccount {
                email: person.email,
                display_name: person.name,
                password_hash: hash,
                staff_role: person.staff_role,
            },
        )
        .await?
        .context("a demo account appeared concurrently; run demo again")?,
    };
    let secret = totp::generate_secret();
    let sealed = key.seal(&secret, format!("accounts/{id}/totp").as_bytes());
    crate::db::accounts::replace_totp(tx, id, &sealed, now).await?;
    let codes = recovery::generate();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .filter_map(|code| recovery::normalize(code))
        .map(|code| key.keyed_hash(code.as_bytes()))
        .collect();
    crate::db::recovery_codes::replace_all(tx, id, &hashes).await?;
    let what = match (person.staff_role, person.member_of) {
        (Some(role), _) => role.as_str().to_owned(),
        (None, Some((slug, role))) => format!("{role} of {slug}"),
        (None, None) => "account".to_owned(),
    };
    Ok((
        id,
        DemoLogin {
            email: person.email,
            what,
            totp_secret: totp::secret_for_display(&secret),
            recovery_code: codes.first().cloned().unwrap_or_default(),
        },
    ))
}

/// The sample CSV of bulk orders in the checkout, addresses in ETF's validated domain.
const BULK_SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bulk-orders-etf.csv");

/// What `demo` prints once it serves. Public so a test can follow what it tells.
pub fn banner(settings: &Settings, prepared: &Prepared) -> String {
    let sandbox = &prepared.sandbox;
    let rows: Vec<String> = prepared
        .logins
        .iter()
        .map(|login| {
            format!(
                "  {:<28} {:<18} TOTP seed {}  recovery code {}",
                login.email, login.what, login.totp_secret, login.recovery_code
            )
        })
        .collect();
    format!(
        "\n================ tcs-portal demo ================\n\
         Portal:   {url}/login\n\
         Password: {DEMO_PASSWORD}   (the same for every demo account)\n\
         Second factor: add the account's TOTP seed to any authenticator app,\n\
         or type its single-use recovery code at the code prompt.\n\
         {rows}\n\
         vts-ni is suspended: its admin can log in but is blocked.\n\
         {orders_admin} sees an order of {orders_institution} in every state.\n\
         A person's link (as mailed to them; single use): {person_link}\n\
         API token of ETF (its admin's; see README \"API\"): {api_token}\n\
           orders: {url}/api/v1/institutions/{api_institution}/orders\n\
           bulk orders: {url}/api/v1/institutions/{api_institution}/bulk-orders\n\
         A CSV for bulk orders at {orders_institution} (Orders → Bulk orders): {bulk_csv}\n\
           previewed through the API with the token above:\n\
           curl -X POST '{url}/api/v1/institutions/{api_institution}/bulk-orders?preview=true' \\\n\
             -H 'Authorization: Bearer <token>' -H 'Content-Type: text/csv' --data-binary @{bulk_csv}\n\
         DigiCert sandbox (in this process): {sandbox_api}\n\
           API key {sandbox_key}\n\
           state page {sandbox_page}/state?key={control_key}\n\
         Mail is written to {mail}\n\
         Stop with Ctrl-C.\n\
         =================================================\n",
        url = settings.public_url,
        rows = rows.join("\n"),
        orders_admin = orders::ADMIN,
        person_link = prepared.person_link,
        api_token = secrecy::ExposeSecret::expose_secret(&prepared.api_token),
        api_institution = prepared.api_institution,
        bulk_csv = BULK_SAMPLE,
        orders_institution = orders::INSTITUTION,
        mail = settings.mail.dir.display(),
        sandbox_api = sandbox.base_url(),
        sandbox_key = sandbox.api_key(),
        sandbox_page = sandbox.control_url(),
        control_key = sandbox.control_key(),
    )
}
