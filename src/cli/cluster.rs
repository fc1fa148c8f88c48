//! `cluster`: flags → [`etcdpki::cluster`] spec, plan and build → files, a report on stdout,
//! warnings and (on a terminal) key progress on stderr.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use etcdpki::KeySpec;
use etcdpki::cluster::build::{inspect_output, open_output};
use etcdpki::cluster::{
    Action, BuildOptions, ClusterSpec, ClusterState, PlanOptions, SubjectNames, build,
    parse_spec_json, plan,
};
use etcdpki::config::duration::format_window;
use etcdpki::diag::{InputError, Severity};
use etcdpki::pki::{DirLock, recover_dir};
use etcdpki::request::{Host, parse_host};
use time::OffsetDateTime;

use super::args::ClusterArgs;
use super::log::{eprint_line, recovery_note, warn_exposed_keys};
use super::{Failure, read_input, write_stdout};

/// Runs `cluster`.
pub fn run(args: ClusterArgs) -> Result<(), Failure> {
    let options = plan_options(&args)?;
    let key = options.key;
    let state = args.initial_cluster_state.map(ClusterState::from);
    let spec = cluster_spec(&args)?;
    let plan = plan(&spec, &options).map_err(|e| {
        // Names from a spec file make a bad input file; from flags, a bad command line.
        if args.spec.is_some() {
            Failure::Run(e.to_string())
        } else {
            Failure::Usage(e.to_string())
        }
    })?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let build_options = BuildOptions {
        force: args.force,
        state,
        workers,
        now: OffsetDateTime::now_utc(),
        clamp_to_ca: args.clamp_to_ca,
    };
    let progress = Progress::new(key);
    if args.dry_run {
        return dry_run(&plan, &build_options, &progress);
    }
    // The output directory is opened (made) and locked, and a set a killed run left is
    // finished or dropped, before anything in it is read.
    let root = open_output(&plan.out)?;
    let wait = std::time::Duration::from_nanos(args.lock_timeout.as_nanos().unsigned_abs());
    let mut lock = DirLock::acquire(vec![root.handle()?], wait)?;
    for done in recover_dir(root.dir())? {
        eprint_line(&recovery_note(&done));
    }
    let outcome = build(&plan, &build_options, &|done, total| {
        progress.show(done, total)
    })?;
    for warning in &outcome.warnings {
        eprint_line(&format!("warning: {warning}"));
    }
    warn_exposed_keys(&outcome.writes);
    let written = outcome.write(&root, &mut lock, wait)?;
    for warning in &written.warnings {
        eprint_line(&format!("warning: {warning}"));
    }

    write_stdout(report(&plan, &outcome).as_bytes())
}

/// `--dry-run`: the build a run would make, decided on what is on disk now (new keys and
/// certificates made in memory and dropped), reported file by file; nothing is made, locked,
/// recovered or written.
fn dry_run(
    plan: &etcdpki::cluster::Plan,
    options: &BuildOptions,
    progress: &Progress,
) -> Result<(), Failure> {
    for leftover in inspect_output(&plan.out)? {
        eprint_line(&format!(
            "warning: {}: a file a killed run left; a real run first finishes or drops its set, which this plan does not show",
            leftover.display()
        ));
    }
    let outcome = build(plan, options, &|done, total| progress.show(done, total))?;
    for warning in &outcome.warnings {
        eprint_line(&format!("warning: {warning}"));
    }
    write_stdout(dry_run_report(plan, &outcome).as_bytes())
}

/// The plan of a dry run: each certificate created, kept or re-issued and why, then each file
/// created, updated or kept, then the totals.
fn dry_run_report(plan: &etcdpki::cluster::Plan, outcome: &etcdpki::cluster::Outcome) -> String {
    let mut report = String::from("dry run: nothing is written\n");
    for entry in &outcome.entries {
        let (verb, why) = match &entry.action {
            Action::Created => ("create  ", String::new()),
            Action::Kept => ("keep    ", String::new()),
            Action::KeptDifferent(reason) => ("keep    ", format!(" (differs: {reason})")),
            Action::Replaced(reason) => ("re-issue", format!(" ({reason})")),
        };
        report.push_str(&format!(
            "{verb} {:<28} {}{why}\n",
            entry.label,
            entry.file.display()
        ));
    }
    report.push_str("files:\n");
    for file in &outcome.writes {
        let verb = if outcome.overwrites.contains(&file.path) {
            "update"
        } else {
            "create"
        };
        report.push_str(&format!("  {verb} {}\n", file.path.display()));
    }
    for path in &outcome.unchanged {
        report.push_str(&format!("  keep   {}\n", path.display()));
    }
    report.push_str(&format!(
        "{}: {} would be written, {} unchanged\n",
        plan.out.display(),
        files(outcome.writes.len()),
        outcome.unchanged.len()
    ));
    report
}

/// `1 file`, `N files`.
fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

