//! The rolling restart after a trust change: one member at a time, each healthy again before
//! the next.
//!
//! Takes the operator's `--restart-cmd`, the [`Member`]s in order, the stage that changed the
//! trust files and a [`Prober`]; runs the command with `sh -c` once per member with the
//! member's name, URLs, configuration and the stage in its environment, then waits (up to the
//! timeout) for the member's `/health` to say `true`. Returns the members restarted, or the
//! first failure: the rest are left alone, so at most one member is ever down.

use std::process::Command;
use std::time::{Duration, Instant};

use super::RotateError;
use super::live::Prober;
use super::members::Member;

/// How often health is asked while a member comes back.
const POLL: Duration = Duration::from_millis(500);

/// Restarts `members` one by one with `cmd`, waiting for each to be healthy.
pub fn rolling_restart(
    cmd: &str,
    members: &[Member],
    stage: &str,
    prober: &Prober<'_>,
    health_timeout: Duration,
    mut on_done: impl FnMut(&Member),
) -> Result<(), RotateError> {
    for member in members {
        let status = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .env("ETCDPKI_MEMBER", &member.name)
            .env("ETCDPKI_CLIENT_URLS", member.client_urls.join(","))
            .env("ETCDPKI_PEER_URLS", member.peer_urls.join(","))
            .env("ETCDPKI_STAGE", stage)
            .env(
                "ETCDPKI_CONFIG",
                member
                    .config
                    .as_ref()
                    .map(|c| c.display().to_string())
                    .unwrap_or_default(),
            )
            .status()
            .map_err(|e| RotateError::Restart {
                member: member.name.clone(),
                reason: format!("cannot run sh: {e}"),
            })?;
        if !status.success() {
            return Err(RotateError::Restart {
                member: member.name.clone(),
                reason: format!("--restart-cmd exited with {status}"),
            });
        }
        wait_healthy(member, prober, health_timeout)?;
        on_done(member);
    }
    Ok(())
}

fn wait_healthy(
    member: &Member,
    prober: &Prober<'_>,
    timeout: Duration,
) -> Result<(), RotateError> {
    let start = Instant::now();
    loop {
        if prober.healthy(member)? {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(RotateError::Restart {
                member: member.name.clone(),
                reason: format!(
                    "not healthy {}s after its restart (GET /health on {})",
                    timeout.as_secs(),
                    member.client_urls.first().map_or("", String::as_str)
                ),
            });
        }
        std::thread::sleep(POLL);
    }
}
