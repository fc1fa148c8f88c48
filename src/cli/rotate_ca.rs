//! `rotate-ca`: the flags become a [`Run`] and a step; the library surveys, checks, writes and
//! restarts ([`etcdpki::rotate`]); this file renders the survey and the actions as lines for
//! people or one JSON object.

use std::path::PathBuf;

use etcdpki::diag::escape_controls;
use etcdpki::etcd::read_etcd_config;
use etcdpki::key::KeySpec;
use etcdpki::rotate::{
    Action, CaPaths, IssuedBy, NewCa, PortStatus, Prober, RotateOptions, Run, Stage,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::{RotateCaArgs, RotateFormat, RotateStep};
use super::inputs::load_request;
use super::log::{Log, recovery_note};
use super::{Failure, write_stdout};

/// Runs `rotate-ca`.
pub fn run(args: RotateCaArgs) -> Result<(), Failure> {
    let log = Log::from_flag(1)?;
    let new_ca = new_ca(&log, &args)?;
    let configs = args
        .etcd_config
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Failure::Usage(format!(
                    "--etcd-config {}: cannot read: {e}",
                    file.display()
                ))
            })?;
            read_etcd_config(file, &text, None).map_err(|e| Failure::Usage(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = RotateOptions {
        // status never writes: it reads as a dry run does.
        dry_run: args.dry_run || args.step == RotateStep::Status,
        force: args.force,
        lock_wait: to_std(args.lock_timeout),
        restart_cmd: args.restart_cmd.clone(),
        health_timeout: to_std(args.health_timeout),
        reuse_key: args.reuse_key,
    };
    let run = Run::open(
        CaPaths::beside(&args.ca, &args.ca_key),
        &args.paths,
        &configs,
        &args.endpoints,
        options,
    )?;
    let now = OffsetDateTime::now_utc();
    let actions = match args.step {
        RotateStep::Status => return status(&run, args.format),
        RotateStep::Prepare => run.prepare(&new_ca, now)?,
        RotateStep::Reissue => run.reissue(now)?,
        RotateStep::Finish => run.finish()?,
    };
    let failed = actions
        .iter()
        .filter(|a| matches!(a, Action::Failed(_)))
        .count();
    let step = step_name(args.step);
    let text = match args.format {
        RotateFormat::Text => render_actions(step, &actions, args.dry_run),
        RotateFormat::Json => {
            let list: Vec<Value> = actions.iter().map(action_json).collect();
            format!(
                "{}\n",
                json!({"step": step, "dry_run": args.dry_run, "actions": list})
            )
        }
    };
    write_stdout(text.as_bytes())?;
    if failed > 0 {
        return Err(Failure::Run(format!(
            "{failed} file(s) could not be written; the others were; run `rotate-ca {step}` again once the cause is fixed"
        )));
    }
    Ok(())
}

/// The new CA asked for: a request file, or a key kind, or `--keep-key`; the rest from the
/// current CA.
fn new_ca(log: &Log, args: &RotateCaArgs) -> Result<NewCa, Failure> {
    let mut new = NewCa {
        keep_key: args.keep_key,
        lifetime: args.ca_expiry,
        ..NewCa::default()
    };
    if let Some(algo) = args.key_algo {
        new.key = Some(
            KeySpec::from_family(algo.into(), args.key_size)
                .map_err(|e| Failure::Usage(format!("--key-size: {e}")))?,
        );
    }
    if let Some(csr) = &args.csr {
        let request = load_request(log, &csr.display().to_string(), None)?;
        new.key = Some(request.key());
        new.subject = Some(request.subject());
        new.hosts = Some(request.hosts().to_vec());
        if new.lifetime.is_none() {
            new.lifetime = request.ca().and_then(|c| c.expiry);
        }
    }
    Ok(new)
}

fn to_std(d: etcdpki::config::GoDuration) -> std::time::Duration {
    std::time::Duration::from_nanos(d.as_nanos().unsigned_abs())
}

fn step_name(step: RotateStep) -> &'static str {
    match step {
        RotateStep::Status => "status",
        RotateStep::Prepare => "prepare",
        RotateStep::Reissue => "reissue",
        RotateStep::Finish => "finish",
    }
}

fn path(p: &std::path::Path) -> String {
    escape_controls(&p.display().to_string()).into_owned()
}

