//! `tcs-portal demo`: the whole portal on one machine, with a ready staff login.
use std::path::Path;

use anyhow::Context;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{recovery, totp};
use crate::cli::DemoArgs;
use crate::config::{MailTransportKind, Settings};
use crate::crypto::MasterKey;
use crate::db::accounts::NewAccount;
use crate::domain::StaffRole;

const STAFF_EMAIL: &str = "staff@amres.ac.rs";
const STAFF_NAME: &str = "Demo Staff (AMRES)";
/// Printed on the console; a demo database must never hold real data.
const STAFF_PASSWORD: &str = "demo-staff-password";

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
    let key = MasterKey::from_base64(settings.master_key.as_ref().context("master key")?)?;
    let login = seed_staff(&pool, &key).await?;
    let banner = banner(&settings, &login);
    crate::app::run(
        settings,
        listener,
        CancellationToken::new(),
        move |_: &AppState| {
            println!("{banner}");
        },
    )
    .await
}

/// The demo's master key lives in a file next to the demo state, so sealed data
/// survives restarts. Generated on first run, loudly: a real deployment must
/// manage this key properly.
fn demo_master_key(dir: &Path) -> anyhow::Result<SecretString> {
    let path = dir.join("master.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(existing.trim().to_owned()));
    }
    let key = MasterKey::generate_base64();
    write_private(&path, secrecy::ExposeSecret::expose_secret(&key))?;
    eprintln!(
        "WARNING: generated a demo master key in {}. It is fine for a demo only; \
         production needs TCS_MASTER_KEY from a secret store.",
        path.display()
    );
    Ok(key)
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

struct DemoLogin {
    totp_secret: String,
    recovery_codes: Vec<String>,
}

/// Creates (or resets) the demo staff account with a known password, a fresh
/// TOTP seed and fresh recovery codes, all printed on the console.
async fn seed_staff(pool: &sqlx::PgPool, key: &MasterKey) -> anyhow::Result<DemoLogin> {
    let hasher = crate::auth::PasswordHasher::new(1);
    let hash = hasher.hash(STAFF_PASSWORD).await?;
    let now = time::OffsetDateTime::now_utc();
    let mut tx = pool.begin().await?;
    let id = match crate::db::accounts::find_by_email(pool, STAFF_EMAIL).await? {
        Some(existing) => {
            crate::db::accounts::change_password(&mut tx, existing.id, &hash, now).await?;
            existing.id
        }
        None => crate::db::accounts::insert(
            &mut tx,
            NewAccount {
                email: STAFF_EMAIL,
                display_name: STAFF_NAME,
                password_hash: &hash,
                staff_role: Some(StaffRole::Staff),
            },
        )
        .await?
        .context("the demo staff account appeared concurrently; run demo again")?,
    };
    let secret = totp::generate_secret();
    let sealed = key.seal(&secret, format!("accounts/{id}/totp").as_bytes());
    crate::db::accounts::replace_totp(&mut tx, id, &sealed, now).await?;
    let codes = recovery::generate();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .filter_map(|code| recovery::normalize(code))
        .map(|code| key.keyed_hash(code.as_bytes()))
        .collect();
    crate::db::recovery_codes::replace_all(&mut tx, id, &hashes).await?;
    AuditEvent::new("demo.staff_seeded")
        .actor(id)
        .record(&mut tx, &RequestMeta::default())
        .await?;
    tx.commit().await?;
    Ok(DemoLogin {
        totp_secret: totp::secret_for_display(&secret),
        recovery_codes: codes,
    })
}

fn banner(settings: &Settings, login: &DemoLogin) -> String {
    format!(
        "\n================ tcs-portal demo ================\n\
         Portal:    {url}/login\n\
         Staff:     {STAFF_EMAIL}\n\
         Password:  {STAFF_PASSWORD}\n\
         TOTP seed: {seed}   (add it to any authenticator app)\n\
         or use one of these single-use recovery codes at the code prompt:\n  {codes}\n\
         Mail is written to {mail}\n\
         Stop with Ctrl-C.\n\
         =================================================\n",
        url = settings.public_url,
        seed = login.totp_secret,
        codes = login.recovery_codes.join("\n  "),
        mail = settings.mail.dir.display(),
    )
}
