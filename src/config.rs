//! Typed settings, layered: built-in defaults, then an optional TOML file, then the environment.
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tcs_portal";

#[derive(Debug, Clone)]
pub struct Settings {
    /// May carry a password, so it is a secret.
    pub database_url: SecretString,
    /// Connections the pool opens to PostgreSQL at most (`TCS_DATABASE_CONNECTIONS`).
    pub database_connections: u32,
    /// The public HTTP listener.
    pub bind: SocketAddr,
    /// The operators' listener for `/metrics`; never exposed on the public bind.
    pub admin_bind: Option<SocketAddr>,
    /// The URL people type; used in mails and for the CSRF trusted origin.
    pub public_url: String,
    /// Base64 of 32 random bytes; seals TOTP seeds and other secrets at rest.
    pub master_key: Option<SecretString>,
    pub log_format: LogFormat,
    pub mail: MailSettings,
    /// Where DigiCert CertCentral is and the API key; `None` turns DigiCert off.
    pub digicert: Option<DigicertSettings>,
    /// Domain suffixes under which institution admins may register domains.
    pub allowed_domain_suffixes: Vec<String>,
    /// How many password hashes may run at once (half the cores unless told);
    /// more wait, so a login flood cannot take the processor from page views.
    pub hashing_concurrency: usize,
    pub enrollment: EnrollmentSettings,
    pub clients: ClientSettings,
}

/// Who a request comes from, and how much of the portal one client may take.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TCS_TRUSTED_PROXIES`);
    /// everyone else's is ignored, so a client cannot choose its own address.
    pub trusted_proxies: Vec<IpNet>,
    /// Credential checks (login, second factor, invitation) allowed per client
    /// address per minute (`TCS_LOGIN_ATTEMPTS_PER_MINUTE`).
    pub login_attempts_per_minute: u32,
    /// Requests one client address may have in progress at once; more are
    /// refused at once with 429 (`TCS_REQUESTS_IN_FLIGHT_PER_IP`).
    pub requests_in_flight_per_ip: u32,
    /// API requests one token may make per minute; more get 429 with `Retry-After`
    /// (`TCS_API_REQUESTS_PER_MINUTE`).
    pub api_requests_per_minute: u32,
}

impl Default for ClientSettings {
    /// No proxy; 20 credential checks a minute; 32 requests at once, which a
    /// browser (six connections) or a few people behind one NAT never reach.
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            login_attempts_per_minute: 20,
            requests_in_flight_per_ip: 32,
            api_requests_per_minute: 600,
        }
    }
}

/// The person's links and keys.
#[derive(Debug, Clone, Copy)]
pub struct EnrollmentSettings {
    /// How long the link in the first mail works (`TCS_ENROLLMENT_LINK_DAYS`).
    pub link_ttl: time::Duration,
    /// How long a portal-made key waits, sealed, after issuance before it is
    /// wiped whether picked up or not (`TCS_ENROLLMENT_KEY_GRACE_DAYS`).
    pub key_grace: time::Duration,
}

impl Default for EnrollmentSettings {
    /// A week for the link, as the TCS rules suggest; two weeks to collect.
    fn default() -> Self {
        Self {
            link_ttl: time::Duration::days(7),
            key_grace: time::Duration::days(14),
        }
    }
}

/// The CertCentral account the portal orders through.
#[derive(Debug, Clone)]
pub struct DigicertSettings {
    /// Up to and including `/services/v2` (US, EU, or the sandbox).
    pub base_url: String,
    pub api_key: SecretString,
    /// How often the validation states of every linked institution are pulled.
    pub sync_every: time::Duration,
}

/// DigiCert validations change rarely and last months; four syncs a day keep the
/// cache fresh without spending the rate limit.
pub const DEFAULT_SYNC_EVERY: time::Duration = time::Duration::hours(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub transport: MailTransportKind,
    pub smtp_url: Option<SecretString>,
    pub from: String,
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    Smtp,
    File,
    Log,
}

