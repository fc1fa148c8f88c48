//! Standard error: cfssl-style log lines (`2026/11/22 02:59:05 [INFO] msg`), warnings and errors.

use std::io::Write;

use etcdpki::diag::Diagnostic;

use super::Failure;

/// A log level, numbered as cfssl's `-loglevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 1.
    Info = 1,
    /// 2.
    Warning = 2,
}

/// Writes to standard error what the level lets through.
#[derive(Clone, Copy, Debug)]
pub struct Log {
    threshold: u8,
}

impl Log {
    /// A logger for cfssl's `-loglevel`, which runs from 0 (debug) to 5 (fatal).
    pub fn from_flag(loglevel: u8) -> Result<Self, Failure> {
        if loglevel > 5 {
            return Err(Failure::Usage(format!(
                "-loglevel {loglevel}: expected 0 (debug) to 5 (fatal)"
            )));
        }
        Ok(Self {
            threshold: loglevel,
        })
    }

    /// A cfssl-format line at `level`.
    pub fn line(&self, level: Level, message: &str) {
        if (level as u8) < self.threshold {
            return;
        }
        let now =
            time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let stamp = now
            .format(time::macros::format_description!(
                "[year]/[month]/[day] [hour]:[minute]:[second]"
            ))
            .unwrap_or_default();
        let tag = match level {
            Level::Info => "INFO",
            Level::Warning => "WARNING",
        };
        eprint_line(&format!("{stamp} [{tag}] {message}"));
    }

    /// An info line.
    pub fn info(&self, message: &str) {
        self.line(Level::Info, message);
    }

    /// A warning in our own form (`warning: …`), shown unless the level is above warnings.
    pub fn warn(&self, message: &str) {
        if self.threshold <= Level::Warning as u8 {
            eprint_line(&format!("warning: {message}"));
        }
    }

    /// Diagnostics that did not stop the run.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic]) {
        if self.threshold <= Level::Warning as u8 {
            for d in diagnostics {
                eprint_line(&d.to_string());
            }
        }
    }
}

/// One line on standard error; a closed stderr is not worth failing for.
#[allow(
    clippy::print_stderr,
    reason = "the CLI's one place that writes to stderr"
)]
pub fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A loud warning for each directory of `files`' keys that others may write to.
pub fn warn_exposed_keys(files: &[etcdpki::pki::PlannedFile]) {
    for dir in etcdpki::pki::exposed_key_directories(files) {
        eprint_line(&exposed_key_warning(&dir));
    }
}

/// The warning for a key directory others may write to.
pub fn exposed_key_warning(dir: &std::path::Path) -> String {
    format!(
        "warning: {}: the directory is world-writable without the sticky bit: anyone can replace the private keys written there; chmod o-w it",
        dir.display()
    )
}

/// A line saying what recovery did with a set a killed run left.
pub fn recovery_note(r: &etcdpki::pki::Recovery) -> String {
    match r {
        etcdpki::pki::Recovery::RolledForward { record, files } => format!(
            "completed {}: an interrupted write was finished ({} file(s) replaced)",
            record.display(),
            files.len()
        ),
        etcdpki::pki::Recovery::Dropped { record, reason } => format!(
            "dropped   {}: {reason}; the files on disk were kept",
            record.display()
        ),
    }
}