/// The flags that shape the plan, as the library's options.
fn plan_options(args: &ClusterArgs) -> Result<PlanOptions, Failure> {
    let usage = |e: String| Failure::Usage(e);
    let key = KeySpec::from_family(args.key_algo.into(), args.key_size).map_err(|e| {
        usage(format!(
            "--key-size {}: {e}",
            args.key_size.unwrap_or_default()
        ))
    })?;
    // notBefore is moved back by cfssl's 5-minute backdate (cfssl signer/local, `Backdate`) and
    // the lifetime counts from it: a lifetime no longer than that is over when it is written.
    let backdate = etcdpki::config::Profile::cfssl_default().backdate();
    for (flag, lifetime) in [("--expiry", args.expiry), ("--ca-expiry", args.ca_expiry)] {
        if lifetime.to_time() <= backdate.to_time() {
            return Err(usage(format!(
                "{flag} {}: not longer than the {backdate} backdate: the certificate would have expired when it is written; give a longer lifetime",
                format_window(lifetime)
            )));
        }
    }
    let layout = args.layout.into();
    let names = match &args.names {
        Some(text) => SubjectNames::parse(text).map_err(|e| usage(format!("--names {e}")))?,
        None => SubjectNames::default(),
    };
    Ok(PlanOptions {
        out: args.out.clone(),
        layout,
        key,
        expiry: args.expiry,
        ca_expiry: args.ca_expiry,
        names,
        client_port: args.client_port,
        cert_dir: args.cert_dir.clone(),
    })
}

/// One line per file, new, kept or replaced and why, then the totals.
fn report(plan: &etcdpki::cluster::Plan, outcome: &etcdpki::cluster::Outcome) -> String {
    let mut report = String::new();
    for entry in &outcome.entries {
        let (verb, why) = match &entry.action {
            Action::Created => ("new     ", String::new()),
            Action::Kept => ("kept    ", String::new()),
            Action::KeptDifferent(reason) => ("kept    ", format!(" (differs: {reason})")),
            Action::Replaced(reason) => ("replaced", format!(" ({reason})")),
        };
        report.push_str(&format!(
            "{verb} {:<28} {}{why}\n",
            entry.label,
            entry.file.display()
        ));
    }
    report.push_str(&format!(
        "{}: {} written, {} unchanged\n",
        plan.out.display(),
        files(outcome.writes.len()),
        outcome.unchanged.len()
    ));
    report
}

/// The cluster from `--spec`, `--initial-cluster` or etcd's default member, with the flags'
/// clients, SANs and discovery domain added.
fn cluster_spec(args: &ClusterArgs) -> Result<ClusterSpec, Failure> {
    let mut spec = match (&args.spec, &args.initial_cluster) {
        (Some(file), _) => {
            let (checked, problems) =
                match parse_spec_json(file, &read_input(file, "the cluster spec")?) {
                    Ok(checked) => (Some(checked.value), checked.warnings),
                    Err(e) => (None, e.diagnostics),
                };
            // Warnings first, each on its own; the errors make the failure.
            let (errors, warnings): (Vec<_>, Vec<_>) = problems
                .into_iter()
                .partition(|d| d.severity == Severity::Error);
            for w in &warnings {
                eprint_line(&w.to_string());
            }
            match checked {
                Some(spec) => spec,
                None => {
                    return Err(Failure::Run(
                        InputError {
                            diagnostics: errors,
                        }
                        .to_string(),
                    ));
                }
            }
        }
        (None, Some(value)) => ClusterSpec::from_initial_cluster(value)
            .map_err(|e| Failure::Usage(format!("--initial-cluster: {e}")))?,
        (None, None) => ClusterSpec::default_member(),
    };
    for name in &args.clients {
        etcdpki::cluster::spec::check_name(name)
            .map_err(|e| Failure::Usage(format!("--client {name:?}: {e}")))?;
        spec.clients.push(name.clone());
    }
    spec.server_hosts
        .extend(hosts("--server-san", &args.server_sans)?);
    spec.peer_hosts
        .extend(hosts("--peer-san", &args.peer_sans)?);
    if let Some(domain) = &args.discovery_srv {
        let domain = etcdpki::etcd::parse_discovery_srv(domain)
            .map_err(|e| Failure::Usage(format!("--discovery-srv {domain:?}: {e}")))?;
        spec.discovery_srv = Some(domain);
    }
    Ok(spec)
}

/// `--server-san`/`--peer-san` values, each possibly a comma-separated list.
fn hosts(flag: &str, values: &[String]) -> Result<Vec<Host>, Failure> {
    let mut out = Vec::new();
    for item in values.iter().flat_map(|v| v.split(',')) {
        let host = parse_host(item).map_err(|e| {
            let help = e.help.map(|h| format!("\n  help: {h}")).unwrap_or_default();
            Failure::Usage(format!("{flag} {item:?}: {}{help}", e.reason))
        })?;
        out.push(host);
    }
    Ok(out)
}

/// The key progress line, shown only when standard error is a terminal (RSA-4096 takes
/// seconds per key; a pipe or a log gets no carriage-return noise).
struct Progress {
    tty: bool,
    start: Instant,
    key: KeySpec,
}

impl Progress {
    fn new(key: KeySpec) -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            start: Instant::now(),
            key,
        }
    }

    /// Rewrites the line in place (so not through `eprint_line`), and clears it at the end.
    fn show(&self, done: usize, total: usize) {
        if !self.tty {
            return;
        }
        let line = if done == total {
            "\r\x1b[K".to_owned()
        } else {
            format!(
                "\rmaking {} keys: {done}/{total} ({:.1} s)\x1b[K",
                self.key,
                self.start.elapsed().as_secs_f64()
            )
        };
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line.as_bytes()).and_then(|()| err.flush());
    }
}
