//! Authentication and authorization: magic links, sessions and API tokens, the current user
//! extractor with its same-origin rule, rate limits, and who may see and do what in a project.

pub mod access;
pub mod extract;
pub mod links;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;

pub use access::ProjectAccess;
pub use extract::CurrentUser;
pub use rate_limit::RateLimits;
