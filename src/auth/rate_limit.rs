//! Rate limits on the login endpoints, per email address and per client (GCRA, `governor`).
//! They are per server instance, kept in memory: enough to stop a script from mailing someone a
//! hundred links, which is what they are for.
//!
//! A client is an IPv4 address or an IPv6 /64 (one household or office: its machines pick any
//! interface identifier they like inside it). Asking for a link and using one have separate
//! budgets (`AMONT_LOGIN_LIMIT_PER_IP` each, per 15 minutes), so that a Monday morning of an
//! office behind one NAT address asking for links does not also stop it from logging in.
//! Which address is the client's, behind a reverse proxy, is `http::client_ip`'s business.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Settings;

/// The period every login budget is counted over.
const PERIOD: Duration = Duration::from_secs(15 * 60);
/// Links one address may be sent per period.
const LINKS_PER_ADDRESS: u32 = 5;

pub struct RateLimits {
    link_per_address: DefaultKeyedRateLimiter<String>,
    link_per_client: DefaultKeyedRateLimiter<IpAddr>,
    session_per_client: DefaultKeyedRateLimiter<IpAddr>,
}

/// `burst` requests at once, then one every `period / burst`.
fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period / burst.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// Over a limit: how long to wait before the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests: try again in {retry_after_secs} s")]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & (u128::MAX << 64);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl RateLimits {
    /// The default limits (those of default settings).
    pub fn new() -> Self {
        Self::default()
    }

    /// The limits of the settings: 5 links per address, `AMONT_LOGIN_LIMIT_PER_IP` per client
    /// and endpoint, per 15 minutes.
    pub fn from_settings(settings: &Settings) -> Self {
        Self::with(LINKS_PER_ADDRESS, settings.login_limit_per_ip, PERIOD)
    }

    pub fn with(per_address: u32, per_client: u32, period: Duration) -> Self {
        RateLimits {
            link_per_address: RateLimiter::keyed(quota(per_address, period)),
            link_per_client: RateLimiter::keyed(quota(per_client, period)),
            session_per_client: RateLimiter::keyed(quota(per_client, period)),
        }
    }

    pub fn check_address(&self, address: &str) -> Result<(), RateLimited> {
        check(&self.link_per_address, &address.to_owned())
    }

    /// A client asks for a login link (`POST /api/auth/magic-link`).
    pub fn check_link_request(&self, ip: IpAddr) -> Result<(), RateLimited> {
        check(&self.link_per_client, &client_key(ip))
    }

    /// A client uses a link (`POST /api/auth/session`).
    pub fn check_session_request(&self, ip: IpAddr) -> Result<(), RateLimited> {
        check(&self.session_per_client, &client_key(ip))
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::with(LINKS_PER_ADDRESS, 60, PERIOD)
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), RateLimited> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })?;
    // Forget idle keys now and then, so memory stays bounded.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_passes_then_the_next_is_refused_with_a_delay() {
        let limits = RateLimits::with(3, 100, Duration::from_secs(900));
        for _ in 0..3 {
            limits.check_address("a@b.fr").unwrap();
        }
        match limits.check_address("a@b.fr") {
            Err(RateLimited { retry_after_secs }) => {
                assert!((1..=300).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        // Another address has its own budget.
        limits.check_address("c@d.fr").unwrap();
    }

    #[test]
    fn asking_and_using_links_have_their_own_budgets() {
        let limits = RateLimits::with(5, 2, Duration::from_secs(900));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        limits.check_link_request(ip).unwrap();
        limits.check_link_request(ip).unwrap();
        assert!(limits.check_link_request(ip).is_err());
        limits.check_session_request(ip).unwrap();
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let key = |s: &str| client_key(s.parse().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}