/// The TOML file's shape: every key optional, unknown keys refused so typos are caught.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<SecretString>,
    database_connections: Option<u32>,
    bind: Option<SocketAddr>,
    admin_bind: Option<String>,
    public_url: Option<String>,
    master_key: Option<SecretString>,
    master_key_file: Option<PathBuf>,
    log_format: Option<LogFormat>,
    hashing_concurrency: Option<usize>,
    allowed_domain_suffixes: Option<Vec<String>>,
    enrollment_link_days: Option<u32>,
    enrollment_key_grace_days: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    login_attempts_per_minute: Option<u32>,
    requests_in_flight_per_ip: Option<u32>,
    api_requests_per_minute: Option<u32>,
    #[serde(default)]
    mail: FileMailSettings,
    #[serde(default)]
    digicert: FileDigicertSettings,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDigicertSettings {
    base_url: Option<String>,
    api_key: Option<SecretString>,
    sync_every_hours: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMailSettings {
    transport: Option<MailTransportKind>,
    smtp_url: Option<SecretString>,
    from: Option<String>,
    dir: Option<PathBuf>,
}

impl Settings {
    /// Load settings for the current process: defaults, `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read settings file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid settings file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        Self::layer(from_file, &|name| std::env::var(name).ok())
    }

    fn layer(file: FileSettings, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let clients = client_settings(&file, env)?;
        let parse_addr = |name: &str, value: String| -> anyhow::Result<SocketAddr> {
            value
                .parse()
                .with_context(|| format!("{name} is not a socket address: {value:?}"))
        };
        let bind = match env("TCS_BIND") {
            Some(value) => parse_addr("TCS_BIND", value)?,
            None => file
                .bind
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
        };
        // An empty admin bind turns the metrics listener off.
        let admin_bind = match env("TCS_ADMIN_BIND").or(file.admin_bind) {
            Some(value) if value.trim().is_empty() => None,
            Some(value) => Some(parse_addr("TCS_ADMIN_BIND", value)?),
            None => Some(SocketAddr::from(([127, 0, 0, 1], 9090))),
        };
        if admin_bind == Some(bind) {
            bail!("the admin bind must differ from the public bind, so /metrics is never public");
        }
        let public_url = env("TCS_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://localhost:{}", bind.port()));
        let public_url = public_url.trim_end_matches('/').to_owned();
        let Some((_, authority)) = public_url.split_once("://") else {
            bail!("TCS_PUBLIC_URL must start with http:// or https://");
        };
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || authority.is_empty()
            || authority.contains(['/', '?', '#'])
        {
            bail!("TCS_PUBLIC_URL must be an origin such as https://tcs.amres.ac.rs (no path)");
        }
        let master_key_file = env("TCS_MASTER_KEY_FILE")
            .map(PathBuf::from)
            .or(file.master_key_file);
        let master_key = match (
            env("TCS_MASTER_KEY").map(SecretString::from),
            file.master_key,
        ) {
            (Some(key), _) | (None, Some(key)) => Some(key),
            (None, None) => match master_key_file {
                Some(path) => Some(read_key_file(&path)?),
                None => None,
            },
        };
        let log_format = match env("TCS_LOG_FORMAT") {
            Some(value) => match value.as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                other => bail!("TCS_LOG_FORMAT must be json or pretty, not {other:?}"),
            },
            None => file.log_format.unwrap_or(LogFormat::Json),
        };
        let transport = match env("TCS_MAIL_TRANSPORT") {
            Some(value) => match value.as_str() {
                "smtp" => MailTransportKind::Smtp,
                "file" => MailTransportKind::File,
                "log" => MailTransportKind::Log,
                other => bail!("TCS_MAIL_TRANSPORT must be smtp, file or log, not {other:?}"),
            },
            None => file.mail.transport.unwrap_or(MailTransportKind::Log),
        };
        let smtp_url = env("TCS_SMTP_URL")
            .map(SecretString::from)
            .or(file.mail.smtp_url);
        if transport == MailTransportKind::Smtp && smtp_url.is_none() {
            bail!("the smtp mail transport needs TCS_SMTP_URL");
        }
        let database_connections = positive(
            env,
            "TCS_DATABASE_CONNECTIONS",
            file.database_connections,
            DEFAULT_DATABASE_CONNECTIONS,
        )?;
        let hashing_concurrency = match env("TCS_HASHING_CONCURRENCY") {
            Some(value) => value
                .parse()
                .context("TCS_HASHING_CONCURRENCY must be a number")?,
            None => file
                .hashing_concurrency
                .unwrap_or_else(default_hashing_concurrency),
        };
        let allowed_domain_suffixes: Vec<String> = match env("TCS_ALLOWED_DOMAIN_SUFFIXES") {
            Some(list) => list.split(',').map(str::to_owned).collect(),
            None => file
                .allowed_domain_suffixes
                .unwrap_or_else(|| vec!["ac.rs".to_owned()]),
        };
        let allowed_domain_suffixes = allowed_domain_suffixes
            .iter()
            .map(|suffix| suffix.trim().trim_matches('.').to_ascii_lowercase())
            .filter(|suffix| !suffix.is_empty())
            .collect();
        let digicert_key = env("TCS_DIGICERT_API_KEY")
            .map(SecretString::from)
            .or(file.digicert.api_key);
        let sync_every = match env("TCS_DIGICERT_SYNC_HOURS") {
            Some(value) => Some(
                value
                    .parse::<u32>()
                    .context("TCS_DIGICERT_SYNC_HOURS must be a number of hours")?,
            ),
            None => file.digicert.sync_every_hours,
        };
        let sync_every = match sync_every {
            Some(0) => bail!("the DigiCert sync interval must be at least one hour"),
            Some(hours) => time::Duration::hours(i64::from(hours)),
            None => DEFAULT_SYNC_EVERY,
        };
        let days = |name: &str, from_file: Option<u32>, default: time::Duration| {
            let value = match env(name) {
                Some(value) => Some(
                    value
                        .parse::<u32>()
                        .with_context(|| format!("{name} must be a number of days"))?,
                ),
                None => from_file,
            };
            match value {
                Some(0) => bail!("{name} must be at least one day"),
                Some(days) => Ok(time::Duration::days(i64::from(days))),
                None => Ok(default),
            }
        };
        let enrollment = EnrollmentSettings {
            link_ttl: days(
                "TCS_ENROLLMENT_LINK_DAYS",
                file.enrollment_link_days,
                EnrollmentSettings::default().link_ttl,
            )?,
            key_grace: days(
                "TCS_ENROLLMENT_KEY_GRACE_DAYS",
                file.enrollment_key_grace_days,
                EnrollmentSettings::default().key_grace,
            )?,
        };
        let digicert = digicert_key.map(|api_key| DigicertSettings {
            base_url: env("TCS_DIGICERT_URL")
                .or(file.digicert.base_url)
                .unwrap_or_else(|| digicert::US_BASE_URL.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            api_key,
            sync_every,
        });
        Ok(Self {
            digicert,
            allowed_domain_suffixes,
            database_url: env("DATABASE_URL")
                .map(SecretString::from)
                .or(file.database_url)
                .unwrap_or_else(|| SecretString::from(DEFAULT_DATABASE_URL)),
            bind,
            admin_bind,
            public_url,
            master_key,
            log_format,
            mail: MailSettings {
                transport,
                smtp_url,
                from: env("TCS_MAIL_FROM")
                    .or(file.mail.from)
                    .unwrap_or_else(|| "TCS portal <tcs@localhost>".to_owned()),
                dir: env("TCS_MAIL_DIR")
                    .map(PathBuf::from)
                    .or(file.mail.dir)
                    .unwrap_or_else(|| PathBuf::from("mail")),
            },
            database_connections,
            hashing_concurrency: hashing_concurrency.max(1),
            enrollment,
            clients,
        })
    }

    /// Whether cookies may be marked for HTTPS only and HSTS sent.
    pub fn served_over_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The database URL with any password removed, for messages.
    pub fn database_url_for_display(&self) -> String {
        let url = self.database_url.expose_secret();
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &url[scheme_end + 3..at];
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{}{user}@{}", &url[..scheme_end + 3], &url[at + 1..])
            }
            _ => url.to_owned(),
        }
    }
}

