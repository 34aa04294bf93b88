//! The rows hidden in a workbook that a run reads (SPEC §2.4), gathered part by part for
//! the one warning that lists them: `book.xlsx[1月]: rows 5, 9-12 are hidden …`. Only the
//! first runs are kept, so a sheet with a million rows filtered out takes a few bytes.

/// How many runs of rows a warning lists before it says how many more rows there are.
const RUNS_SHOWN: usize = 20;

/// The hidden rows read from one part (a sheet of a workbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenRowsRead {
    /// The part: an index into the run's [`Parts`](super::Parts).
    pub part: u32,
    /// How many hidden rows were read.
    pub rows: u64,
    /// The first runs of consecutive rows, (first, last).
    runs: Vec<(u64, u64)>,
    /// The last hidden row read.
    last: u64,
}

impl HiddenRowsRead {
    fn new(part: u32, row: u64) -> HiddenRowsRead {
        HiddenRowsRead {
            part,
            rows: 1,
            runs: vec![(row, row)],
            last: row,
        }
    }

    /// Takes hidden row `row` (rows come in sheet order).
    fn add(&mut self, row: u64) {
        self.rows += 1;
        let follows = row == self.last + 1;
        self.last = row;
        let kept = self.runs.len();
        match self.runs.last_mut() {
            // Only the last run kept may grow: one past it was not kept.
            Some((_, end)) if follows && *end + 1 == row => *end = row,
            _ if follows => {}
            _ if kept < RUNS_SHOWN => self.runs.push((row, row)),
            _ => {}
        }
    }

    /// The rows as a warning lists them: `5, 9-12`, and past [`RUNS_SHOWN`] runs how many
    /// more rows there are.
    pub fn listed(&self) -> String {
        let mut shown: Vec<String> = self
            .runs
            .iter()
            .map(|&(first, last)| match first == last {
                true => first.to_string(),
                false => format!("{first}-{last}"),
            })
            .collect();
        let in_runs: u64 = self.runs.iter().map(|(a, b)| b - a + 1).sum();
        let more = self.rows.saturating_sub(in_runs);
        if more > 0 {
            shown.push(format!("and {}", crate::text::counted(more, "more row")));
        }
        shown.join(", ")
    }

    /// The warning's words after the part's name: which rows, what happens to them, and
    /// what to say in the mapping instead.
    pub fn message(&self) -> String {
        let (rows, are) = match self.rows {
            1 => ("row", "is"),
            _ => ("rows", "are"),
        };
        format!(
            "{rows} {} {are} hidden in the workbook (hidden or filtered out) and {are} read as any other row; say hidden_rows = \"skip\" under [source] in the mapping to leave them out, or hidden_rows = \"read\" to read them without this warning",
            self.listed()
        )
    }
}

/// The one warning about a part's hidden rows, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HiddenRowsWarning {
    /// The part, `FILE[SHEET]`.
    pub at: String,
    /// How many hidden rows were read.
    pub rows: u64,
    /// The rows, as runs: `5, 9-12`.
    pub listed: String,
    /// The whole warning after the part's name.
    pub message: String,
}

/// The hidden rows of every part read so far.
#[derive(Debug, Clone, Default)]
pub struct HiddenRowsSeen(Vec<HiddenRowsRead>);

impl HiddenRowsSeen {
    /// Row `row` of part `part` is hidden (parts and rows come in order).
    pub fn add(&mut self, part: u32, row: u64) {
        match self.0.last_mut() {
            Some(seen) if seen.part == part => seen.add(row),
            _ => self.0.push(HiddenRowsRead::new(part, row)),
        }
    }

    /// The parts with hidden rows, in order.
    pub fn parts(&self) -> &[HiddenRowsRead] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_listed_as_runs() {
        let mut seen = HiddenRowsSeen::default();
        for row in [5, 9, 10, 11, 12] {
            seen.add(0, row);
        }
        seen.add(1, 3);
        let [first, second] = seen.parts() else {
            panic!("two parts: {seen:?}");
        };
        assert_eq!(first.listed(), "5, 9-12");
        assert_eq!(first.rows, 5);
        assert!(first.message().starts_with(
            "rows 5, 9-12 are hidden in the workbook (hidden or filtered out) and are read as any other row; say hidden_rows = \"skip\""
        ));
        assert!(second.message().starts_with("row 3 is hidden"));
    }

    #[test]
    fn past_the_runs_shown_rows_are_counted() {
        let mut seen = HiddenRowsSeen::default();
        // Every other row of a million.
        for row in (2..1_000_000).step_by(2) {
            seen.add(0, row);
        }
        let [part] = seen.parts() else {
            panic!("one part");
        };
        assert_eq!(part.runs.len(), RUNS_SHOWN);
        assert_eq!(
            part.listed(),
            "2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, and 499979 more rows"
        );
    }

    #[test]
    fn a_run_past_those_shown_is_counted_not_joined() {
        let mut seen = HiddenRowsSeen::default();
        for i in 0..RUNS_SHOWN as u64 {
            seen.add(0, 10 * i + 1);
        }
        seen.add(0, 500);
        seen.add(0, 501);
        let [part] = seen.parts() else {
            panic!("one part");
        };
        assert!(
            part.listed().ends_with("191, and 2 more rows"),
            "{}",
            part.listed()
        );
    }
}
