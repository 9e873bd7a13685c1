//! Cross-cutting HTTP behaviour: security headers, request ids, error pages.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorPage;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::telemetry::REQUEST_ID_HEADER;
use crate::web::api::problem::{self, Kind, Problem};
use crate::web::page::{self, ErrorTemplate};

/// No inline script or style anywhere; everything comes from our own origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Origins, besides our own, that a page's forms may lead the browser to: the "log in with
/// your institution" forms post here and are answered with a redirect to the IdP, and
/// browsers hold every step of that redirect to the form page's `form-action`. A page puts
/// this in its response's extensions; each entry is a URL origin (`https://idp.example.org`).
#[derive(Debug, Clone, Default)]
pub struct FormTargets(pub Vec<String>);

/// The policy, with `targets` added to `form-action` (anything that is not a plain origin
/// is left out, so no page can widen the policy by accident).
fn content_security_policy(targets: Option<&FormTargets>) -> HeaderValue {
    let origins: Vec<&str> = targets
        .iter()
        .flat_map(|targets| targets.0.iter())
        .map(String::as_str)
        .filter(|origin| {
            (origin.starts_with("https://") || origin.starts_with("http://"))
                && origin.split_once("://").is_some_and(|(_, rest)| {
                    rest.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                    })
                })
        })
        .collect();
    if origins.is_empty() {
        return HeaderValue::from_static(CONTENT_SECURITY_POLICY);
    }
    let widened = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", origins.join(" ")),
    );
    HeaderValue::from_str(&widened).unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY))
}

/// Headers every response carries. Dynamic pages are never cached: they show
/// personal data, and a shared computer's back button must not bring them back.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    // A missing file's error page is not a static file: never cache it.
    let cacheable = is_static && response.status().is_success();
    let policy = content_security_policy(response.extensions().get::<FormTargets>());
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    if state.settings.served_over_tls() {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if cacheable {
        set(headers, header::CACHE_CONTROL, "public, max-age=3600");
    } else {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Turns bare error responses (from `AppError`, the router or a layer) into a page
/// in the visitor's language that shows the request id and nothing internal; under
/// `/api/` into problem details.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let wants_json = request.uri().path().starts_with("/api/");
    let lang = if wants_json {
        problem::lang_of(request.headers())
    } else {
        page::lang_from_headers(request.headers())
    };
    let response = next.run(request).await;
    let status = response.status();
    let explicit = response.extensions().get::<ErrorPage>().copied();
    // Our own answers are HTML pages or JSON bodies; anything else in an error (a
    // framework rejection's plain text, which may quote the input) is replaced.
    let bare = !response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.starts_with("text/html")
                || value.starts_with("application/json")
                || value.starts_with(problem::CONTENT_TYPE)
        });
    if !(status.is_client_error() || status.is_server_error()) || !(bare || explicit.is_some()) {
        return response;
    }
    let message_key = explicit.map_or_else(|| generic_key(status), |page| page.message_key);
    let mut page = render_error(status, message_key, lang, &request_id, wants_json);
    // What the answer said besides its body (cookies, Retry-After, Allow) still holds.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}

fn generic_key(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "error.page.not_found",
        StatusCode::METHOD_NOT_ALLOWED => "error.page.method",
        StatusCode::FORBIDDEN => "error.page.forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "error.page.too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "error.page.media_type",
        StatusCode::TOO_MANY_REQUESTS => "error.page.too_many",
        status if status.is_client_error() => "error.page.bad_form",
        _ => "error.page.internal",
    }
}

fn render_error(
    status: StatusCode,
    message_key: &'static str,
    lang: Lang,
    request_id: &str,
    json: bool,
) -> Response {
    if json {
        return Problem::new(Kind::of_status(status), lang, message_key)
            .at(status)
            .with("request_id", serde_json::json!(request_id))
            .into_response();
    }
    let template = ErrorTemplate {
        lang,
        status: status.as_u16(),
        message: lang.t(message_key),
        request_id,
    };
    match askama::Template::render(&template) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => {
            let mut response = Response::new(Body::from(format!(
                "Error {} (request {request_id})",
                status.as_u16()
            )));
            *response.status_mut() = status;
            response
        }
    }
}
