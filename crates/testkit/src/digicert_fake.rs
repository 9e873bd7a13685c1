//! A small real HTTP server on 127.0.0.1:0 that plays scripted DigiCert answers and
//! records what the client sent.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use digicert::{ClientConfig, HttpCertCentral, RetryPolicy};
use secrecy::SecretString;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const API_KEY: &str = "test-key-0123456789";

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status with a JSON body.
    Json(u16, String),
    /// A status with no body (204 and friends).
    Empty(u16),
    /// A status with a raw body of the given content type.
    Raw(u16, &'static str, String),
    /// Wait this long before answering `{}`, to trip the client's timeout.
    Stall(Duration),
    /// 302 to the given URL.
    Redirect(String),
}

/// DigiCert's 429, without `Retry-After`.
pub fn rate_limited() -> Reply {
    Reply::Json(
        429,
        r#"{"errors":[{"code":"request_limit_exceeded","message":"Service unavailable, please limit request volume"}]}"#.into(),
    )
}

/// DigiCert in maintenance.
pub fn unavailable() -> Reply {
    Reply::Json(
        503,
        r#"{"errors":[{"code":"service_unavailable","message":"Maintenance"}]}"#.into(),
    )
}

/// What the client sent in one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub api_key: Option<String>,
    pub accept: Option<String>,
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
}

impl Seen {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct State {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// The running server.
pub struct FakeDigicert {
    pub base_url: String,
    state: State,
}

impl FakeDigicert {
    /// Starts a server that answers with `replies`, in order, one per request.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let state = State::default();
        state.replies.lock().unwrap().extend(replies);
        let app = Router::new().fallback(answer).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}/services/v2"),
            state,
        }
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Number of requests received so far.
    pub fn calls(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }

    /// A client for this server with fast retries.
    pub fn client(&self) -> HttpCertCentral {
        client_for(&self.base_url)
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.state
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|seen| seen.at)
            .collect()
    }
}

/// A client for `base_url` with millisecond back-off and a short request timeout.
pub fn client_for(base_url: &str) -> HttpCertCentral {
    let config = ClientConfig::new(base_url, SecretString::from(API_KEY))
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(700))
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        });
    HttpCertCentral::new(config).unwrap()
}

async fn answer(
    axum::extract::State(state): axum::extract::State<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().map(url_pairs).unwrap_or_default();
    state.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_owned(),
        query,
        api_key: header_text(&headers, "x-dc-devkey"),
        accept: header_text(&headers, "accept"),
        body: body.to_vec(),
        at: Instant::now(),
    });
    let reply = state.replies.lock().unwrap().pop_front();
    match reply {
        Some(Reply::Json(status, body)) => response(status, "application/json", body),
        Some(Reply::Empty(status)) => response(status, "application/json", String::new()),
        Some(Reply::Raw(status, content_type, body)) => response(status, content_type, body),
        Some(Reply::Stall(wait)) => {
            tokio::time::sleep(wait).await;
            response(200, "application/json", "{}".into())
        }
        Some(Reply::Redirect(location)) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap(),
        None => response(599, "text/plain", "no reply scripted".into()),
    }
}

fn response(status: u16, content_type: &str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    if body.is_empty() {
        return status.into_response();
    }
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A server that reads each request completely and then closes the connection without
/// answering: the request reached "DigiCert", the answer never came back.
pub async fn start_dropping_server() -> (String, Arc<AtomicUsize>) {
    start_raw_server(None).await
}

/// A server that answers `status` with a `Content-Length` larger than the `partial` body
/// it sends before closing: the answer breaks off mid-body.
pub async fn start_truncating_server(
    status: u16,
    partial: &'static str,
) -> (String, Arc<AtomicUsize>) {
    start_raw_server(Some((status, partial))).await
}

async fn start_raw_server(answer: Option<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                if read_request(&mut socket).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if let Some((status, partial)) = answer {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            partial.len() + 100
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(partial.as_bytes()).await;
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/services/v2"), requests)
}

/// Reads headers and a `Content-Length` body; true when a whole request arrived.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return false;
        };
        if n == 0 {
            return false;
        }
        data.extend_from_slice(&chunk[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if data.len() >= end + 4 + length {
            return true;
        }
    }
}
