//! One model of an email's body, rendered twice: to plain text and to HTML.
//!
//! A message is a subject and a list of [`Block`]s; each fact is written once, and the two
//! renderings cannot drift apart. User text is carried as is in the text version and escaped in
//! the HTML version (`html-escape`), links included.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attribute, encode_text as escape};
use url::Url;

use super::templates::Rendered;
use crate::domain::Locale;

/// A piece of an email's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of text; `strong` spans are emphasized in HTML.
    Para(Vec<Span>),
    /// A small heading over what follows.
    Heading(String),
    /// User text quoted as is (line breaks kept).
    Quote(String),
    /// A link shown as a button, with the address under it for clients that hide buttons.
    Button { link: Url, label: String },
    /// A sentence that leads to a link: in text the sentence with the address under it, in HTML
    /// the sentence, then the link as a button.
    Link {
        lead: String,
        link: Url,
        label: String,
    },
    /// A list (numbered or not) of lines, each with optional notes under it (shown muted).
    List { numbered: bool, items: Vec<Item> },
    /// A choice of links side by side (an answer to give): `label: address` lines in text,
    /// small buttons in HTML.
    Choices(Vec<(String, Url)>),
}

/// A line of a [`Block::List`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    /// Under the line, its own line breaks kept; empty for none.
    pub notes: String,
}

/// A run of text in a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Plain(String),
    Strong(String),
    /// User text whose line breaks are kept (`<br>` in HTML).
    Lines(String),
    /// A line break inside the paragraph.
    Break,
    /// An address, a link in HTML.
    Address(String),
}

/// A paragraph of plain text.
pub fn para(text: impl Into<String>) -> Block {
    Block::Para(vec![Span::Plain(text.into())])
}

/// `Span::Plain`, shorter.
pub fn plain(text: impl Into<String>) -> Span {
    Span::Plain(text.into())
}

/// `Span::Strong`, shorter.
pub fn strong(text: impl Into<String>) -> Span {
    Span::Strong(text.into())
}

/// Renders `blocks` between the greeting and the signature, in `locale`.
pub fn render(locale: Locale, subject: impl Into<String>, blocks: &[Block]) -> Rendered {
    render_signed(locale, subject, blocks, signature(locale))
}

/// Like [`render`], with a signature of its own.
pub fn render_signed(
    locale: Locale,
    subject: impl Into<String>,
    blocks: &[Block],
    signature: impl Into<String>,
) -> Rendered {
    let subject = subject.into();
    let mut all = Vec::with_capacity(blocks.len() + 2);
    all.push(para(hello(locale)));
    all.extend_from_slice(blocks);
    all.push(para(signature));
    Rendered {
        text: to_text(&all),
        html: page(locale, &subject, &to_html(&all)),
        subject,
    }
}

fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match block {
            Block::Para(spans) => {
                for span in spans {
                    match span {
                        Span::Plain(t) | Span::Strong(t) | Span::Lines(t) | Span::Address(t) => {
                            out.push_str(t)
                        }
                        Span::Break => out.push('\n'),
                    }
                }
                out.push('\n');
            }
            Block::Heading(text) => {
                // The heading sits right above its content.
                let _ = write!(out, "{text}");
            }
            Block::Quote(text) => {
                for line in text.trim().lines() {
                    let _ = writeln!(out, "> {line}");
                }
            }
            Block::Button { link, label } => {
                let _ = writeln!(out, "{label}\n{link}");
            }
            Block::Link { lead, link, .. } => {
                let _ = writeln!(out, "{lead}\n{link}");
            }
            Block::List { items, .. } => {
                for item in items {
                    let _ = writeln!(out, "- {}", item.text);
                    for line in item.notes.lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
            }
            Block::Choices(choices) => {
                for (label, link) in choices {
                    let _ = writeln!(out, "{label}: {link}");
                }
            }
        }
    }
    out
}

