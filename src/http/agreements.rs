//! Recording an agreement moved to `workflow::consent`; these names stay here for the handler
//! modules that still call them from here.

pub use crate::workflow::consent::{Consent, Recorded, Section, record};
