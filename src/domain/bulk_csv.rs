//! A CSV of orders as an admin uploads it for bulk ordering: read into rows of cells,
//! each row then parsed by the single order's own parser ([`NewOrder`] from
//! [`OrderForm`]), so a row is accepted exactly when the same values typed into the order
//! form would be.
//!
//! What is read (README "Bulk orders" says the same to admins):
//! - UTF-8, with or without a byte-order mark; anything else, or text holding control
//!   characters other than tab and line breaks (a binary file), is refused whole;
//! - the delimiter is a semicolon when the header line holds more semicolons than commas
//!   (Excel in a Serbian locale), a comma otherwise; lines may end in CRLF, LF or CR, mixed,
//!   and a quoted cell may span lines;
//! - the first line names the columns, in English or Serbian, in any order and case
//!   ([`Column::recognise`]); a name given twice, or a name that is none of them, refuses
//!   the file (a column silently ignored would lose what the admin meant); `profile` may
//!   be left out (only Secure Email needs it), the others must be there;
//! - several addresses of one certificate share one cell, separated as on the order form
//!   (spaces, commas or semicolons: the cell must then be quoted when its separator is the
//!   file's delimiter);
//! - rows whose cells are all empty are skipped; at most [`MAX_ROWS`] rows, [`MAX_BYTES`]
//!   bytes, and [`MAX_CELL_BYTES`] bytes a cell;
//! - a cell starting with `=`, `+`, `-` or `@` (what a spreadsheet runs as a formula) is
//!   refused in its row, whatever its column.
use serde::{Deserialize, Serialize};

use super::invalid::InvalidFields;
use super::order::{NewOrder, OrderForm};

/// The largest file read: 10,000 rows of a few addresses fit in a tenth of it.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most rows one upload may hold.
pub const MAX_ROWS: usize = 10_000;
/// The longest cell read; a few addresses or a name are far shorter.
pub const MAX_CELL_BYTES: usize = 4 * 1024;

/// The columns of a bulk CSV, each one field of the order form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Emails,
    GivenName,
    Surname,
    Product,
    Profile,
    Validity,
}

impl Column {
    /// In the order of the template.
    pub const ALL: [Self; 6] = [
        Self::Emails,
        Self::GivenName,
        Self::Surname,
        Self::Product,
        Self::Profile,
        Self::Validity,
    ];

    /// The order form's field this column fills, which is also the key of its errors.
    pub fn field(self) -> &'static str {
        match self {
            Self::Emails => "emails",
            Self::GivenName => "given_name",
            Self::Surname => "surname",
            Self::Product => "product",
            Self::Profile => "profile_type",
            Self::Validity => "validity_years",
        }
    }

    /// The column's name in the template: English, or Serbian (Latin).
    pub fn template_name(self, serbian: bool) -> &'static str {
        match (self, serbian) {
            (Self::Emails, false) => "email",
            (Self::GivenName, false) => "given name",
            (Self::Surname, false) => "surname",
            (Self::Product, false) => "product",
            (Self::Profile, false) => "profile",
            (Self::Validity, false) => "validity",
            (Self::Emails, true) => "e-pošta",
            (Self::GivenName, true) => "ime",
            (Self::Surname, true) => "prezime",
            (Self::Product, true) => "proizvod",
            (Self::Profile, true) => "profil",
            (Self::Validity, true) => "važenje",
        }
    }

    /// The column a header cell names, compared trimmed, in lower case, with `_` read as
    /// a space. English: `email`, `emails`, `e-mail`, `e-mails`, `given name`,
    /// `first name`, `surname`, `last name`, `family name`, `product`, `profile`,
    /// `profile type`, `validity`, `validity years`, `years`. Serbian: `e-pošta`,
    /// `e-posta`, `adresa`, `adrese`, `ime`, `prezime`, `proizvod`, `profil`, `važenje`,
    /// `vazenje`, `godine`.
    pub fn recognise(header: &str) -> Option<Self> {
        let name = header
            .trim()
            .to_lowercase()
            .replace('_', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Some(match name.as_str() {
            "email" | "emails" | "e-mail" | "e-mails" | "e-pošta" | "e-posta" | "adresa"
            | "adrese" => Self::Emails,
            "given name" | "first name" | "ime" => Self::GivenName,
            "surname" | "last name" | "family name" | "prezime" => Self::Surname,
            "product" | "proizvod" => Self::Product,
            "profile" | "profile type" | "profil" => Self::Profile,
            "validity" | "validity years" | "years" | "važenje" | "vazenje" | "godine" => {
                Self::Validity
            }
            _ => return None,
        })
    }
}