fn to_html(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Para(spans) => {
                let mut inner = String::new();
                for span in spans {
                    match span {
                        Span::Plain(t) => inner.push_str(&escape(t)),
                        Span::Strong(t) => {
                            let _ = write!(inner, "<strong>{}</strong>", escape(t));
                        }
                        Span::Lines(t) => inner.push_str(&multiline(t)),
                        Span::Break => inner.push_str("<br>\n"),
                        Span::Address(a) => {
                            let _ = write!(inner, "<a href=\"{}\">{}</a>", attribute(a), escape(a));
                        }
                    }
                }
                paragraph(&mut out, &inner);
            }
            Block::Heading(text) => {
                let _ = writeln!(
                    out,
                    "<p style=\"margin:0 0 4px;font-weight:bold;\">{}</p>",
                    escape(text)
                );
            }
            Block::Quote(text) => {
                let _ = writeln!(
                    out,
                    "<blockquote style=\"margin:0 0 16px;padding:0 0 0 12px;\
                     border-left:3px solid #cbd2d9;color:#3e4c59;\">{}</blockquote>",
                    multiline(text.trim())
                );
            }
            Block::Button { link, label } => button(&mut out, link, label),
            Block::Link { lead, link, label } => {
                paragraph(&mut out, &escape(lead));
                button(&mut out, link, label);
            }
            Block::List { numbered, items } => {
                out.push_str(if *numbered {
                    "<ol style=\"margin:0 0 16px;\">\n"
                } else {
                    "<ul style=\"margin:0 0 16px;padding-left:20px;\">\n"
                });
                for item in items {
                    let _ = write!(out, "<li>{}", escape(&item.text));
                    if !item.notes.is_empty() {
                        let _ = write!(
                            out,
                            "<br>\n<span style=\"color:#52606d;\">{}</span>",
                            multiline(&item.notes)
                        );
                    }
                    out.push_str("</li>\n");
                }
                out.push_str(if *numbered { "</ol>\n" } else { "</ul>\n" });
            }
            Block::Choices(choices) => {
                let shown: Vec<String> = choices
                    .iter()
                    .map(|(label, link)| {
                        format!(
                            "<a href=\"{}\" style=\"display:inline-block;margin:0 8px 8px 0;\
                             padding:8px 14px;background:#1d4ed8;color:#ffffff;\
                             text-decoration:none;border-radius:4px;\">{}</a>",
                            attribute(link.as_str()),
                            escape(label)
                        )
                    })
                    .collect();
                paragraph(&mut out, &shown.join("\n"));
            }
        }
    }
    out
}

/// A paragraph whose content is already HTML.
fn paragraph(out: &mut String, html: &str) {
    let _ = writeln!(out, "<p style=\"margin:0 0 16px;\">{html}</p>");
}

/// A link shown as a button, followed by the address itself for clients that hide buttons.
fn button(out: &mut String, link: &Url, label: &str) {
    let href = attribute(link.as_str());
    let _ = writeln!(
        out,
        "<p style=\"margin:0 0 8px;\"><a href=\"{href}\" style=\"display:inline-block;\
         padding:10px 18px;background:#1d4ed8;color:#ffffff;text-decoration:none;\
         border-radius:4px;\">{}</a></p>\n\
         <p style=\"margin:0 0 16px;font-size:13px;color:#52606d;word-break:break-all;\">\
         <a href=\"{href}\" style=\"color:#52606d;\">{}</a></p>",
        escape(label),
        escape(link.as_str()),
    );
}

/// User text as HTML: escaped, its line breaks kept.
fn multiline(text: &str) -> String {
    text.lines()
        .map(|line| escape(line).to_string())
        .collect::<Vec<_>>()
        .join("<br>\n")
}

fn hello(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "Bonjour,",
        Locale::En => "Hello,",
    }
}

fn signature(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "L’équipe Amont",
        Locale::En => "The Amont team",
    }
}

/// The HTML document around a body: one narrow column, inline styles (what mail clients keep).
fn page(locale: Locale, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n\
         </head>\n<body style=\"margin:0;padding:24px;background:#f6f6f4;\">\n\
         <div style=\"max-width:560px;margin:0 auto;padding:24px;background:#ffffff;\
         font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;\">\n\
         {body}</div>\n</body>\n</html>\n",
        lang = locale.as_str(),
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_model_two_renderings_user_text_escaped_in_html_only() {
        let link: Url = "https://amont.example/x?a=1&b=\"2\"".parse().unwrap();
        let rendered = render(
            Locale::Fr,
            "Sujet <b>",
            &[
                Block::Para(vec![
                    plain("Projet "),
                    strong("<script>x</script>"),
                    plain("."),
                ]),
                Block::Heading("Rôle".into()),
                Block::Quote("ligne 1\nligne <2>".into()),
                Block::Button {
                    link: link.clone(),
                    label: "Ouvrir".into(),
                },
            ],
        );
        assert!(
            rendered
                .text
                .starts_with("Bonjour,\n\nProjet <script>x</script>.\n")
        );
        assert!(rendered.text.contains("Rôle\n> ligne 1\n> ligne <2>\n"));
        assert!(rendered.text.contains(&format!("Ouvrir\n{link}\n")));
        assert!(rendered.text.ends_with("L’équipe Amont\n"));
        assert!(
            rendered
                .html
                .contains("<strong>&lt;script&gt;x&lt;/script&gt;</strong>")
        );
        assert!(rendered.html.contains("ligne 1<br>\nligne &lt;2&gt;"));
        assert!(rendered.html.contains("<title>Sujet &lt;b&gt;</title>"));
        assert!(!rendered.html.contains("<script>"));
        assert!(
            rendered
                .html
                .contains("href=\"https://amont.example/x?a=1&amp;b=%222%22\"")
        );
    }
}
