//! `print-defaults`: cfssl's default configurations, verbatim, and the etcd presets.

use etcdpki::config::presets::{preset, presets};

use super::{Failure, write_stdout};

/// Runs `print-defaults TYPE`.
pub fn run(kind: &str) -> Result<(), Failure> {
    if kind == "list" {
        let mut text = String::from("Default configurations are available for:\n");
        for p in presets() {
            text.push_str(&format!("\t{}\n", p.name));
        }
        return write_stdout(text.as_bytes());
    }
    match preset(kind) {
        // cfssl prints the text with Println, so one more newline follows the text's own.
        Some(p) => write_stdout(format!("{}\n", p.text).as_bytes()),
        None => {
            let names: Vec<String> = presets().iter().map(|p| format!("{:?}", p.name)).collect();
            Err(Failure::Usage(format!(
                "unknown configuration {kind:?}; expected \"list\" or one of {} (cfssl prints the list and exits 0)",
                names.join(", ")
            )))
        }
    }
}
