//! Which sheet of a workbook is read: the one `--sheet` names (exactly, or else ignoring
//! case and surrounding spaces) or numbers (from 1, in the workbook's order, as its tabs
//! show), or by default the first visible worksheet (a hidden first sheet is usually a
//! lookup table, and a chart has no rows).

use calamine::{Sheet, SheetType, SheetVisible};

use crate::read::source::{SheetChoice, SourceError};
use crate::text::echo;

/// The name of the sheet to read in `file`, whose sheets are `sheets`.
pub(super) fn choose(
    file: &str,
    sheets: &[Sheet],
    asked: Option<&SheetChoice>,
) -> Result<String, SourceError> {
    let unknown = |asked: String| SourceError::UnknownSheet {
        path: file.to_owned(),
        asked,
        sheets: listed(sheets),
    };
    let sheet = match asked {
        None | Some(SheetChoice::Every) => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .or(sheets.first())
            .ok_or_else(|| unknown("at all".to_owned()))?,
        Some(SheetChoice::Name(name)) => sheets
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| {
                let wanted = name.trim().to_lowercase();
                sheets
                    .iter()
                    .find(|s| s.name.trim().to_lowercase() == wanted)
            })
            .ok_or_else(|| unknown(echo(name)))?,
        Some(SheetChoice::Index(n)) => n
            .checked_sub(1)
            .and_then(|i| sheets.get(i))
            .ok_or_else(|| unknown(format!("number {n}")))?,
    };
    match kind(sheet.typ) {
        None => Ok(sheet.name.clone()),
        Some(kind) => Err(SourceError::NotAWorksheet {
            path: file.to_owned(),
            sheet: echo(&sheet.name),
            kind,
            sheets: listed(sheets),
        }),
    }
}

/// The sheets to read, in order, each with whether it was named: those `asked` names or
/// numbers, and for `'*'` every visible worksheet not named already. Nothing asked: the
/// one [`choose`] picks.
pub(super) fn chosen(
    file: &str,
    sheets: &[Sheet],
    asked: &[SheetChoice],
) -> Result<Vec<(String, bool)>, SourceError> {
    if asked.is_empty() {
        return Ok(vec![(choose(file, sheets, None)?, false)]);
    }
    let mut chosen: Vec<(String, bool)> = Vec::new();
    for choice in asked {
        let names: Vec<(String, bool)> = match choice {
            SheetChoice::Every => visible(sheets).into_iter().map(|s| (s, false)).collect(),
            choice => vec![(choose(file, sheets, Some(choice))?, true)],
        };
        for (name, named) in names {
            match chosen.iter_mut().find(|(n, _)| *n == name) {
                Some(seen) => seen.1 |= named,
                None => chosen.push((name, named)),
            }
        }
    }
    Ok(chosen)
}

/// The visible worksheets, in order: what `'*'` reads.
pub(super) fn visible(sheets: &[Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect()
}

/// What a sheet that is not a worksheet is, in words.
fn kind(typ: SheetType) -> Option<&'static str> {
    match typ {
        SheetType::WorkSheet => None,
        SheetType::ChartSheet => Some("a chart"),
        SheetType::DialogSheet => Some("a dialog sheet"),
        SheetType::MacroSheet => Some("a macro sheet"),
        SheetType::Vba => Some("a VBA module"),
    }
}

/// The sheets as messages list them: in order, each echoed, the ones a user does not see
/// among the tabs or could not read marked so.
pub(super) fn listed(sheets: &[Sheet]) -> String {
    let shown: Vec<String> = sheets
        .iter()
        .map(|sheet| {
            let mut text = echo(&sheet.name);
            if let Some(kind) = kind(sheet.typ) {
                text.push_str(&format!(" ({kind})"));
            }
            if sheet.visible != SheetVisible::Visible {
                text.push_str(" (hidden)");
            }
            text
        })
        .collect();
    match shown.len() {
        0 => "none".to_owned(),
        _ => crate::text::list(&shown, 20),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(name: &str, typ: SheetType, visible: SheetVisible) -> Sheet {
        Sheet {
            name: name.to_owned(),
            typ,
            visible,
        }
    }

    fn book() -> Vec<Sheet> {
        vec![
            sheet("Lookup", SheetType::WorkSheet, SheetVisible::Hidden),
            sheet("Chart", SheetType::ChartSheet, SheetVisible::Visible),
            sheet("Rewards", SheetType::WorkSheet, SheetVisible::Visible),
            sheet(" 2024 Q1 ", SheetType::WorkSheet, SheetVisible::Visible),
        ]
    }

    fn chosen(asked: Option<SheetChoice>) -> Result<String, String> {
        choose("b.xlsx", &book(), asked.as_ref()).map_err(|e| e.to_string())
    }

    #[test]
    fn by_default_the_first_visible_worksheet() {
        assert_eq!(chosen(None).unwrap(), "Rewards");
    }

    #[test]
    fn by_name_exactly_or_ignoring_case_and_spaces() {
        let name = |n: &str| chosen(Some(SheetChoice::Name(n.into())));
        assert_eq!(name("Rewards").unwrap(), "Rewards");
        assert_eq!(name("  rewards ").unwrap(), "Rewards");
        assert_eq!(name("2024 q1").unwrap(), " 2024 Q1 ");
        assert_eq!(name("lookup").unwrap(), "Lookup");
    }

    #[test]
    fn by_position_from_one_counting_every_tab() {
        assert_eq!(chosen(Some(SheetChoice::Index(3))).unwrap(), "Rewards");
        assert_eq!(
            chosen(Some(SheetChoice::Index(9))).unwrap_err(),
            "b.xlsx: there is no sheet number 9; the workbook's sheets are \"Lookup\" (hidden), \"Chart\" (a chart), \"Rewards\", \" 2024 Q1 \". Pass --sheet with one of these names, or a sheet's position from 1 (--sheet 2)"
        );
    }

    #[test]
    fn unknown_and_chart_sheets_are_refused() {
        assert!(
            chosen(Some(SheetChoice::Name("Data\u{1b}".into())))
                .unwrap_err()
                .starts_with("b.xlsx: there is no sheet \"Data\\u{1b}\"; the workbook's sheets are \"Lookup\" (hidden),")
        );
        assert!(
            chosen(Some(SheetChoice::Index(2)))
                .unwrap_err()
                .starts_with("b.xlsx: sheet \"Chart\" is a chart, not a worksheet of rows;")
        );
    }
}