/// One row of the file: its line there and its cells as typed, one per column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRow {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    pub emails: String,
    pub given_name: String,
    pub surname: String,
    pub product: String,
    pub profile_type: String,
    pub validity_years: String,
}

impl BulkRow {
    fn cell_mut(&mut self, column: Column) -> &mut String {
        match column {
            Column::Emails => &mut self.emails,
            Column::GivenName => &mut self.given_name,
            Column::Surname => &mut self.surname,
            Column::Product => &mut self.product,
            Column::Profile => &mut self.profile_type,
            Column::Validity => &mut self.validity_years,
        }
    }

    pub fn cell(&self, column: Column) -> &str {
        match column {
            Column::Emails => &self.emails,
            Column::GivenName => &self.given_name,
            Column::Surname => &self.surname,
            Column::Product => &self.product,
            Column::Profile => &self.profile_type,
            Column::Validity => &self.validity_years,
        }
    }

    /// The row as an order: refused cells that a spreadsheet would run as a formula,
    /// then the order form's own parser. `idempotency_key` names the order within its
    /// institution, so a row can be placed only once.
    pub fn order(&self, idempotency_key: &str) -> Result<NewOrder, InvalidFields> {
        let mut invalid = InvalidFields::default();
        for column in Column::ALL {
            if self.cell(column).trim_start().starts_with(FORMULA_STARTS) {
                invalid.add(column.field(), "error.bulk.formula");
            }
        }
        let form = OrderForm {
            product: self.product.trim().to_owned(),
            profile_type: self.profile_type.trim().to_owned(),
            emails: self.emails.clone(),
            given_name: self.given_name.clone(),
            surname: self.surname.clone(),
            validity_years: self.validity_years.clone(),
            csr: String::new(),
            idempotency_key: idempotency_key.to_owned(),
        };
        match NewOrder::try_from(&form) {
            Ok(order) if invalid.is_empty() => Ok(order),
            Ok(_) => Err(invalid),
            Err(refused) => {
                for (field, key) in refused.iter() {
                    invalid.add(field, key);
                }
                Err(invalid)
            }
        }
    }
}

/// What starts a formula in a spreadsheet (OWASP "CSV injection").
const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// A cell of a CSV the portal writes, made safe to open in a spreadsheet: one that would
/// run as a formula (its start, or a tab or carriage return some spreadsheets also
/// read so) gets a leading apostrophe.
pub fn defused(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) || value.starts_with(['\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// Why a whole file is refused; nothing of it is kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvRefusal {
    #[error("the file is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the file holds control characters: not a CSV")]
    Binary,
    #[error("the file has no header line")]
    NoHeader,
    #[error("the file has a header but no rows")]
    NoRows,
    #[error("the file has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the column {0} is named twice")]
    DuplicateColumn(String),
    #[error("the column {0} is unknown")]
    UnknownColumn(String),
    #[error("a required column is missing: {0}")]
    MissingColumn(&'static str),
    #[error("line {0}: a cell is longer than {MAX_CELL_BYTES} bytes")]
    CellTooLong(u64),
    #[error("line {0}: more cells than columns")]
    ExtraCells(u64),
    #[error("line {0}: the CSV cannot be read there")]
    Malformed(u64),
}

impl CsvRefusal {
    /// The catalogue key of the message saying what is wrong with the file.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::TooLarge => "error.bulk.too_large",
            Self::NotUtf8 => "error.bulk.not_utf8",
            Self::Binary => "error.bulk.binary",
            Self::NoHeader => "error.bulk.no_header",
            Self::NoRows => "error.bulk.no_rows",
            Self::TooManyRows => "error.bulk.too_many_rows",
            Self::DuplicateColumn(_) => "error.bulk.duplicate_column",
            Self::UnknownColumn(_) => "error.bulk.unknown_column",
            Self::MissingColumn(_) => "error.bulk.missing_column",
            Self::CellTooLong(_) => "error.bulk.cell_too_long",
            Self::ExtraCells(_) => "error.bulk.extra_cells",
            Self::Malformed(_) => "error.bulk.malformed",
        }
    }

    /// What the message is about: a column's name or a line number.
    pub fn subject(&self) -> Option<String> {
        match self {
            Self::DuplicateColumn(name) | Self::UnknownColumn(name) => Some(name.clone()),
            Self::MissingColumn(name) => Some((*name).to_owned()),
            Self::CellTooLong(line) | Self::ExtraCells(line) | Self::Malformed(line) => {
                Some(line.to_string())
            }
            _ => None,
        }
    }
}

