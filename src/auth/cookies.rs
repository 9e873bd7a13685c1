//! The portal's cookies: read from a request, written under the `__Host-` rules
//! (Secure, Path=/, no Domain), and a layer that holds every `__Host-` cookie the
//! portal sends to those rules, the session's removal cookie included.
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::cookie::{Cookie, SameSite};

const HOST_PREFIX: &str = "__Host-";

/// A single-use link's token, moved out of the URL into a short-lived cookie
/// until the page that spends it: no server-side state for a link merely opened.
pub struct LinkCookie {
    name: &'static str,
}

/// An invitation's token, from `/invite/{token}` to the registration form.
pub const INVITATION: LinkCookie = LinkCookie {
    name: "__Host-tcs_invite",
};
/// A person's token, from `/enroll/{token}` to the mailbox confirmation.
pub const ENROLLMENT_LINK: LinkCookie = LinkCookie {
    name: "__Host-tcs_link",
};

/// Holds the browser's half of an outstanding SAML request. The IdP's answer arrives as a
/// cross-site POST, which carries only `SameSite=None` cookies, so this one is; it holds
/// nothing but a random value whose hash names the request, and the request is single use.
pub const SAML_REQUEST: &str = "__Host-tcs_saml";

/// As long as a person may take at their IdP.
const SAML_REQUEST_LIFETIME: time::Duration = time::Duration::minutes(10);

pub fn saml_request(secret: &str) -> HeaderValue {
    let mut cookie = host_cookie(Cookie::new(SAML_REQUEST, secret.to_owned()));
    cookie.set_same_site(SameSite::None);
    cookie.set_max_age(SAML_REQUEST_LIFETIME);
    header_value(&cookie)
}

/// As long as an idle session lasts: enough to fill in the form, not more.
const LINK_COOKIE_LIFETIME: time::Duration = crate::auth::session::IDLE_TIMEOUT;

impl LinkCookie {
    /// The token the browser brought, if it looks like one of ours.
    pub fn read(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.name).filter(|token| crate::crypto::tokens::looks_valid(token))
    }

    /// Keeps `token`; anything that is not shaped like our tokens is not kept
    /// (and so is never written into a header).
    pub fn remember(&self, token: &str) -> HeaderValue {
        if crate::crypto::tokens::looks_valid(token) {
            set(self.name, token, Some(LINK_COOKIE_LIFETIME))
        } else {
            self.forget()
        }
    }

    pub fn forget(&self) -> HeaderValue {
        clear(self.name)
    }
}

/// The value of the request's cookie `name`, if it sent one.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

/// A `Set-Cookie` value for `name`: HttpOnly, SameSite=Lax, and the `__Host-` rules.
/// Without `max_age` it lasts until the browser closes.
pub fn set(name: &str, value: &str, max_age: Option<time::Duration>) -> HeaderValue {
    let mut cookie = host_cookie(Cookie::new(name.to_owned(), value.to_owned()));
    if let Some(max_age) = max_age {
        cookie.set_max_age(max_age);
    }
    header_value(&cookie)
}

/// A `Set-Cookie` value that makes the browser forget `name`.
pub fn clear(name: &str) -> HeaderValue {
    let mut cookie = host_cookie(Cookie::new(name.to_owned(), ""));
    cookie.make_removal();
    header_value(&cookie)
}

fn host_cookie(mut cookie: Cookie<'static>) -> Cookie<'static> {
    cookie.set_secure(true);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.unset_domain();
    cookie
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // Names and values are ours (fixed names, base64url or numeric values),
    // which are always valid header text.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Browsers ignore a `__Host-` cookie that is not Secure with Path=/ and no
/// Domain, and would then keep the one it was meant to replace. tower-sessions
/// builds its removal cookie (logout) from the bare request cookie, without
/// `Secure`; this layer gives every `__Host-` cookie the portal's attributes
/// (those rules, HttpOnly, SameSite=Lax unless it says None) before it leaves.
pub async fn host_prefix_rules(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let outgoing: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if !outgoing.iter().any(is_host_cookie) {
        return response;
    }
    headers.remove(header::SET_COOKIE);
    for value in outgoing {
        let fixed = match value.to_str().ok().map(Cookie::parse) {
            Some(Ok(cookie)) if cookie.name().starts_with(HOST_PREFIX) => {
                // The one cross-site cookie (SAML_REQUEST) keeps SameSite=None.
                let cross_site = cookie.same_site() == Some(SameSite::None);
                let mut cookie = host_cookie(cookie.into_owned());
                if cross_site {
                    cookie.set_same_site(SameSite::None);
                }
                header_value(&cookie)
            }
            _ => value,
        };
        headers.append(header::SET_COOKIE, fixed);
    }
    response
}

fn is_host_cookie(value: &HeaderValue) -> bool {
    value.as_bytes().starts_with(HOST_PREFIX.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_follow_the_host_prefix_rules() {
        let value = set("__Host-x", "abc", Some(time::Duration::minutes(30)));
        let text = value.to_str().unwrap_or_default();
        for attribute in [
            "__Host-x=abc",
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=1800",
        ] {
            assert!(text.contains(attribute), "{attribute} missing in {text}");
        }
        let cleared = clear("__Host-x");
        let text = cleared.to_str().unwrap_or_default();
        assert!(
            text.starts_with("__Host-x=;") && text.contains("Max-Age=0") && text.contains("Secure")
        );
    }

    #[test]
    fn a_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-x=two; b=3"),
        );
        assert_eq!(read(&headers, "__Host-x").as_deref(), Some("two"));
        assert_eq!(read(&headers, "c"), None);
    }
}
