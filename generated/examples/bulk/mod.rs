//! Shared by the bulk workflow examples (`bulk_process_tokens`, `verify_completed_instances`): their
//! options (`--output`, `--concurrency`, `--resume`), a CSV writer and reader (RFC 4180, with cells
//! that a spreadsheet would run as a formula neutralized), a pool of at most N requests in flight,
//! and a progress line on a terminal.
//!
//! Not an example of its own: each example includes it with `#[path = "bulk/mod.rs"] mod bulk;`.

#![allow(dead_code)] // each example uses part of it

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

/// Requests in flight at once unless `--concurrency` says otherwise: small, to stay well within a
/// tenant's rate limits.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most `--concurrency` accepts.
pub const MAX_CONCURRENCY: usize = 64;

/// The options both bulk examples take.
#[derive(Debug, Default, PartialEq)]
pub struct BulkOptions {
    /// `--output FILE`: where the CSV goes (standard output without it).
    pub output: Option<PathBuf>,
    /// `--concurrency N`.
    pub concurrency: usize,
    /// `--resume`: continue the CSV in `--output`, skipping what it already holds.
    pub resume: bool,
    /// The arguments that are not these options, in order.
    pub positional: Vec<String>,
}

/// Parses the bulk options out of `args`; the rest is left in `positional`.
pub fn parse_options(args: impl IntoIterator<Item = String>) -> Result<BulkOptions, String> {
    let mut options = BulkOptions { concurrency: DEFAULT_CONCURRENCY, ..BulkOptions::default() };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| args.next()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--output" | "-o" => options.output = Some(PathBuf::from(value("--output")?)),
            "--concurrency" => {
                let text = value("--concurrency")?;
                options.concurrency = match text.parse::<usize>() {
                    Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => n,
                    _ => return Err(format!("--concurrency `{text}`: expected a number from 1 to {MAX_CONCURRENCY}")),
                };
            }
            "--resume" => options.resume = true,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') && other.len() > 1 => return Err(format!("unknown option `{other}`")),
            _ => options.positional.push(arg),
        }
    }
    if options.resume && options.output.is_none() {
        return Err("--resume needs --output FILE (the CSV of the run to continue)".to_owned());
    }
    Ok(options)
}

/// The text a CSV cell holds for `value`: a value a spreadsheet would run as a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`.
pub fn neutralize(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// One CSV record (RFC 4180): cells neutralized, quoted when they hold `,`, `"`, CR or LF (quotes
/// doubled), separated by commas and ended by CRLF.
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = neutralize(cell.as_ref());
        if cell.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&cell);
        }
    }
    line.push_str("\r\n");
    line
}

/// The complete records of a CSV text (RFC 4180; LF alone also ends a record). A last record
/// without its line end is left out: a run stopped while writing it may have cut it short.
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut after_quote) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => (quoted, after_quote) = (false, true),
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !after_quote => quoted = true,
            ',' => {
                fields.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut fields));
                after_quote = false;
            }
            c => field.push(c),
        }
    }
    records
}

/// A CSV output: each record is written whole and flushed, so a run that is stopped leaves every
/// record it finished, and at most one cut short (which [`parse`] leaves out).
pub struct CsvOut {
    out: Box<dyn Write + Send>,
}

impl CsvOut {
    /// Standard output, with the header.
    pub fn stdout(header: &[&str]) -> std::io::Result<CsvOut> {
        let mut csv = CsvOut { out: Box::new(std::io::stdout()) };
        csv.write(header)?;
        Ok(csv)
    }

    /// A new file with the header; refuses an existing file that is not empty (its records would be
    /// lost: `--resume` continues it).
    pub fn create(path: &Path, header: &[&str]) -> Result<CsvOut, String> {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(format!("{} exists: continue it with --resume, or remove it", path.display()));
        }
        let file = File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let mut csv = CsvOut { out: Box::new(file) };
        csv.write(header).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(csv)
    }

    /// An existing file to continue, and its records (the header checked and left out). Records
    /// are kept as they were; a record cut short at the end is cut off the file.
    pub fn resume(path: &Path, header: &[&str]) -> Result<(CsvOut, Vec<Vec<String>>), String> {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {shown}: {e}")),
        };
        if text.is_empty() {
            return Ok((CsvOut::create(path, header)?, Vec::new()));
        }
        let mut records = parse(&text).into_iter();
        if records.next().as_deref() != Some(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>()[..]) {
            return Err(format!("{shown} does not start with the header `{}`", header.join(",")));
        }
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().write(true).open(path).map_err(|e| format!("cannot write {shown}: {e}"))?;
        file.set_len(complete as u64).map_err(|e| format!("cannot write {shown}: {e}"))?;
        let mut file = OpenOptions::new().append(true).open(path).map_err(|e| format!("cannot write {shown}: {e}"))?;
        file.flush().map_err(|e| format!("cannot write {shown}: {e}"))?;
        Ok((CsvOut { out: Box::new(file) }, records.collect()))
    }

    /// Writes one record and flushes it.
    pub fn write<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.out.write_all(record(cells).as_bytes())?;
        self.out.flush()
    }
}

/// The first cell of each record, as it was written, with its last record: what a resumed run
/// looks up with [`done_key`].
pub fn by_first_cell(records: Vec<Vec<String>>) -> HashMap<String, Vec<String>> {
    records.into_iter().filter(|r| !r.is_empty()).map(|r| (r[0].clone(), r)).collect()
}

/// The first cell written for `id` (neutralized as [`record`] writes it).
pub fn done_key(id: &str) -> String {
    neutralize(id).into_owned()
}

