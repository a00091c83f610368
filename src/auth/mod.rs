//! Authentication and authorization: magic links, sessions and API tokens, rate limits, and who
//! may see and do what in a project. (The current-user extractor, an HTTP concern, is
//! `http::extract`.)

pub mod access;
pub mod links;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;

pub use access::{AccessError, ProjectAccess};
pub use rate_limit::{RateLimited, RateLimits};
