//! A real SAML IdP: Debian's SimpleSAMLphp, run by PHP's built-in server on loopback with a
//! configuration written here (its own key pair, test users with eduPerson attributes, and
//! the SP's metadata as the portal publishes it). The tests and `scripts/dev-idp.sh` use it.
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::saml_idp::Signer;

/// Where Debian installs SimpleSAMLphp.
const INSTALL_DIR: &str = "/usr/share/simplesamlphp";

/// A user of the IdP and the attributes it releases (names in the SAML2 URI form).
pub struct IdpUser {
    pub username: String,
    pub password: String,
    pub attributes: Vec<(String, Vec<String>)>,
}

impl IdpUser {
    /// A person at `scope` with subject-id, mail, names and a scoped affiliation.
    pub fn person(username: &str, password: &str, scope: &str, given: &str, surname: &str) -> Self {
        let address = format!("{username}@{scope}");
        let attribute = |name: &str, value: String| (name.to_owned(), vec![value]);
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
            attributes: vec![
                attribute(crate::saml_idp::SUBJECT_ID, address.clone()),
                attribute(crate::saml_idp::MAIL, address),
                attribute(crate::saml_idp::GIVEN_NAME, given.to_owned()),
                attribute(crate::saml_idp::SURNAME, surname.to_owned()),
                attribute(
                    crate::saml_idp::SCOPED_AFFILIATION,
                    format!("staff@{scope}"),
                ),
            ],
        }
    }
}

pub struct SimpleSamlPhp {
    server: tokio::process::Child,
    pub base_url: String,
    _dir: tempfile::TempDir,
}

/// Whether SimpleSAMLphp and PHP are installed (scripts/install-tools.sh installs them).
pub fn installed() -> bool {
    Path::new(INSTALL_DIR).join("www").is_dir()
        && std::process::Command::new("php")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
}

