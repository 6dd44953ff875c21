//! A strict CSV reader: checks the header, gives each row its line number, and parses typed fields.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use super::error::{bad_value, EtlError};

/// One data row with its line number and typed accessors.
pub struct Row<'a> {
    path: &'a Path,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The 1-based line number in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The trimmed text of a column (which the header check guaranteed exists).
    pub fn text(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// The text, or `None` when empty.
    pub fn optional(&self, column: &str) -> Option<String> {
        let v = self.text(column);
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// The text, which must not be empty.
    pub fn required(&self, column: &str) -> Result<String, EtlError> {
        self.optional(column)
            .ok_or_else(|| self.error(column, "is empty; a value is required"))
    }

    /// A whole number within `range`.
    pub fn int_in(&self, column: &str, range: RangeInclusive<i64>) -> Result<i64, EtlError> {
        let text = self.text(column);
        let value: i64 = text.parse().map_err(|_| {
            self.error(
                column,
                format!(
                    "`{text}` is not a whole number (expected {} to {})",
                    range.start(),
                    range.end()
                ),
            )
        })?;
        if !range.contains(&value) {
            return Err(self.error(
                column,
                format!(
                    "{value} is out of range: expected {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    }

    /// An error about this row's `column`.
    pub fn error(&self, column: &str, message: impl Into<String>) -> EtlError {
        bad_value(self.path, self.line, column, message)
    }
}

/// Reads every data row of a CSV file, after checking that `required` columns exist.
/// Returns the number of data rows; an empty file, or a header with no rows, is an error.
pub fn read_csv(
    path: &Path,
    required: &[&str],
    mut each: impl FnMut(&Row<'_>) -> Result<(), EtlError>,
) -> Result<usize, EtlError> {
    let open_err = |reason: String| EtlError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| open_err(e.to_string()))?;
    if bytes.is_empty() {
        return Err(EtlError::Empty {
            path: path.to_path_buf(),
            what: format!(
                "the file is empty: expected a header with {}",
                required.join(", ")
            ),
        });
    }
    let lines = Lines::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| malformed(path, &lines, &e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect::<Vec<_>>();
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    for &column in required {
        if !columns.contains_key(column) {
            return Err(EtlError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_owned(),
                found: headers.clone(),
            });
        }
    }
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(malformed(path, &lines, &e)),
        }
        let line = lines.of(record.position());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line, typically at the end
        }
        rows += 1;
        each(&Row {
            path,
            line,
            record: &record,
            columns: &columns,
        })?;
    }
    if rows == 0 {
        return Err(EtlError::Empty {
            path: path.to_path_buf(),
            what: "the file has a header but no data rows".to_owned(),
        });
    }
    Ok(rows)
}

/// Physical line numbers. The csv crate's own count is one short after a CRLF line end
/// (BurntSushi/rust-csv#395, so for files with Windows line ends) and after a blank line
/// (#208); a record's byte offset is right, so lines are counted from it.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Offsets of line ends: `\n`, or a `\r` not followed by `\n`.
    ends: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Lines<'a> {
        let ends = bytes
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .map(|(i, _)| i)
            .collect();
        Lines { bytes, ends }
    }

    /// The 1-based line a record (or error) at `position` starts on.
    fn of(&self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        // The offset may still point at the line end(s) before the record.
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let before = self.ends.partition_point(|&end| end < start);
        u64::try_from(before).map_or(u64::MAX, |n| n + 1)
    }
}

fn malformed(path: &Path, lines: &Lines<'_>, e: &csv::Error) -> EtlError {
    let line = lines.of(e.position());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    EtlError::Malformed {
        path: PathBuf::from(path),
        line,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_rows_with_line_numbers() {
        let f = file("a,b\n1,x\n2,y\n\n");
        let mut seen = vec![];
        let n = read_csv(f.path(), &["a", "b"], |r| {
            seen.push((r.line(), r.int_in("a", 1..=2)?, r.required("b")?));
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(seen, vec![(2, 1, "x".into()), (3, 2, "y".into())]);
    }

    /// Found by the `csv_loader` fuzz target: with CRLF line ends the csv crate reports
    /// each record one line early, so errors pointed at the line above the bad row.
    #[test]
    fn line_numbers_are_physical_with_crlf_blank_lines_bom_and_quoted_newlines() {
        let expected = vec![
            (2, "A".to_owned()),
            (4, "B".into()),
            (5, "C\nD".into()),
            (8, "E".into()),
        ];
        for text in [
            "code,v\nA,1\n\nB,1\n\"C\nD\",1\n\nE,1\n",
            "code,v\r\nA,1\r\n\r\nB,1\r\n\"C\nD\",1\r\n\r\nE,1\r\n",
            "\u{feff}code,v\r\nA,1\r\n\r\nB,1\r\n\"C\nD\",1\r\n\r\nE,1",
            "code,v\rA,1\r\rB,1\r\"C\nD\",1\r\rE,1\r",
        ] {
            let f = file(text);
            let mut seen = vec![];
            read_csv(f.path(), &["code"], |r| {
                seen.push((r.line(), r.text("code").to_owned()));
                Ok(())
            })
            .unwrap();
            assert_eq!(seen, expected, "{text:?}");
        }
        let f = file("a,b\r\n1,2\r\n3,4\r\n5\r\n");
        let e = read_csv(f.path(), &["a"], |_| Ok(())).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 4: the row has 1 fields but the header has 2"),
            "{e}"
        );
        let f = file("a,b\r\n1,2\r\n1,x\r\n");
        let e = read_csv(f.path(), &["b"], |r| r.int_in("b", 0..=9).map(drop)).unwrap_err();
        assert!(e.to_string().contains("line 3: field `b`"), "{e}");
    }

    #[test]
    fn names_missing_columns_ranges_and_ragged_rows() {
        let f = file("a\n1\n");
        let e = read_csv(f.path(), &["a", "b"], |_| Ok(())).unwrap_err();
        assert!(
            e.to_string()
                .contains("missing column `b` (the file has: a)"),
            "{e}"
        );

        let f = file("a\n7\n");
        let e = read_csv(f.path(), &["a"], |r| r.int_in("a", 1..=5).map(drop)).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: field `a`: 7 is out of range: expected 1 to 5"),
            "{e}"
        );

        let f = file("a,b\n1,2,3\n");
        let e = read_csv(f.path(), &["a"], |_| Ok(())).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: the row has 3 fields but the header has 2"),
            "{e}"
        );

        let f = file("");
        let e = read_csv(f.path(), &["a"], |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("the file is empty"), "{e}");

        let f = file("a\n");
        let e = read_csv(f.path(), &["a"], |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
    }
}
