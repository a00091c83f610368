//! Rate limits on the login endpoints, per email address and per client IP (GCRA, `governor`).
//! They are per server instance, kept in memory: enough to stop a script from mailing someone a
//! hundred links, which is what they are for.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::http::ApiError;

pub struct RateLimits {
    link_per_address: DefaultKeyedRateLimiter<String>,
    login_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

/// `burst` requests at once, then one every `period / burst`.
fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period / burst.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl RateLimits {
    /// Production limits: 5 links per address and 30 login requests per IP per 15 minutes.
    pub fn new() -> Self {
        Self::with(5, 30, Duration::from_secs(15 * 60))
    }

    pub fn with(per_address: u32, per_ip: u32, period: Duration) -> Self {
        RateLimits {
            link_per_address: RateLimiter::keyed(quota(per_address, period)),
            login_per_ip: RateLimiter::keyed(quota(per_ip, period)),
        }
    }

    pub fn check_address(&self, address: &str) -> Result<(), ApiError> {
        check(&self.link_per_address, &address.to_owned())
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.login_per_ip, &ip)
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::new()
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::RateLimited {
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
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=300).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        // Another address has its own budget.
        limits.check_address("c@d.fr").unwrap();
    }
}
