//! The `--exec` hook: one command run after a renewal, to reload what uses the files.
//!
//! Takes the command and a [`RenewReport`]; runs `sh -c CMD` once with the renewed files in its
//! environment (`ETCDPKI_RENEWED_CERTS`, `ETCDPKI_RENEWED_KEYS`, space-separated, and
//! `ETCDPKI_RENEWED_COUNT`), and returns whether it succeeded.

use std::path::Path;
use std::process::Command;

use super::RenewReport;

/// Why the hook failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// It ran and exited unsuccessfully.
    #[error("--exec {command:?} failed: {status}")]
    Failed {
        /// The command.
        command: String,
        /// How it ended.
        status: std::process::ExitStatus,
    },
    /// `sh` could not be started.
    #[error("--exec {command:?} could not start: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Runs `command` once for the files `report` renewed.
pub fn run_hook(command: &str, report: &RenewReport) -> Result<(), HookError> {
    let renewed = report.renewed();
    let join = |paths: Vec<&Path>| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let certs = join(renewed.iter().map(|(c, _)| *c).collect());
    let keys = join(renewed.iter().filter_map(|(_, k)| *k).collect());
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("ETCDPKI_RENEWED_CERTS", certs)
        .env("ETCDPKI_RENEWED_KEYS", keys)
        .env("ETCDPKI_RENEWED_COUNT", renewed.len().to_string())
        .status()
        .map_err(|source| HookError::Spawn {
            command: command.to_owned(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(HookError::Failed {
            command: command.to_owned(),
            status,
        })
    }
}
