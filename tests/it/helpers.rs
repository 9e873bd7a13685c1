//! Test harness: the real portal on a port-0 listener over a fresh database, and
//! a cookie-keeping HTTP client that can answer TOTP prompts.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use clock::{Clock, ManualClock, SystemClock};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use sqlx::PgPool;
use tcs_portal::auth::{csrf, totp};
use tcs_portal::config::{MailTransportKind, Settings};
use tcs_portal::crypto::MasterKey;
use tcs_portal::domain::{DisplayName, EmailAddress, StaffRole};
use tcs_portal::state::AppState;
use uuid::Uuid;

pub const PASSWORD: &str = "a long test pass-phrase";
pub const SESSION_COOKIE: &str = "__Host-tcs_session";
/// The API key of the sandbox's account in [`TestApp::spawn_with_sandbox`].
pub const SANDBOX_KEY: &str = "right-key";

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub clock: ManualClock,
    pub state: AppState,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, None, |_| {}).await
    }

    /// The portal with some settings changed (trusted proxies, budgets…).
    pub async fn spawn_configured(pool: PgPool, configure: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_with(pool, None, configure).await
    }

    /// The portal talking to a DigiCert (normally an in-process sandbox).
    pub async fn spawn_with_digicert(pool: PgPool, base_url: String, api_key: &str) -> Self {
        let digicert = tcs_portal::config::DigicertSettings {
            base_url,
            api_key: secrecy::SecretString::from(api_key.to_owned()),
            sync_every: tcs_portal::config::DEFAULT_SYNC_EVERY,
        };
        Self::spawn_with(pool, Some(digicert), |_| {}).await
    }

    /// The portal talking to an in-process DigiCert sandbox whose one account's API key
    /// is [`SANDBOX_KEY`], with `api_key` (that one, or a wrong one). The sandbox runs as
    /// long as the returned handle is kept.
    pub async fn spawn_with_sandbox(
        pool: PgPool,
        api_key: &str,
    ) -> (digicert_sim::RunningSandbox, Self) {
        let sandbox = digicert_sim::start_in_process(
            digicert_sim::SandboxOptions::default()
                .with_account(digicert_sim::AccountSeed::new(SANDBOX_KEY)),
        )
        .await
        .unwrap();
        let app = Self::spawn_with_digicert(pool, sandbox.base_url(), api_key).await;
        (sandbox, app)
    }

    /// Full AMRES staff, logged in, reading the pages in English.
    pub async fn english_staff(&self) -> EnrolledUser {
        let staff = self
            .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
            .await;
        staff.client.post_form("/lang", &[("lang", "en")]).await;
        staff
    }

    async fn spawn_with(
        pool: PgPool,
        digicert: Option<tcs_portal::config::DigicertSettings>,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let mut settings = Settings::load(None).unwrap();
        settings.master_key = Some(MasterKey::generate_base64());
        settings.public_url = format!("http://localhost:{}", address.port());
        settings.mail.transport = MailTransportKind::Log;
        settings.hashing_concurrency = 2;
        settings.digicert = digicert;
        configure(&mut settings);
        let clock = ManualClock::new(SystemClock.now());
        let state =
            tcs_portal::app::build_state(pool.clone(), settings, Arc::new(clock.clone())).unwrap();
        let app = tcs_portal::app::router(state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://127.0.0.1:{}", address.port()),
            pool,
            clock,
            state,
        }
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base, self.state.master_key.clone())
    }

    /// An invitation token for a new staff member, as `staff create` makes it.
    pub async fn invite_staff(&self, email: &str, role: StaffRole) -> String {
        tcs_portal::services::onboarding::invite_staff(
            &self.pool,
            &EmailAddress::parse(email).unwrap(),
            &DisplayName::parse("Test Person").unwrap(),
            role,
            self.clock.now(),
        )
        .await
        .unwrap()
    }

    /// The code an authenticator app shows right now.
    pub fn totp_now(&self, secret: &[u8]) -> String {
        totp::code_at_step(secret, totp::step_at(self.clock.now()))
    }

    /// Moves to the next TOTP step, so a fresh code can be used.
    pub fn next_totp_step(&self) {
        self.clock
            .advance(time::Duration::seconds(totp::STEP_SECONDS));
    }

    /// A staff member who accepted an invitation and enrolled TOTP through the
    /// real pages. Returns their logged-in client and TOTP seed.
    pub async fn enrolled_staff(&self, email: &str, role: StaffRole) -> EnrolledUser {
        let token = self.invite_staff(email, role).await;
        self.accept_invitation(email, &token).await
    }

    /// Follows an invitation link, sets name and password, and enrols TOTP.
    pub async fn accept_invitation(&self, email: &str, token: &str) -> EnrolledUser {
        let client = self.client();
        let invite = client.get(&format!("/invite/{token}")).await;
        assert_eq!(invite.status, StatusCode::SEE_OTHER);
        client.get("/invite").await.assert_ok();
        let accepted = client
            .post_form(
                "/invite",
                &[
                    ("display_name", "Test Person"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(accepted.location(), Some("/mfa/enrol"), "{}", accepted.body);
        let enrol = client.get("/mfa/enrol").await;
        enrol.assert_ok();
        let secret = enrol.totp_secret();
        let confirmed = client
            .post_form("/mfa/enrol", &[("code", &self.totp_now(&secret))])
            .await;
        confirmed.assert_ok();
        let recovery_codes = confirmed.all_between("<code class=\"recovery-code\">", "</code>");
        assert_eq!(recovery_codes.len(), 10);
        let account_id = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_one(&self.pool)
            .await
            .unwrap();
        EnrolledUser {
            email: email.to_owned(),
            account_id,
            client,
            secret,
            recovery_codes,
        }
    }

    /// Registers an institution through the staff form; returns its id.
    pub async fn create_institution(
        &self,
        staff: &TestClient,
        slug: &str,
        name: &str,
        registered: bool,
    ) -> Uuid {
        let number = registration_number(slug);
        let mut fields = vec![
            ("slug", slug),
            ("name_sr", name),
            ("name_en", name),
            ("short_name", slug),
            ("registration_number", number.as_str()),
        ];
        if registered {
            fields.push(("registered", "on"));
        }
        let created = staff.post_form("/staff/institutions", &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.location().unwrap();
        Uuid::parse_str(location.trim_start_matches("/institutions/")).unwrap()
    }

    /// Invites `email` into an institution through the people page (as `inviter`),
    /// then accepts the invitation from the mail in the outbox.
    pub async fn enrolled_member(
        &self,
        inviter: &TestClient,
        institution: Uuid,
        email: &str,
        role: &str,
    ) -> EnrolledUser {
        let invited = inviter
            .post_form(
                &format!("/institutions/{institution}/people"),
                &[
                    ("email", email),
                    ("display_name", "Test Person"),
                    ("role", role),
                ],
            )
            .await;
        invited.assert_ok();
        let token = self.invitation_token_from_mail(email).await;
        self.accept_invitation(email, &token).await
    }

    /// Someone who already has an account joins `institution` the only way there is:
    /// `inviter` invites their address and they accept on "Invitations for you".
    pub async fn join(
        &self,
        user: &EnrolledUser,
        inviter: &TestClient,
        institution: Uuid,
        role: &str,
    ) {
        let invited = inviter
            .post_form(
                &format!("/institutions/{institution}/people"),
                &[
                    ("email", &user.email),
                    ("display_name", "Test Person"),
                    ("role", role),
                ],
            )
            .await;
        invited.assert_ok();
        let accepted = user
            .client
            .post_form(&accept_path(&user.client).await, &[])
            .await;
        assert_eq!(
            accepted.location(),
            Some(format!("/institutions/{institution}").as_str()),
            "{}",
            accepted.body
        );
    }

    /// The token of the newest invitation mail sent to `email`.
    pub async fn invitation_token_from_mail(&self, email: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .unwrap();
        let start = body
            .find("/invite/")
            .expect("no invitation link in the mail")
            + "/invite/".len();
        body[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Logs in with password and a fresh TOTP code on a new client.
    pub async fn log_in(&self, user: &EnrolledUser) -> TestClient {
        let client = self.client();
        let password = client
            .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
            .await;
        assert_eq!(password.location(), Some("/mfa"), "{}", password.body);
        self.next_totp_step();
        let mfa = client
            .post_form("/mfa", &[("code", &self.totp_now(&user.secret))])
            .await;
        assert_eq!(mfa.location(), Some("/"), "{}", mfa.body);
        client
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// The "accept" form's address of the first invitation on the client's "Invitations for you".
pub async fn accept_path(client: &TestClient) -> String {
    let page = client.get("/account/invitations").await;
    page.assert_ok();
    let start = page
        .body
        .find("/account/invitations/")
        .expect("no open invitation listed");
    let rest = &page.body[start..];
    let end = rest.find("/accept").expect("no accept form") + "/accept".len();
    rest[..end].to_owned()
}

pub struct EnrolledUser {
    pub email: String,
    pub account_id: Uuid,
    pub client: TestClient,
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

/// An HTTP client that keeps cookies by hand (Secure `__Host-` cookies are
/// kept over plain HTTP to localhost, as browsers do) and puts the CSRF token
/// a page would carry into the forms it posts: with a session, the newest
/// token its pages showed; without one, the anonymous token of its nonce
/// cookie for the path posted to, signed as the portal signs it.
#[derive(Clone)]
pub struct TestClient {
    http: reqwest::Client,
    base: String,
    cookies: Arc<Mutex<HashMap<String, String>>>,
    session_token: Arc<Mutex<Option<String>>>,
    key: Arc<MasterKey>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestClient {
    pub fn new(base: &str, key: Arc<MasterKey>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: Arc::default(),
            session_token: Arc::default(),
            key,
        }
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.lock().unwrap().get(SESSION_COOKIE).cloned()
    }

    pub fn set_session_cookie(&self, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(SESSION_COOKIE.to_owned(), value.to_owned());
        self.session_token.lock().unwrap().take();
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// Posts a form with its CSRF token added (fetched first if needed).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.post_form_with(path, fields, &[]).await
    }

    /// Like [`post_form`](Self::post_form), asking for the answer in `lang` ("sr" or "en").
    pub async fn post_form_in(
        &self,
        lang: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.post_form_with(path, fields, &[("accept-language", lang)])
            .await
    }

    async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        extra_headers: &[(&str, &str)],
    ) -> TestResponse {
        let token = self.csrf_token_for(path).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body,
            extra_headers,
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        extra_headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        for (name, value) in extra_headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// The token of the login form.
    pub async fn csrf_token(&self) -> String {
        self.csrf_token_for("/login").await
    }

    /// The token a page would carry in a form posting to `path`.
    pub async fn csrf_token_for(&self, path: &str) -> String {
        if self.session_cookie().is_some() {
            if let Some(token) = self.session_token.lock().unwrap().clone() {
                return token;
            }
            // Every page of a session carries its token; a dead session's cookie
            // is cleared on the way, and the anonymous token follows.
            self.get("/login").await;
            if let Some(token) = self.session_token.lock().unwrap().clone() {
                return token;
            }
        }
        if self.cookie(csrf::NONCE_COOKIE).is_none() {
            self.get("/login").await;
        }
        let nonce = self
            .cookie(csrf::NONCE_COOKIE)
            .expect("no CSRF nonce cookie from /login");
        csrf::anonymous_token(&self.key, &nonce, path)
    }

    /// The value of cookie `name` held by this client.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> TestResponse {
        let cookie_header = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if cookie_header.is_empty() {
            request
        } else {
            request.header("cookie", cookie_header)
        };
        let response = request.send().await.unwrap();
        for set_cookie in response.headers().get_all(SET_COOKIE) {
            let text = set_cookie.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.contains("Max-Age=0") || value.is_empty();
            let mut cookies = self.cookies.lock().unwrap();
            if expired {
                if name == SESSION_COOKIE {
                    // The session is gone, and its CSRF token with it.
                    self.session_token.lock().unwrap().take();
                }
                cookies.remove(name);
            } else {
                let previous = cookies.insert(name.to_owned(), value.to_owned());
                if name == SESSION_COOKIE && previous.as_deref() != Some(value) {
                    // A new session id comes with a new CSRF secret.
                    self.session_token.lock().unwrap().take();
                }
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        if self.session_cookie().is_some()
            && let Some(token) = first_between(&body, "name=\"csrf_token\" value=\"", "\"")
        {
            *self.session_token.lock().unwrap() = Some(token);
        }
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

impl TestResponse {
    pub fn assert_ok(&self) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn totp_secret(&self) -> Vec<u8> {
        let text = first_between(&self.body, "<code id=\"totp-secret\">", "</code>")
            .expect("no TOTP secret on page");
        data_encoding::BASE32_NOPAD
            .decode(text.replace(' ', "").as_bytes())
            .unwrap()
    }

    pub fn all_between(&self, start: &str, end: &str) -> Vec<String> {
        self.body
            .split(start)
            .skip(1)
            .filter_map(|piece| piece.find(end).map(|i| piece[..i].to_owned()))
            .collect()
    }
}

fn first_between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

/// A valid matični broj derived from `seed`: seven digits from a hash of the
/// seed, then the mod-11 check digit.
pub fn registration_number(seed: &str) -> String {
    let mut value: u64 = 1_469_598_103_934_665_603;
    for byte in seed.bytes() {
        value = (value ^ u64::from(byte)).wrapping_mul(1_099_511_628_211);
    }
    let digits: Vec<u32> = format!("{:07}", value % 10_000_000)
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits.iter().zip((2..=8).rev()).map(|(d, w)| d * w).sum();
    let check = match 11 - sum % 11 {
        10 | 11 => 0,
        other => other,
    };
    format!(
        "{}{check}",
        digits.iter().map(u32::to_string).collect::<String>()
    )
}

/// Undoes the HTML escaping of an attribute value, as a browser does.
pub fn html_unescape(text: &str) -> String {
    text.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Polls `check` until it holds, failing the test after thirty seconds (a worker that
/// found its queue empty sleeps up to five between polls).
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_or_explain(what, check, || async { String::new() }).await;
}

/// As [`eventually`], but a timeout also prints what `explain` finds at that moment
/// (the jobs a worker left, say): a wait that times out only on a loaded machine can
/// then be understood from its log rather than guessed at.
pub async fn eventually_or_explain<F, Fut, E, EFut>(what: &str, mut check: F, explain: E)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
    E: FnOnce() -> EFut,
    EFut: std::future::Future<Output = String>,
{
    for _ in 0..1500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}{}", explain().await);
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tcs-portal serve` on the database of `connect`, listening on `bind`, configured
/// through the environment only (none of the test's own), as in production, quiet, and
/// killed when dropped; a test adds what else it needs and spawns it.
pub fn serve_command(
    connect: &sqlx::postgres::PgConnectOptions,
    bind: &str,
    master_key: &str,
) -> tokio::process::Command {
    let database_url = format!(
        "postgres://{}@{}:{}/{}",
        connect.get_username(),
        connect.get_host(),
        connect.get_port(),
        connect.get_database().unwrap()
    );
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tcs-portal"));
    command
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("TCS_BIND", bind)
        .env("TCS_ADMIN_BIND", "")
        .env("TCS_MASTER_KEY", master_key)
        .env("TCS_MAIL_TRANSPORT", "log")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}