fn client_settings(
    file: &FileSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ClientSettings> {
    let defaults = ClientSettings::default();
    let trusted_proxies = match env("TCS_TRUSTED_PROXIES") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_network)
            .collect::<anyhow::Result<_>>()?,
        None => file
            .trusted_proxies
            .iter()
            .flatten()
            .map(|entry| parse_network(entry.trim()))
            .collect::<anyhow::Result<_>>()?,
    };
    let budget =
        |name: &str, from_file: Option<u32>, default: u32| positive(env, name, from_file, default);
    Ok(ClientSettings {
        trusted_proxies,
        login_attempts_per_minute: budget(
            "TCS_LOGIN_ATTEMPTS_PER_MINUTE",
            file.login_attempts_per_minute,
            defaults.login_attempts_per_minute,
        )?,
        requests_in_flight_per_ip: budget(
            "TCS_REQUESTS_IN_FLIGHT_PER_IP",
            file.requests_in_flight_per_ip,
            defaults.requests_in_flight_per_ip,
        )?,
        api_requests_per_minute: budget(
            "TCS_API_REQUESTS_PER_MINUTE",
            file.api_requests_per_minute,
            defaults.api_requests_per_minute,
        )?,
    })
}

/// A count of at least 1: the environment's `name`, else the file's value, else `default`.
fn positive(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    from_file: Option<u32>,
    default: u32,
) -> anyhow::Result<u32> {
    let value = match env(name) {
        Some(value) => value
            .trim()
            .parse()
            .with_context(|| format!("{name} must be a number"))?,
        None => from_file.unwrap_or(default),
    };
    if value == 0 {
        bail!("{name} must be at least 1");
    }
    Ok(value)
}

