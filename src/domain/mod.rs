//! Pure rules of the domain: no I/O, no framework, no clock (`now` is passed in).

pub mod content;
pub mod locale;

pub use locale::Locale;
