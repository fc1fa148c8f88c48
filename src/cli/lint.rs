//! `lint`: reads the paths and the cluster's settings, runs every rule, prints the findings.

use etcdpki::diag::escape_controls;
use etcdpki::etcd::{Release, read_etcd_config};
use etcdpki::lint::certificate_rules::TimeRules;
use std::path::PathBuf;

use etcdpki::lint::{Context, DocsUrl, Inventory, Level, LintOptions, NamedFiles, rule};
use etcdpki::pki::scan::collect_files;
use time::OffsetDateTime;

use super::args::{EtcdVersion, LintArgs, LintFormat};
use super::log::eprint_line;
use super::{Failure, write_stdout};

/// Runs `lint`.
pub fn run(args: LintArgs) -> Result<(), Failure> {
    if args.list_rules {
        return write_stdout(list_rules().as_bytes());
    }
    if args.paths.is_empty() {
        return Err(Failure::Usage(
            "give the files or directories to check: etcdpki lint PATH...".into(),
        ));
    }
    let options = LintOptions {
        time: TimeRules {
            at: args.at.unwrap_or_else(OffsetDateTime::now_utc),
            warn_within: args.warn_within.duration.to_time(),
        },
        workers: std::thread::available_parallelism().map_or(1, usize::from),
        overrides: args
            .rules
            .iter()
            .map(|r| parse_override(r))
            .collect::<Result<_, _>>()?,
    };
    let mut ctx = Context::from_flags(
        args.initial_cluster.as_deref(),
        args.discovery_srv.as_deref(),
    )
    .map_err(|e| Failure::Usage(format!("--initial-cluster: {e}")))?;
    ctx.release = args.etcd_version.map(|v| match v {
        EtcdVersion::V3_4 => Release::V3_4,
        EtcdVersion::V3_5 => Release::V3_5,
        EtcdVersion::V3_6 => Release::V3_6,
    });
    if let Some(root) = &args.root {
        if !root.is_dir() {
            return Err(Failure::Usage(format!(
                "--root {}: not a directory; give the checkout the configurations' absolute paths are under",
                root.display()
            )));
        }
        ctx.root = Some(root.clone());
    }
    for file in &args.etcd_config {
        let text = std::fs::read_to_string(file).map_err(|e| {
            Failure::Usage(format!(
                "--etcd-config {}: cannot read: {e}",
                file.display()
            ))
        })?;
        let cfg = read_etcd_config(file, &text, ctx.release)
            .map_err(|e| Failure::Usage(format!("--etcd-config {e}")))?;
        ctx.add_etcd_config(&cfg);
    }
    let files = collect_files(&args.paths).map_err(|e| Failure::Usage(e.to_string()))?;
    // Files named on the command line or by an etcd configuration are reported when over the
    // size cap; files a walk found are passed over with a note.
    let named = NamedFiles::new(
        args.paths
            .iter()
            .filter(|p| !p.is_dir())
            .map(PathBuf::as_path)
            .chain(ctx.configured_files()),
    );
    let inventory = Inventory::read_found(&files, &named, options.workers);
    for (file, size) in &inventory.skipped {
        eprint_line(&format!(
            "note: {}: not read: {size} bytes is more than the 8 MiB lint reads from a file found in a directory (name it to have it reported)",
            escape_controls(&file.display().to_string())
        ));
    }
    let report = etcdpki::lint::lint(&inventory, &ctx, &options);
    let docs = args.docs_url.or_else(DocsUrl::of_this_build);
    let text = match args.format {
        LintFormat::Text => report.to_text(),
        LintFormat::Json => report.to_json(),
        LintFormat::Sarif => report.to_sarif(docs.as_ref()),
        LintFormat::Github => report.to_github(),
        LintFormat::Markdown => report.to_markdown(docs.as_ref()),
    };
    write_stdout(text.as_bytes())?;
    let errors = report.count(Level::Error);
    let warnings = report.count(Level::Warning);
    if errors > 0 {
        return Err(Failure::Run(format!("{errors} error(s) found")));
    }
    if args.deny.is_some() && warnings > 0 {
        return Err(Failure::Run(format!(
            "{warnings} warning(s) found, denied by --deny warnings"
        )));
    }
    Ok(())
}

/// `ID=LEVEL`.
fn parse_override(text: &str) -> Result<(rule::Rule, Option<Level>), Failure> {
    let usage = |reason: String| Failure::Usage(format!("--rule {text:?}: {reason}"));
    let (id, level) = text
        .split_once('=')
        .ok_or_else(|| usage("write ID=LEVEL, e.g. expires-soon=error".into()))?;
    let rule = rule::find(id).ok_or_else(|| {
        usage(format!(
            "unknown rule {id:?}; see etcdpki lint --list-rules"
        ))
    })?;
    let level = match level {
        "error" => Some(Level::Error),
        "warning" => Some(Level::Warning),
        "info" => Some(Level::Info),
        "off" => None,
        other => {
            return Err(usage(format!(
                "unknown level {other:?}; expected one of \"error\", \"warning\", \"info\", \"off\""
            )));
        }
    };
    Ok((rule, level))
}

fn list_rules() -> String {
    let width = rule::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    rule::ALL
        .iter()
        .map(|r| format!("{:<width$}  {:<7}  {}\n", r.id, r.level.as_str(), r.summary))
        .collect()
}
