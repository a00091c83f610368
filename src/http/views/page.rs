//! The `<head>` of Amont's few server-rendered pages (the printable sheet, an attestation's
//! verification, an RSVP answer): their stylesheet is inline, so that a page prints or opens on
//! its own, and is allowed by its hash (`http::security::page_policy`).

use maud::{Markup, PreEscaped, html};

/// Whether search engines may index a page: never one reached by a secret link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Robots {
    Index,
    NoIndex,
}

/// A page's `<head>`: its title and its inline stylesheet.
pub fn head(title: &str, css: &'static str, robots: Robots) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if robots == Robots::NoIndex {
                meta name="robots" content="noindex";
            }
            title { (title) }
            style { (PreEscaped(css)) }
        }
    }
}