/// An address (`10.0.0.5`) or a network (`10.0.0.0/24`, `fd00::/8`).
fn parse_network(text: &str) -> anyhow::Result<IpNet> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(IpNet::from(address));
    }
    text.parse().with_context(|| {
        format!("TCS_TRUSTED_PROXIES: {text:?} is neither an address nor a network")
    })
}

/// Connections to PostgreSQL: a page runs one to three short statements, so a few
/// connections per core keep both busy; every connection more holds a PostgreSQL backend
/// and read buffers as big as the largest answer it ever carried.
const DEFAULT_DATABASE_CONNECTIONS: u32 = 20;

/// Half the cores: a flood of logins from many addresses, each within its own
/// budget, then keeps the other half for everything else.
fn default_hashing_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (usize::from(cores) / 2).max(1))
}

fn read_key_file(path: &Path) -> anyhow::Result<SecretString> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read master key file {}", path.display()))?;
    Ok(SecretString::from(text.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::layer(FileSettings::default(), &|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_point_at_the_local_database() -> anyhow::Result<()> {
        let settings = with_env(&[])?;
        assert_eq!(settings.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(settings.public_url, "http://localhost:8080");
        assert!(settings.master_key.is_none());
        Ok(())
    }

    #[test]
    fn environment_overrides_file() -> anyhow::Result<()> {
        let file: FileSettings =
            toml::from_str("bind = \"127.0.0.1:7000\"\npublic_url = \"https://a\"")?;
        let settings = Settings::layer(file, &|name| {
            (name == "TCS_PUBLIC_URL").then(|| "https://b/".to_owned())
        })?;
        assert_eq!(settings.bind.port(), 7000);
        assert_eq!(settings.public_url, "https://b");
        Ok(())
    }

    #[test]
    fn a_public_url_with_a_path_is_refused() {
        assert!(with_env(&[("TCS_PUBLIC_URL", "https://tcs.amres.ac.rs/portal")]).is_err());
        assert!(with_env(&[("TCS_PUBLIC_URL", "ftp://tcs.amres.ac.rs")]).is_err());
    }

    #[test]
    fn domain_suffixes_default_to_ac_rs_and_are_normalised() -> anyhow::Result<()> {
        assert_eq!(with_env(&[])?.allowed_domain_suffixes, vec!["ac.rs"]);
        let settings = with_env(&[("TCS_ALLOWED_DOMAIN_SUFFIXES", " AC.rs., edu.rs ,")])?;
        assert_eq!(settings.allowed_domain_suffixes, vec!["ac.rs", "edu.rs"]);
        Ok(())
    }

    #[test]
    fn the_validation_sync_runs_every_six_hours_unless_told_otherwise() -> anyhow::Result<()> {
        let every = |env: &[(&str, &str)]| -> anyhow::Result<Option<time::Duration>> {
            Ok(with_env(env)?.digicert.map(|d| d.sync_every))
        };
        assert_eq!(
            every(&[("TCS_DIGICERT_API_KEY", "k")])?,
            Some(time::Duration::hours(6))
        );
        assert_eq!(
            every(&[
                ("TCS_DIGICERT_API_KEY", "k"),
                ("TCS_DIGICERT_SYNC_HOURS", "24")
            ])?,
            Some(time::Duration::hours(24))
        );
        assert!(
            with_env(&[
                ("TCS_DIGICERT_API_KEY", "k"),
                ("TCS_DIGICERT_SYNC_HOURS", "0")
            ])
            .is_err()
        );
        Ok(())
    }

    #[test]
    fn digicert_is_off_without_a_key_and_defaults_to_the_us_instance() -> anyhow::Result<()> {
        assert!(with_env(&[])?.digicert.is_none());
        let settings = with_env(&[("TCS_DIGICERT_API_KEY", "k")])?;
        assert_eq!(
            settings.digicert.map(|d| d.base_url),
            Some(digicert::US_BASE_URL.to_owned())
        );
        Ok(())
    }

    #[test]
    fn enrollment_links_last_seven_days_unless_told_otherwise() -> anyhow::Result<()> {
        assert_eq!(with_env(&[])?.enrollment.link_ttl, time::Duration::days(7));
        let settings = with_env(&[("TCS_ENROLLMENT_LINK_DAYS", "3")])?;
        assert_eq!(settings.enrollment.link_ttl, time::Duration::days(3));
        assert!(with_env(&[("TCS_ENROLLMENT_LINK_DAYS", "0")]).is_err());
        assert!(with_env(&[("TCS_ENROLLMENT_KEY_GRACE_DAYS", "soon")]).is_err());
        Ok(())
    }

    #[test]
    fn the_pool_size_is_a_positive_number_from_the_environment_or_the_file() -> anyhow::Result<()> {
        assert_eq!(
            with_env(&[])?.database_connections,
            DEFAULT_DATABASE_CONNECTIONS
        );
        assert_eq!(
            with_env(&[("TCS_DATABASE_CONNECTIONS", "6")])?.database_connections,
            6
        );
        assert!(with_env(&[("TCS_DATABASE_CONNECTIONS", "0")]).is_err());
        assert!(with_env(&[("TCS_DATABASE_CONNECTIONS", "many")]).is_err());
        let file: FileSettings = toml::from_str("database_connections = 4")?;
        assert_eq!(Settings::layer(file, &|_| None)?.database_connections, 4);
        Ok(())
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_and_budgets_are_positive() -> anyhow::Result<()> {
        let defaults = with_env(&[])?.clients;
        assert!(defaults.trusted_proxies.is_empty());
        assert_eq!(defaults.login_attempts_per_minute, 20);
        let settings = with_env(&[
            ("TCS_TRUSTED_PROXIES", "10.0.0.5, fd00::/8,"),
            ("TCS_LOGIN_ATTEMPTS_PER_MINUTE", "100"),
            ("TCS_REQUESTS_IN_FLIGHT_PER_IP", "8"),
        ])?
        .clients;
        assert_eq!(
            settings.trusted_proxies,
            vec!["10.0.0.5/32".parse::<IpNet>()?, "fd00::/8".parse()?]
        );
        assert_eq!(settings.login_attempts_per_minute, 100);
        assert_eq!(settings.requests_in_flight_per_ip, 8);
        assert!(with_env(&[("TCS_TRUSTED_PROXIES", "proxy.internal")]).is_err());
        assert!(with_env(&[("TCS_LOGIN_ATTEMPTS_PER_MINUTE", "0")]).is_err());
        let file: FileSettings =
            toml::from_str("trusted_proxies = [\"192.0.2.0/24\"]\nrequests_in_flight_per_ip = 4")?;
        let settings = Settings::layer(file, &|_| None)?.clients;
        assert_eq!(
            settings.trusted_proxies,
            vec!["192.0.2.0/24".parse::<IpNet>()?]
        );
        assert_eq!(settings.requests_in_flight_per_ip, 4);
        Ok(())
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("bnid = \"x\"").is_err());
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() -> anyhow::Result<()> {
        let settings = with_env(&[
            ("TCS_MASTER_KEY", "c2VjcmV0LWtleS1tYXRlcmlhbA=="),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ])?;
        let printed = format!("{settings:?}");
        assert!(!printed.contains("c2VjcmV0"));
        assert!(!printed.contains("hunter2"));
        assert_eq!(settings.database_url_for_display(), "postgres://u@db/x");
        Ok(())
    }
}
