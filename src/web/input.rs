//! Text the portal never accepts, refused once where requests enter: a NUL byte
//! or invalid UTF-8 (overlong forms and encoded surrogates included) in the path,
//! the query, or a form or JSON body. Nothing behind this layer sees such text, so
//! no handler can pass it on to PostgreSQL (which refuses NUL) or turn it into
//! U+FFFD, as the URL-encoded form readers do with `%FF`.
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use percent_encoding::percent_decode;

use crate::error::error_response;

/// Largest request body accepted anywhere; forms are far smaller.
pub const BODY_LIMIT: usize = 64 * 1024;

const BAD_TEXT: &str = "error.page.bad_text";

pub async fn refuse_bad_text(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if !decodes_cleanly(uri.path().as_bytes())
        || uri
            .query()
            .is_some_and(|query| !decodes_cleanly(query.as_bytes()))
    {
        return error_response(StatusCode::BAD_REQUEST, BAD_TEXT);
    }
    let Some(kind) = BodyKind::of(request.headers()) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = if let Some(limit) = large_body_limit(parts.uri.path()) {
        // Reading the body fails only when it passes the limit or never ends (the
        // client left, and reads no answer).
        match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => bytes,
            Err(_) => return error_response(StatusCode::PAYLOAD_TOO_LARGE, "error.page.too_large"),
        }
    } else {
        // Read through axum's own extractor, so the body limit is the one every
        // extractor applies (a `DefaultBodyLimit` outside this layer).
        match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return error_response(StatusCode::PAYLOAD_TOO_LARGE, "error.page.too_large");
            }
            Err(_) => return error_response(StatusCode::BAD_REQUEST, "error.page.bad_form"),
        }
    };
    let verdict = match kind {
        BodyKind::Form => decodes_cleanly(&bytes).then_some(()).ok_or(BAD_TEXT),
        BodyKind::Json => json_text_is_clean(&bytes),
    };
    if let Err(message_key) = verdict {
        return error_response(StatusCode::BAD_REQUEST, message_key);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The limit of a route that takes JSON larger than [`BODY_LIMIT`] (its own
/// `DefaultBodyLimit` applies only behind this layer, once it is routed): the API's bulk
/// orders, up to a bulk file's size.
fn large_body_limit(path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["", "api", "v1", "institutions", _, "bulk-orders"]
    )
    .then_some(crate::web::api::bulk::BODY_LIMIT)
}

/// The bodies read as text by anything behind this layer.
enum BodyKind {
    Form,
    Json,
}

impl BodyKind {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/x-www-form-urlencoded" {
            Some(Self::Form)
        } else if essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
        {
            Some(Self::Json)
        } else {
            None
        }
    }
}

/// Whether percent-encoded text (a path, a query, a URL-encoded form) decodes
/// to UTF-8 without NUL. The whole string is decoded at once: its separators are
/// ASCII, which no multi-byte sequence can span, so this holds for every part
/// exactly when it holds for the whole.
fn decodes_cleanly(raw: &[u8]) -> bool {
    percent_decode(raw)
        .decode_utf8()
        .is_ok_and(|text| !text.contains('\0'))
}

/// JSON whose bytes are UTF-8, whose escapes decode (a lone surrogate such as
/// `"\ud800"` does not), and whose strings and keys hold no NUL (`"\u0000"`).
fn json_text_is_clean(raw: &[u8]) -> Result<(), &'static str> {
    if std::str::from_utf8(raw).is_err() {
        return Err(BAD_TEXT);
    }
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| "error.page.bad_form")?;
    if holds_nul(&value) {
        return Err(BAD_TEXT);
    }
    Ok(())
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_text_must_be_utf8_without_nul() {
        assert!(decodes_cleanly(b"q=%C5%A1abac+p%C3%BEt&x=1"));
        assert!(decodes_cleanly(b"broken=%zz&half=%4"));
        for bad in [
            &b"q=%00"[..],
            b"name=%FF",
            b"overlong=%C0%80",
            b"surrogate=%ED%A0%80",
            b"split=%C5&b=%A1",
        ] {
            assert!(!decodes_cleanly(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn json_must_decode_without_nul_or_lone_surrogates() {
        assert_eq!(
            json_text_is_clean(br#"{"name":"\u0160abac \ud83d\ude00"}"#),
            Ok(())
        );
        assert_eq!(json_text_is_clean(br#"{"name":"a\u0000b"}"#), Err(BAD_TEXT));
        assert_eq!(json_text_is_clean(br#"{"a\u0000":1}"#), Err(BAD_TEXT));
        assert_eq!(json_text_is_clean(b"[\"\xff\"]"), Err(BAD_TEXT));
        assert!(json_text_is_clean(br#"["\ud800"]"#).is_err());
        assert!(json_text_is_clean(br#"{"unterminated"#).is_err());
    }
}
