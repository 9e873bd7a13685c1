//! Orders as CSV (RFC 4180), safe to open in a spreadsheet: a cell that a
//! spreadsheet would run as a formula gets a leading apostrophe.
use time::format_description::well_known::Rfc3339;

use crate::db::order_list::OrderLine;

const COLUMNS: [&str; 12] = [
    "order_id",
    "created_at",
    "status",
    "digicert_status",
    "product",
    "given_name",
    "surname",
    "emails",
    "validity_years",
    "not_after",
    "serial_number",
    // Requested by the person through self-service (issue 15 §2).
    "self_service",
];

/// The header row; lists that span institutions start with the institution.
pub fn header(with_institution: bool) -> String {
    let mut out = String::new();
    let institution = with_institution.then(|| "institution".to_owned());
    push_record(
        &mut out,
        institution
            .into_iter()
            .chain(COLUMNS.iter().map(|column| (*column).to_owned())),
    );
    out
}

/// One order; `institution` (its short name) only in lists that span
/// institutions, matching [`header`].
pub fn push_line(out: &mut String, line: &OrderLine, institution: Option<&str>) {
    let when = |at: Option<time::OffsetDateTime>| {
        at.and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_default()
    };
    push_record(
        out,
        institution.map(str::to_owned).into_iter().chain([
            line.id.to_string(),
            when(Some(line.created_at)),
            line.status.as_str().to_owned(),
            line.digicert_status.clone().unwrap_or_default(),
            line.product.as_str().to_owned(),
            line.given_name.clone(),
            line.surname.clone(),
            line.emails.join(" "),
            line.validity_years.to_string(),
            when(line.not_after),
            line.serial_number.clone().unwrap_or_default(),
            line.self_service.to_string(),
        ]),
    );
}

/// One CSV record (RFC 4180) of `cells`, each made safe by [`cell`].
pub fn push_record(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (index, value) in cells.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&cell(&value));
    }
    out.push_str("\r\n");
}

/// One cell: formula triggers neutralised, then quoted when it holds a comma,
/// a quote, a line break or edge spaces.
fn cell(value: &str) -> String {
    let value = crate::domain::bulk_csv::defused(value);
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralised_and_specials_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+381"), "'+381");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Petrović, Ana"), "\"Petrović, Ana\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("plain"), "plain");
    }
}