/// At most `limit` tasks running at once.
pub struct Pool<T> {
    running: JoinSet<T>,
    limit: usize,
}

impl<T: Send + 'static> Pool<T> {
    pub fn new(limit: usize) -> Pool<T> {
        Pool { running: JoinSet::new(), limit: limit.max(1) }
    }

    /// When `limit` tasks run, waits for one to end and returns its output; then there is room.
    pub async fn make_room(&mut self) -> Option<T> {
        if self.running.len() >= self.limit {
            self.next().await
        } else {
            None
        }
    }

    /// Starts `task` (call [`Pool::make_room`] first to stay within the limit).
    pub fn start(&mut self, task: impl Future<Output = T> + Send + 'static) {
        self.running.spawn(task);
    }

    /// The output of the next task to end, `None` when none runs.
    pub async fn next(&mut self) -> Option<T> {
        match self.running.join_next().await? {
            Ok(output) => Some(output),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a task was cancelled: {e}"),
        }
    }
}

/// A progress line on standard error, only when it is a terminal (redrawn at most 10 times a second).
pub struct Progress {
    shown: bool,
    last: Option<Instant>,
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
    total: Option<usize>,
}

impl Progress {
    pub fn new(total: Option<usize>) -> Progress {
        Progress { shown: std::io::stderr().is_terminal(), last: None, done: 0, failed: 0, skipped: 0, total }
    }

    /// Counts one item done (`failed` or not), and redraws.
    pub fn tick(&mut self, failed: bool) {
        self.done += 1;
        self.failed += usize::from(failed);
        if self.shown && self.last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)) {
            self.last = Some(Instant::now());
            self.draw();
        }
    }

    fn draw(&self) {
        let of = self.total.map(|t| format!(" of {t}")).unwrap_or_default();
        let skipped =
            if self.skipped > 0 { format!(", {} skipped (in the output)", self.skipped) } else { String::new() };
        eprint!("\r{}{of} done, {} failed{skipped}\x1b[K", self.done, self.failed);
    }

    /// The last redraw, and the end of the line.
    pub fn finish(&self) {
        if self.shown {
            self.draw();
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(record(&["42", "pt-42", "https://x/y?pt=1&a=b", ""]), "42,pt-42,https://x/y?pt=1&a=b,\r\n");
    }

    #[test]
    fn cells_with_separators_quotes_or_line_ends_are_quoted() {
        assert_eq!(
            record(&["a,b", "say \"hi\"", "two\nlines", "cr\rx"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralized() {
        for (value, cell) in [
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(record(&[value]), format!("{cell}\r\n"), "{value:?}");
        }
    }

    #[test]
    fn what_is_written_parses_back_to_the_neutralized_cells() {
        let rows: Vec<Vec<&str>> =
            vec![vec!["id", "note"], vec!["a,b", "x \"y\"\r\nz"], vec!["", "=1+1"], vec!["plain", ""]];
        let text: String = rows.iter().map(|r| record(r)).collect();
        let parsed = parse(&text);
        let expected: Vec<Vec<String>> =
            rows.iter().map(|r| r.iter().map(|c| neutralize(c).into_owned()).collect()).collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn a_record_cut_short_at_the_end_is_left_out() {
        assert_eq!(parse("h1,h2\r\n1,2\r\n3,"), vec![vec!["h1", "h2"], vec!["1", "2"]]);
        assert_eq!(parse("h\n\"open quote\nstill open"), vec![vec!["h"]]);
        assert_eq!(parse("a\nb\n"), vec![vec!["a"], vec!["b"]], "LF alone ends a record too");
    }

    #[test]
    fn resume_cuts_a_partial_record_and_appends_after_the_complete_ones() {
        let dir = std::env::temp_dir().join(format!("bulk-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        std::fs::write(&path, "id,x\r\n1,a\r\n2,b\r\n3,par").unwrap();
        assert!(CsvOut::create(&path, &["id", "x"]).is_err(), "an existing output is not overwritten");
        assert!(CsvOut::resume(&path, &["id", "y"]).is_err(), "another header is refused");
        let (mut out, records) = CsvOut::resume(&path, &["id", "x"]).unwrap();
        assert_eq!(records, vec![vec!["1", "a"], vec!["2", "b"]]);
        out.write(&["3", "c"]).unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "id,x\r\n1,a\r\n2,b\r\n3,c\r\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn options() {
        let args = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let parsed = parse_options(args("ids.txt --concurrency 8 Onboarding --output=o.csv --resume")).unwrap();
        assert_eq!(
            parsed,
            BulkOptions {
                output: Some("o.csv".into()),
                concurrency: 8,
                resume: true,
                positional: args("ids.txt Onboarding")
            }
        );
        assert_eq!(parse_options(args("a")).unwrap().concurrency, DEFAULT_CONCURRENCY);
        assert!(parse_options(args("--concurrency 0")).is_err());
        assert!(parse_options(args("--concurrency x")).is_err());
        assert!(parse_options(args("--resume")).is_err(), "--resume needs --output");
        assert!(parse_options(args("--bogus")).is_err());
    }

    #[tokio::test]
    async fn the_pool_runs_at_most_its_limit_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut pool = Pool::new(3);
        let mut outputs = Vec::new();
        for i in 0..20 {
            let (now, most) = (now.clone(), most.clone());
            let task = async move {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                now.fetch_sub(1, Ordering::SeqCst);
                i
            };
            outputs.extend(pool.make_room().await);
            pool.start(task);
        }
        while let Some(i) = pool.next().await {
            outputs.push(i);
        }
        outputs.sort();
        assert_eq!(outputs, (0..20).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 3, "three at once, never more");
    }
}