/// Reads an uploaded file into its rows, or refuses it whole.
pub fn parse(bytes: &[u8]) -> Result<Vec<BulkRow>, CsvRefusal> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvRefusal::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| CsvRefusal::NotUtf8)?;
    if text.chars().any(binary) {
        return Err(CsvRefusal::Binary);
    }
    // One line break, so the reader's line numbers are the ones an editor shows whatever
    // the file's mix; inside a quoted cell a break stays a break.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let header_line = text.split('\n').next().unwrap_or_default();
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => return Err(CsvRefusal::NoHeader),
            Some(Err(error)) => return Err(malformed(&error)),
            Some(Ok(record)) if record.iter().all(|cell| cell.trim().is_empty()) => {}
            Some(Ok(record)) => break record,
        }
    };
    let columns = columns_of(&header)?;
    let mut rows = Vec::new();
    // The reader does not count the blank lines it skips: lines are counted here, up to
    // the first byte of each record.
    let (mut line, mut counted_to) = (1, 0);
    for record in records {
        let record = record.map_err(|error| malformed(&error))?;
        let start = record
            .position()
            .and_then(|position| usize::try_from(position.byte()).ok())
            .unwrap_or(counted_to)
            .clamp(counted_to, text.len());
        // A record's position is where reading it began, before the blank lines skipped.
        let start = start
            + text.as_bytes()[start..]
                .iter()
                .take_while(|byte| **byte == b'\n')
                .count();
        line += bytecount(&text.as_bytes()[counted_to..start]);
        counted_to = start;
        if let Some(_long) = record.iter().find(|cell| cell.len() > MAX_CELL_BYTES) {
            return Err(CsvRefusal::CellTooLong(line));
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut row = BulkRow {
            line,
            ..BulkRow::default()
        };
        for (index, cell) in record.iter().enumerate() {
            match columns.get(index).copied().flatten() {
                Some(column) => cell.clone_into(row.cell_mut(column)),
                None if cell.trim().is_empty() => {}
                None => return Err(CsvRefusal::ExtraCells(line)),
            }
        }
        if rows.len() == MAX_ROWS {
            return Err(CsvRefusal::TooManyRows);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(CsvRefusal::NoRows);
    }
    Ok(rows)
}

/// A character no text file holds: a control character other than tab and line breaks.
fn binary(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Rows that came otherwise than in a file (the API's JSON list), held to a file's
/// limits: at least one row and at most [`MAX_ROWS`], cells of at most
/// [`MAX_CELL_BYTES`] and free of what no text file holds.
pub fn within_limits(rows: Vec<BulkRow>) -> Result<Vec<BulkRow>, CsvRefusal> {
    if rows.is_empty() {
        return Err(CsvRefusal::NoRows);
    }
    if rows.len() > MAX_ROWS {
        return Err(CsvRefusal::TooManyRows);
    }
    for row in &rows {
        let cells = Column::ALL.map(|column| row.cell(column));
        if cells.iter().any(|cell| cell.len() > MAX_CELL_BYTES) {
            return Err(CsvRefusal::CellTooLong(row.line));
        }
        if cells.iter().any(|cell| cell.chars().any(binary)) {
            return Err(CsvRefusal::Binary);
        }
    }
    Ok(rows)
}

fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|byte| **byte == b'\n').count() as u64
}

fn malformed(error: &csv::Error) -> CsvRefusal {
    CsvRefusal::Malformed(error.position().map_or(0, csv::Position::line))
}

/// Each header cell's column; `None` for an empty header cell, whose column must stay
/// empty (spreadsheets write trailing delimiters).
fn columns_of(header: &csv::StringRecord) -> Result<Vec<Option<Column>>, CsvRefusal> {
    let mut columns = Vec::new();
    for name in header {
        if name.trim().is_empty() {
            columns.push(None);
            continue;
        }
        let shown: String = name.trim().chars().take(60).collect();
        let column = Column::recognise(name).ok_or(CsvRefusal::UnknownColumn(shown.clone()))?;
        if columns.contains(&Some(column)) {
            return Err(CsvRefusal::DuplicateColumn(shown));
        }
        columns.push(Some(column));
    }
    for column in Column::ALL {
        if column != Column::Profile && !columns.contains(&Some(column)) {
            return Err(CsvRefusal::MissingColumn(column.template_name(false)));
        }
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "email,given name,surname,product,profile,validity";

    #[test]
    fn semicolons_in_the_header_make_the_delimiter_and_a_bom_is_dropped() {
        let file = "\u{FEFF}e-pošta;Ime;Prezime;Proizvod;Profil;Važenje\r\n\
                    \"ana@etf.bg.ac.rs, ana.anic@etf.bg.ac.rs\";Ana;Anić;client_premium;;2\r\n";
        let rows = parse(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].emails, "ana@etf.bg.ac.rs, ana.anic@etf.bg.ac.rs");
        assert_eq!(rows[0].surname, "Anić");
        assert_eq!(rows[0].line, 2);
        let order = rows[0].order("k").unwrap();
        assert_eq!(order.emails.as_slice().len(), 2);
    }

    #[test]
    fn mixed_line_endings_and_quoted_newlines_keep_rows_and_their_lines() {
        let file = format!(
            "{HEADER}\n\"a@etf.bg.ac.rs\nb@etf.bg.ac.rs\",Ana,Anić,client_premium,,1\r\n\
             c@etf.bg.ac.rs,Petar,Petrović,client_premium,,1\r\r\
             d@etf.bg.ac.rs,Mila,Milić,client_premium,,1"
        );
        let rows = parse(file.as_bytes()).unwrap();
        let lines: Vec<u64> = rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert_eq!(rows[0].emails, "a@etf.bg.ac.rs\nb@etf.bg.ac.rs");
    }

    #[test]
    fn a_formula_cell_is_refused_in_its_row_whatever_the_column() {
        let row = BulkRow {
            emails: "ana@etf.bg.ac.rs".to_owned(),
            given_name: "=HYPERLINK(\"x\")".to_owned(),
            surname: "Anić".to_owned(),
            product: "client_premium".to_owned(),
            validity_years: "@1".to_owned(),
            ..BulkRow::default()
        };
        let invalid = row.order("k").unwrap_err();
        assert_eq!(invalid.get("given_name"), Some("error.bulk.formula"));
        assert_eq!(invalid.get("validity_years"), Some("error.bulk.formula"));
    }

    #[test]
    fn headers_twice_unknown_or_missing_refuse_the_file() {
        let twice = "email,E-mail,given name,surname,product,validity\n";
        assert_eq!(
            parse(twice.as_bytes()),
            Err(CsvRefusal::DuplicateColumn("E-mail".to_owned()))
        );
        let unknown = format!("{HEADER},department\n");
        assert_eq!(
            parse(unknown.as_bytes()),
            Err(CsvRefusal::UnknownColumn("department".to_owned()))
        );
        assert_eq!(
            parse(b"email,given name,surname,product\n"),
            Err(CsvRefusal::MissingColumn("validity"))
        );
    }

    #[test]
    fn binary_non_utf8_and_oversized_input_is_refused_whole() {
        assert_eq!(parse(b"\x89PNG\r\n\x1a\n\0\0"), Err(CsvRefusal::NotUtf8));
        assert_eq!(
            parse(format!("{HEADER}\n\0,a\n").as_bytes()),
            Err(CsvRefusal::Binary)
        );
        let long = format!("{HEADER}\n{},A,B,client_premium,,1\n", "a".repeat(5000));
        assert_eq!(parse(long.as_bytes()), Err(CsvRefusal::CellTooLong(2)));
        assert_eq!(parse(&vec![b'a'; MAX_BYTES + 1]), Err(CsvRefusal::TooLarge));
    }

    #[test]
    fn more_than_the_row_limit_is_refused_and_the_limit_itself_is_read() {
        let row = "a@etf.bg.ac.rs,Ana,Anić,client_premium,,1\n";
        let at_limit = format!("{HEADER}\n{}", row.repeat(MAX_ROWS));
        assert_eq!(parse(at_limit.as_bytes()).unwrap().len(), MAX_ROWS);
        let over = format!("{HEADER}\n{}", row.repeat(MAX_ROWS + 1));
        assert_eq!(parse(over.as_bytes()), Err(CsvRefusal::TooManyRows));
    }
}
