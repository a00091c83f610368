//! The decisions register as CSV: one row per decision, positions and actions summarized, UTF-8
//! with a byte-order mark so that Excel opens accents correctly. French uses `;` as separator and
//! French labels, as French Excel expects; English uses `,`.

use chrono_tz::Europe::Paris;

use crate::db::follow_up::DecisionView;
use crate::domain::Locale;
use crate::http::sheet::label;

/// The CSV bytes, BOM included.
pub fn render(decisions: &[DecisionView], locale: Locale) -> Result<Vec<u8>, csv::Error> {
    let (delimiter, header) = match locale {
        Locale::Fr => (
            b';',
            [
                "Date",
                "Réunion",
                "Décision",
                "Statut",
                "Texte",
                "Positions",
                "Actions",
            ],
        ),
        Locale::En => (
            b',',
            [
                "Date",
                "Meeting",
                "Decision",
                "Status",
                "Text",
                "Positions",
                "Actions",
            ],
        ),
    };
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut out);
        writer.write_record(header)?;
        for d in decisions {
            let positions: Vec<String> = d
                .positions
                .iter()
                .map(|p| {
                    let mut s = format!("{} : {}", p.organization_name, label(&p.position, locale));
                    if let Some(c) = &p.comment {
                        s.push_str(&format!(" ({c})"));
                    }
                    s
                })
                .collect();
            let actions: Vec<String> = d
                .actions
                .iter()
                .map(|a| {
                    format!(
                        "{} — {} — {} — {}",
                        a.title,
                        a.owner_organization_name,
                        a.due_on.format("%Y-%m-%d"),
                        label(&a.status, locale)
                    )
                })
                .collect();
            writer.write_record([
                d.created_at
                    .with_timezone(&Paris)
                    .format("%Y-%m-%d")
                    .to_string(),
                d.meeting_title.clone(),
                d.title.clone(),
                label(&d.status, locale).to_owned(),
                d.text.clone(),
                positions.join(" ; "),
                actions.join(" ; "),
            ])?;
        }
        writer.flush()?;
    }
    Ok(out)
}
