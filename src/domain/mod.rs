//! Pure rules of the domain: no I/O, no framework, no clock (`now` is passed in).

pub mod asking;
pub mod content;
pub mod follow_up;
pub mod gate;
pub mod input;
pub mod locale;
pub mod meeting;
pub mod organization;
pub mod partners_time;
pub mod partnership;
pub mod project;
pub mod proof;
pub mod rsvp;
pub mod slots;
pub mod state;
pub mod todo;

pub use locale::Locale;
