//! JSON Lines: each folder's whole report, one line each, in order.

use super::super::model::FolderReport;

/// JSON Lines: each folder's whole report, one line each, in order.
pub fn json_lines(reports: &[FolderReport]) -> Result<String, String> {
    let mut lines = String::new();
    for report in reports {
        lines += &serde_json::to_string(report).map_err(|err| err.to_string())?;
        lines.push('\n');
    }
    Ok(lines)
}
