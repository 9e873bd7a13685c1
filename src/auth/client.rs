//! Who is asking: the client's address (believing `X-Forwarded-For` only from
//! trusted proxies), and its share of the server (requests in progress at once).
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::error::error_response;
use crate::state::AppState;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, as this layer worked it out; every per-client limit
/// and the audit log use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Works out the client's address, then admits the request once that address
/// has fewer than its budget of requests in progress; a request that waited in
/// vain is refused with 429. Both come before any session, form or database work.
pub async fn admit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let ip = client_address(
        peer.ip(),
        request.headers(),
        &state.settings.clients.trusted_proxies,
    );
    request.extensions_mut().insert(ClientIp(ip));
    let Some(_permit) = state.requests_in_flight.admit(ip).await else {
        let mut refused = error_response(StatusCode::TOO_MANY_REQUESTS, "error.page.busy");
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return refused;
    };
    next.run(request).await
}

/// The address of the client behind `peer`. Only a trusted proxy's
/// `X-Forwarded-For` is read: it lists the addresses each proxy saw, nearest
/// last, so from the right each trusted proxy vouches for the entry before it,
/// and the first address that is not a trusted proxy is the client's. What lies
/// further left was written by the client and proves nothing.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|network| network.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    // Several headers read as one list, in order; so the last header's last entry is nearest.
    let hops = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .rev()
        .flat_map(|value| value.to_str().unwrap_or_default().rsplit(','));
    for hop in hops {
        // Something that is not an address: keep the last proxy that we trust.
        let Some(address) = parse_hop(hop.trim()) else {
            break;
        };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

/// An entry of `X-Forwarded-For`: an address, possibly with a port (`[::1]:443`).
fn parse_hop(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or_else(|_| unreachable!("test address {text}"))
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                X_FORWARDED_FOR,
                HeaderValue::from_str(value).unwrap_or_else(|_| unreachable!()),
            );
        }
        headers
    }

    fn proxies() -> Vec<IpNet> {
        vec![
            "10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!()),
            "192.0.2.1/32".parse().unwrap_or_else(|_| unreachable!()),
        ]
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers, &proxies()),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers, &[]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        // The client wrote "1.1.1.1"; the first proxy appended what it saw.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9, 10.1.2.3"]);
        assert_eq!(
            client_address(ip("192.0.2.1"), &headers, &proxies()),
            ip("203.0.113.9")
        );
        // The same, split over two headers.
        let headers = forwarded(&["1.1.1.1", "203.0.113.9, 10.1.2.3"]);
        assert_eq!(
            client_address(ip("192.0.2.1"), &headers, &proxies()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_understood() {
        let headers = forwarded(&["[2001:db8::1]:4711"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies()),
            ip("2001:db8::1")
        );
        let headers = forwarded(&["203.0.113.9:80"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &headers, &proxies()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn garbage_or_no_header_leaves_the_nearest_trusted_address() {
        let headers = forwarded(&["not-an-address, 10.9.9.9"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies()),
            ip("10.9.9.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &HeaderMap::new(), &proxies()),
            ip("10.0.0.1")
        );
    }
}