fn php_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl SimpleSamlPhp {
    /// Starts the IdP on `port` (0: any free port) trusting the SP whose metadata is
    /// `sp_metadata_xml`; its metadata lists `scopes` as `shibmd:Scope`.
    pub async fn start(
        port: u16,
        sp_metadata_xml: &str,
        scopes: &[&str],
        users: &[IdpUser],
    ) -> Self {
        let port = if port == 0 { free_port() } else { port };
        let dir = tempfile::tempdir().unwrap();
        let base_url = format!("http://127.0.0.1:{port}/");
        write_config(dir.path(), &base_url, sp_metadata_xml, scopes, users);
        let server = tokio::process::Command::new("php")
            .args(["-S", &format!("127.0.0.1:{port}"), "-t"])
            .arg(Path::new(INSTALL_DIR).join("www"))
            .env("SIMPLESAMLPHP_CONFIG_DIR", dir.path().join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let idp = Self {
            server,
            base_url,
            _dir: dir,
        };
        idp.wait_until_ready().await;
        idp
    }

    pub fn entity_id(&self) -> String {
        self.metadata_url()
    }

    pub fn metadata_url(&self) -> String {
        format!("{}saml2/idp/metadata.php", self.base_url)
    }

    async fn wait_until_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(response) = client.get(self.metadata_url()).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("SimpleSAMLphp did not answer at {}", self.metadata_url());
    }

    pub async fn stop(mut self) {
        let _ = self.server.kill().await;
    }

    /// Logs `username` in at the IdP for the AuthnRequest in `redirect_url` (the portal's
    /// redirect) and returns the `SAMLResponse` the IdP's page would post to the portal.
    pub async fn log_in(&self, redirect_url: &str, username: &str, password: &str) -> String {
        let browser = IdpBrowser::new();
        let mut page = browser.follow(redirect_url).await;
        let state = between(&page.1, "name=\"AuthState\" value=\"", "\"")
            .expect("no login form at the IdP");
        let form_url = page.0.clone();
        page = browser
            .post(
                &form_url,
                &[
                    ("username", username),
                    ("password", password),
                    ("AuthState", &html_unescape(&state)),
                ],
            )
            .await;
        let response = between(&page.1, "name=\"SAMLResponse\" value=\"", "\"")
            .unwrap_or_else(|| panic!("no SAMLResponse from the IdP: {}", page.1));
        html_unescape(&response)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_config(
    dir: &Path,
    base_url: &str,
    sp_metadata_xml: &str,
    scopes: &[&str],
    users: &[IdpUser],
) {
    let path = |name: &str| -> PathBuf { dir.join(name) };
    for sub in [
        "config", "metadata", "cert", "log", "data", "tmp", "sessions",
    ] {
        std::fs::create_dir_all(path(sub)).unwrap();
    }
    let signer = Signer::new("SimpleSAMLphp test IdP");
    std::fs::write(path("cert/idp.crt"), signer.certificate_pem()).unwrap();
    std::fs::write(path("cert/idp.key"), signer.private_key_pem()).unwrap();
    std::fs::write(path("sp.xml"), sp_metadata_xml).unwrap();
    let dir_of = |name: &str| php_string(&format!("{}/", path(name).display()));
    let config = format!(
        r#"<?php
$config = [
    'baseurlpath' => {base},
    'certdir' => {cert},
    'loggingdir' => {log},
    'datadir' => {data},
    'tempdir' => {tmp},
    'metadatadir' => {metadata},
    'attributenamemapdir' => '/etc/simplesamlphp/attributemap/',
    'technicalcontact_name' => 'tcs-portal tests',
    'technicalcontact_email' => 'tests@example.org',
    'secretsalt' => {salt},
    'auth.adminpassword' => {salt},
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'timezone' => 'UTC',
    'logging.level' => SimpleSAML\Logger::WARNING,
    'logging.handler' => 'stderr',
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => {sessions},
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,
    'trusted.url.domains' => ['127.0.0.1', 'localhost'],
    'production' => false,
    'showerrors' => true,
    'errorreporting' => false,
    'metadata.sources' => [
        ['type' => 'flatfile'],
        ['type' => 'xml', 'file' => {sp}],
    ],
];
"#,
        base = php_string(base_url),
        cert = dir_of("cert"),
        log = dir_of("log"),
        data = dir_of("data"),
        tmp = dir_of("tmp"),
        metadata = dir_of("metadata"),
        sessions = php_string(&path("sessions").display().to_string()),
        salt = php_string(&signer.certificate_base64()[40..72]),
        sp = php_string(&path("sp.xml").display().to_string()),
    );
    std::fs::write(path("config/config.php"), config).unwrap();
    let users_php: String = users
        .iter()
        .map(|user| {
            let attributes: String = user
                .attributes
                .iter()
                .map(|(name, values)| {
                    let values: Vec<String> = values.iter().map(|v| php_string(v)).collect();
                    format!(
                        "            {} => [{}],\n",
                        php_string(name),
                        values.join(", ")
                    )
                })
                .collect();
            format!(
                "        {} => [\n{attributes}        ],\n",
                php_string(&format!("{}:{}", user.username, user.password))
            )
        })
        .collect();
    std::fs::write(
        path("config/authsources.php"),
        format!(
            "<?php\n$config = [\n    'admin' => ['core:AdminPassword'],\n    'portal-users' => [\n        'exampleauth:UserPass',\n{users_php}    ],\n];\n"
        ),
    )
    .unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| php_string(s)).collect();
    std::fs::write(
        path("metadata/saml20-idp-hosted.php"),
        format!(
            r#"<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'portal-users',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    'scope' => [{scopes}],
    'saml20.sign.response' => true,
    'saml20.sign.assertion' => true,
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
"#,
            scopes = scopes.join(", ")
        ),
    )
    .unwrap();
}

/// Just enough of a browser for the IdP's pages: follows redirects and keeps cookies.
struct IdpBrowser {
    http: reqwest::Client,
    cookies: std::sync::Mutex<Vec<(String, String)>>,
}

impl IdpBrowser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, response: &reqwest::Response) {
        let mut cookies = self.cookies.lock().unwrap();
        for header in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let pair = header.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                cookies.retain(|(kept, _)| kept != name);
                cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    /// GETs `url` and follows redirects; the final URL and body.
    async fn follow(&self, url: &str) -> (String, String) {
        let mut url = url.to_owned();
        for _ in 0..10 {
            let response = self
                .http
                .get(&url)
                .header("cookie", self.cookie_header())
                .send()
                .await
                .unwrap();
            self.keep_cookies(&response);
            if response.status().is_redirection() {
                let next = response.headers()[reqwest::header::LOCATION]
                    .to_str()
                    .unwrap();
                url = reqwest::Url::parse(&url)
                    .unwrap()
                    .join(next)
                    .unwrap()
                    .to_string();
                continue;
            }
            return (url, response.text().await.unwrap());
        }
        panic!("too many redirects at the IdP");
    }

    async fn post(&self, url: &str, fields: &[(&str, &str)]) -> (String, String) {
        let response = self
            .http
            .post(url)
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        if response.status().is_redirection() {
            let next = response.headers()[reqwest::header::LOCATION]
                .to_str()
                .unwrap();
            let next = reqwest::Url::parse(url)
                .unwrap()
                .join(next)
                .unwrap()
                .to_string();
            return self.follow(&next).await;
        }
        (url.to_owned(), response.text().await.unwrap())
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let length = text[from..].find(end)?;
    Some(text[from..from + length].to_owned())
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
