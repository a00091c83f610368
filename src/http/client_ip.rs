//! Which address a request comes from: the TCP peer, unless the peer is a reverse proxy we trust
//! (`AMONT_TRUSTED_PROXIES`), in which case `X-Forwarded-For` says it.
//!
//! Anyone can write `X-Forwarded-For`, so it is read from the right: each proxy appends the
//! address it received the request from. Walking back from the peer, addresses of trusted
//! proxies are skipped; the first one that is not trusted is the client. What a client wrote
//! itself is further left and never reached, so nobody picks their own rate-limit bucket. An
//! entry that does not parse stops the walk at the last address we could believe.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The client's address, or `None` when actix knows no peer (a test request).
pub fn of(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(resolve(peer, req.headers(), trusted))
}

/// The client of a request from `peer` with these headers.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    // Several headers are one list, in order (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn client(peer: &str, values: &[&str], trusted: &[&str]) -> String {
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        resolve(peer.parse().unwrap(), &headers(values), &trusted).to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        assert_eq!(
            client("198.51.100.9", &["203.0.113.1"], &[]),
            "198.51.100.9"
        );
        assert_eq!(
            client("198.51.100.9", &["203.0.113.1"], &["10.0.0.0/8"]),
            "198.51.100.9"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = ["10.0.0.0/8", "127.0.0.1/32"];
        assert_eq!(
            client("10.0.0.2", &["203.0.113.7"], &trusted),
            "203.0.113.7"
        );
        // What the client wrote itself is left of what our proxy appended.
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4, 203.0.113.7"], &trusted),
            "203.0.113.7"
        );
        // Two proxies of ours in a row; and the list split over two headers.
        assert_eq!(
            client(
                "127.0.0.1",
                &["198.51.100.4", "203.0.113.7, 10.0.0.3"],
                &trusted
            ),
            "203.0.113.7"
        );
        // Only proxies: the farthest one is all we know.
        assert_eq!(client("10.0.0.2", &["10.0.0.9"], &trusted), "10.0.0.9");
        // No header: the proxy itself.
        assert_eq!(client("10.0.0.2", &[], &trusted), "10.0.0.2");
        // Garbage stops the walk at the last address believed.
        assert_eq!(
            client("10.0.0.2", &["203.0.113.7, junk"], &trusted),
            "10.0.0.2"
        );
        // Ports and IPv6, and a dual-stack peer.
        assert_eq!(
            client("10.0.0.2", &["[2001:db8::1]:4711"], &trusted),
            "2001:db8::1"
        );
        assert_eq!(
            client("::ffff:10.0.0.2", &["203.0.113.7:80"], &trusted),
            "203.0.113.7"
        );
    }
}