fn render_actions(step: &str, actions: &[Action], dry_run: bool) -> String {
    let mut out = String::new();
    let would = if dry_run { "would " } else { "" };
    for action in actions {
        let line = match action {
            Action::Recovered(r) => recovery_note(r),
            Action::CaCreated {
                cert,
                key,
                name,
                not_after,
            } => format!(
                "{would}create  {} ({}{}), valid until {}",
                path(cert),
                escape_controls(name),
                key.as_ref().map_or_else(
                    || ", on the current key".into(),
                    |k| format!(", key {}", path(k))
                ),
                not_after.format(&Rfc3339).unwrap_or_default()
            ),
            Action::TrustUpdated {
                path: p,
                added,
                removed,
            } => {
                let change = match (added, removed) {
                    (Some(a), _) => format!("adds {}", escape_controls(a)),
                    (None, Some(r)) => format!("drops {}", escape_controls(r)),
                    (None, None) => "rewritten".into(),
                };
                format!("{would}trust   {}: {change}", path(p))
            }
            Action::Reissued {
                cert_file, name, ..
            } => format!(
                "{would}reissue {} ({})",
                path(cert_file),
                escape_controls(name)
            ),
            Action::KeptAside { cert, key } => format!(
                "{would}keep    the old CA in {}{}",
                path(cert),
                key.as_ref()
                    .map_or_else(String::new, |k| format!(" and {}", path(k)))
            ),
            Action::Switched { cert, key } => format!(
                "{would}switch  {}{} to the new CA",
                path(cert),
                key.as_ref()
                    .map_or_else(String::new, |k| format!(" and {}", path(k)))
            ),
            Action::Removed(p) => format!("{would}remove  {}", path(p)),
            Action::Restarted(m) => format!("restarted {} (healthy)", escape_controls(m)),
            Action::RestartByHand(m) => format!(
                "restart {} now, one member at a time, each healthy before the next ({}): etcd reads its trusted CA files only at start",
                escape_controls(&m.name),
                m.client_urls.join(", ")
            ),
            Action::AlreadyDone(note) => format!("nothing to do: {}", escape_controls(note)),
            Action::Warning(w) => format!("warning: {}", escape_controls(w)),
            Action::Failed(f) => format!("failed: {}", escape_controls(f)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let next = match step {
        "prepare" => "once every member has restarted: rotate-ca reissue",
        "reissue" => "restart the clients that hold re-issued certificates, then: rotate-ca finish",
        _ => "the rotation is complete",
    };
    if !dry_run {
        out.push_str(&format!("{step} done; next: {next}\n"));
    }
    out
}

fn action_json(action: &Action) -> Value {
    let p = |p: &PathBuf| Value::from(p.display().to_string());
    let op = |p: Option<&PathBuf>| p.map_or(Value::Null, |p| Value::from(p.display().to_string()));
    match action {
        Action::Recovered(r) => json!({"action": "recovered", "note": recovery_note(r)}),
        Action::CaCreated {
            cert,
            key,
            name,
            not_after,
        } => json!({"action": "create-ca", "cert": p(cert), "key": op(key.as_ref()), "name": name,
            "not_after": not_after.format(&Rfc3339).unwrap_or_default()}),
        Action::TrustUpdated {
            path,
            added,
            removed,
        } => json!({"action": "trust", "path": p(path), "added": added, "removed": removed}),
        Action::Reissued {
            cert_file,
            name,
            new_key_file,
        } => {
            json!({"action": "reissue", "cert": p(cert_file), "name": name, "new_key": op(new_key_file.as_ref())})
        }
        Action::KeptAside { cert, key } => {
            json!({"action": "keep-aside", "cert": p(cert), "key": op(key.as_ref())})
        }
        Action::Switched { cert, key } => {
            json!({"action": "switch", "cert": p(cert), "key": op(key.as_ref())})
        }
        Action::Removed(path) => json!({"action": "remove", "path": p(path)}),
        Action::Restarted(m) => json!({"action": "restarted", "member": m}),
        Action::RestartByHand(m) => {
            json!({"action": "restart-by-hand", "member": m.name, "client_urls": m.client_urls})
        }
        Action::AlreadyDone(note) => json!({"action": "already-done", "message": note}),
        Action::Warning(w) => json!({"action": "warning", "message": w}),
        Action::Failed(f) => json!({"action": "failed", "message": f}),
    }
}

fn issued_by(i: &IssuedBy) -> String {
    match i {
        IssuedBy::New => "new (current)".into(),
        IssuedBy::Old => "old".into(),
        IssuedBy::Other(name) => format!("other ({name})"),
    }
}

/// `status`: the stage, the CAs, each trust file and leaf, and each member's ports.
fn status(run: &Run, format: RotateFormat) -> Result<(), Failure> {
    let ports: Vec<PortStatus> = if run.members.is_empty() {
        Vec::new()
    } else {
        let issuer = run.cas.signing_issuer()?;
        Prober::new(&issuer, std::time::Duration::from_secs(5))
            .ports(&run.members, &run.cas.rotation)?
    };
    let text = match format {
        RotateFormat::Json => format!("{}\n", status_json(run, &ports)),
        RotateFormat::Text => status_text(run, &ports),
    };
    write_stdout(text.as_bytes())
}

fn status_json(run: &Run, ports: &[PortStatus]) -> Value {
    let (survey, rotation) = (&run.survey, &run.cas.rotation);
    let (old, new) = (rotation.old(), rotation.signing());
    let trust: Vec<Value> = survey
        .trust_files
        .iter()
        .map(|t| {
            json!({"path": t.path.display().to_string(),
            "holds_old": old.is_some_and(|o| t.holds(o)),
            "holds_new": t.holds(new),
            "certificates": t.certs.len(),
            "named_by": t.named_by.iter().map(|c| c.display().to_string()).collect::<Vec<_>>()})
        })
        .collect();
    let leaves: Vec<Value> = survey
        .leaves
        .iter()
        .map(|l| json!({"path": l.leaf.cert_file.display().to_string(), "name": l.leaf.name, "issued_by": issued_by(&l.issued_by)}))
        .collect();
    let members: Vec<Value> = ports
        .iter()
        .map(|p| {
            json!({"member": p.member, "url": p.url, "accepts_new_ca": p.refused.is_none(),
            "refused": p.refused, "serves": p.serves.as_ref().map(issued_by)})
        })
        .collect();
    let stage = run.stage();
    json!({"stage": stage.as_str(), "next_step": next_step(stage),
        "old_ca": old.map(|o| o.cert.name.clone()), "new_ca": new.cert.name,
        "trust_files": trust, "leaves": leaves, "members": members,
        "problems": survey.problems})
}

fn status_text(run: &Run, ports: &[PortStatus]) -> String {
    let (survey, rotation) = (&run.survey, &run.cas.rotation);
    let (old, new) = (rotation.old(), rotation.signing());
    let stage = run.stage();
    let mut out = format!("stage: {} (next: {})\n", stage.as_str(), next_step(stage));
    match old {
        Some(o) => out.push_str(&format!(
            "old CA: {} ({})\nnew CA: {} ({})\n",
            escape_controls(&o.cert.name),
            path(&o.file),
            escape_controls(&new.cert.name),
            path(&new.file)
        )),
        None => out.push_str(&format!(
            "CA: {} ({}), valid until {}\n",
            escape_controls(&new.cert.name),
            path(&new.file),
            new.cert.not_after.format(&Rfc3339).unwrap_or_default()
        )),
    }
    for t in &survey.trust_files {
        let current = if old.is_some() { "new" } else { "current" };
        let holds: Vec<&str> = [
            old.is_some_and(|o| t.holds(o)).then_some("old"),
            t.holds(new).then_some(current),
        ]
        .into_iter()
        .flatten()
        .collect();
        let holds = if holds.is_empty() {
            "neither".into()
        } else {
            holds.join(" + ")
        };
        out.push_str(&format!("trust  {}: {holds}\n", path(&t.path)));
    }
    for l in &survey.leaves {
        out.push_str(&format!(
            "leaf   {} ({}): {}\n",
            path(&l.leaf.cert_file),
            escape_controls(&l.leaf.name),
            issued_by(&l.issued_by)
        ));
    }
    for p in ports {
        let accepts = match &p.refused {
            None => "accepts the new CA".to_owned(),
            Some(r) => format!("refuses the new CA ({})", escape_controls(r)),
        };
        let serves = p.serves.as_ref().map_or_else(
            || "serves nothing".into(),
            |s| format!("serves {}", issued_by(s)),
        );
        out.push_str(&format!(
            "member {} {}: {accepts}, {serves}\n",
            escape_controls(&p.member),
            p.url
        ));
    }
    for problem in &survey.problems {
        out.push_str(&format!("problem: {}\n", escape_controls(problem)));
    }
    out
}

fn next_step(stage: Stage) -> &'static str {
    match stage {
        Stage::Idle => "rotate-ca prepare, when the CA is to be replaced",
        Stage::Preparing => "rotate-ca prepare (it was stopped)",
        Stage::Prepared => "restart every member, then rotate-ca reissue",
        Stage::Reissued => "restart the clients, then rotate-ca finish",
        Stage::Finishing => "rotate-ca finish (it was stopped)",
    }
}
