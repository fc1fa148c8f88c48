//! Making the planned PKI: the CA reused or made, each certificate kept or issued, the cfssl
//! inputs and environment files written, and only what changed.
//!
//! Takes a [`Plan`] and [`BuildOptions`]; returns an [`Outcome`]: what happened to each
//! certificate and the files to write, which [`Outcome::write`] writes as one atomic set
//! ([`crate::pki::commit`](mod@crate::pki::commit): temporary files, fsync, a commit record, renames; new keys 0600).
//! The output directory and the CA must belong to the user running and be writable by no one
//! else ([`open_output`]). Guarantees:
//! an existing CA is never replaced, nor a copy of a CA overwritten, without `force`; a
//! certificate that still fits the plan ([`super::existing`]) is kept with its key; a file
//! whose contents would not change is not written, so a second identical run writes nothing,
//! and a member added to the cluster gets only its own new files. All new keys are made
//! before anything is signed, in parallel ([`super::keys`]).

use super::output_dir::check_ca_file;
pub use super::output_dir::{inspect_output, open_output};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::cfssl_json::{csr_json_text, duration_text};
use super::env::member_env_file;
use super::existing::{
    ExistingCa, ExistingLeaf, Mismatch, judge_leaf, read_ca, read_optional, wide_key_mode,
};
use super::keys::generate_keys;
use super::layout::CertFiles;
use super::plan::{CertPlan, Plan};
use crate::config::{GoDuration, Profile};
use crate::etcd::{ClusterState, same_settings};
use crate::key::{KeyError, PrivateKey, SecretBytes};
use crate::pki::fs::lexical_beneath;
use crate::pki::{
    DirHandle, DirLock, FsError, LockError, OutputError, PlannedFile, Root, Written, commit,
};
use crate::request::DistinguishedName;
use crate::sign::{
    Authority, Certificate, Issuer, SerialNumber, SignError, Validity, build_csr, issue_request,
};

/// How to build.
#[derive(Clone, Copy, Debug)]
pub struct BuildOptions {
    /// Replace a CA that is unusable or differs from the plan, and overwrite CA copies.
    pub force: bool,
    /// `--initial-cluster-state` for every member; `None` decides per member (see [`build`]).
    pub state: Option<ClusterState>,
    /// Threads for key generation.
    pub workers: usize,
    /// The time certificates are issued at and existing ones judged at.
    pub now: OffsetDateTime,
    /// A new leaf that would outlive the kept CA ends with the CA instead (a warning says
    /// so); without it such a leaf is refused ([`ClusterError::OutlivesCa`]).
    pub clamp_to_ca: bool,
}

/// What happened to one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// It did not exist and was made.
    Created,
    /// It existed and was made anew, for this reason.
    Replaced(Mismatch),
    /// It existed and fits the plan.
    Kept,
    /// The CA exists, differs from the plan in this way ([`Mismatch::CaDiffers`]), and is kept
    /// because `force` is off.
    KeptDifferent(Mismatch),
}

/// One certificate's fate.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `CA`, `infra0 server`, `client root`.
    pub label: String,
    /// Its (first) certificate file.
    pub file: PathBuf,
    /// What happened.
    pub action: Action,
}

/// The result of a build: what happened, and the files to write.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One entry per certificate, the CA first.
    pub entries: Vec<Entry>,
    /// Files whose contents are new or changed.
    pub writes: Vec<PlannedFile>,
    /// Files of [`Self::writes`] that exist with other contents (the others are new).
    pub overwrites: Vec<PathBuf>,
    /// Files of the plan already on disk with the right contents.
    pub unchanged: Vec<PathBuf>,
    /// Things the user should know, such as a key file others can read.
    pub warnings: Vec<String>,
    /// The state each member's environment file names, in plan order.
    pub states: Vec<ClusterState>,
}

/// Why a build failed; nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The existing CA cannot sign, and `force` is off.
    #[error(
        "the existing CA cannot be used: {0}\n  help: etcdpki never replaces a CA on its own; --force makes a new CA, and then every certificate is issued anew"
    )]
    CaUnusable(Mismatch),
    /// A member directory's copy of the CA holds another CA, and `force` is off.
    #[error(
        "{copy} holds another CA than {ca}, and would be overwritten\n  help: move it away if it is the only copy of that CA, or pass --force to overwrite it"
    )]
    CaCopy {
        /// The copy's file.
        copy: String,
        /// The CA's file.
        ca: String,
    },
    /// New leaves would outlive the kept CA that signs them, and `clamp_to_ca` is off.
    #[error(
        "{} would outlive the CA that signs them ({ca_file}, notAfter {}):\n{}\n  help: a certificate is useless once its CA expires; pass --clamp-to-ca to end them with the CA, give a shorter --expiry, or rotate the CA first (etcdpki rotate-ca prepare, then reissue and finish; rotate-ca prepare --keep-key re-signs it on its own key, docs/rotation.md)",
        plural_certificates(leaves.len()),
        rfc3339(*ca_not_after),
        leaves.iter().map(|l| format!("  {} ({}): notAfter {}", l.label, l.file.display(), rfc3339(l.not_after))).collect::<Vec<_>>().join("\n")
    )]
    OutlivesCa {
        /// The kept CA's certificate file.
        ca_file: String,
        /// Its notAfter.
        ca_not_after: OffsetDateTime,
        /// The leaves that would outlive it.
        leaves: Vec<Outliving>,
    },
    /// An existing file could not be read.
    #[error("{0}")]
    Read(String),
    /// A key could not be made or encoded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A certificate or request could not be signed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A file or directory could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A directory could not be opened or made.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Another run is writing in a directory of the plan.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The output directory, or the CA in it, is not this user's alone.
    #[error(
        "{}: {what} belongs to uid {owner} with mode {mode:04o}; etcdpki cluster uses only an output directory and a CA that belong to the user running it (uid {me}) and that no one else may write\n  help: choose another --out, or fix the owner and mode (chown, chmod go-w) if it is really yours",
        path.display()
    )]
    NotOwn {
        /// The directory or file.
        path: PathBuf,
        /// `the output directory`, `the CA certificate`, `the CA key`.
        what: &'static str,
        /// Its owner.
        owner: u32,
        /// Its mode.
        mode: u32,
        /// The user running.
        me: u32,
    },
}

/// A new leaf whose notAfter would be after its CA's.
#[derive(Clone, Debug)]
pub struct Outliving {
    /// How the plan names it (`infra0 server`).
    pub label: String,
    /// Its (first) certificate file.
    pub file: PathBuf,
    /// The notAfter it would have.
    pub not_after: OffsetDateTime,
}

/// `1 certificate`, `3 certificates`.
fn plural_certificates(n: usize) -> String {
    if n == 1 {
        "1 new certificate".into()
    } else {
        format!("{n} new certificates")
    }
}

/// RFC 3339, as every other date in cluster's messages.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Decides and makes everything. A member's environment file says
/// `ETCD_INITIAL_CLUSTER_STATE=existing` when `options.state` says so, or, by default, when
/// it joins a running cluster: the CA was reused, another member's server certificate was
/// kept, and its own server certificate is new.
pub fn build(
    plan: &Plan,
    options: &BuildOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Outcome, ClusterError> {
    let mut out = Outcome::default();
    let ca_files = &plan.ca.files[0];
    let (reused, ca_action) = decide_ca(plan, options.force, &mut out.warnings)?;

    // Which leaves can be kept, and from which copy.
    let mut sources: Vec<Option<KeptFiles>> = Vec::new();
    let mut actions: Vec<Action> = Vec::new();
    for cert in &plan.leaves {
        let (source, action) = match &reused {
            Some(ca) => judge_copies(plan, cert, &ca.issuer, options.now)?,
            None => (None, fresh_action(cert, Mismatch::NewCa)?),
        };
        sources.push(source);
        actions.push(action);
    }

    // A kept CA bounds its new leaves, and keeps its own lifetime whatever the plan says.
    let ceiling = match &reused {
        Some(ca) => check_lifetimes(plan, ca, &sources, options, &mut out.warnings)?,
        None => None,
    };

    // Every new key at once: the CA's first, then the leaves'.
    let mut specs = Vec::new();
    if reused.is_none() {
        specs.push(plan.ca.request.key);
    }
    specs.extend(
        plan.leaves
            .iter()
            .zip(&sources)
            .filter(|(_, s)| s.is_none())
            .map(|(c, _)| c.request.key),
    );
    let mut keys = generate_keys(&specs, options.workers, progress)?.into_iter();

    let mut files: Vec<PlannedFile> = Vec::new();
    let issuer = match reused {
        Some(ca) => keep_ca(plan, ca, &mut files, &mut out)?,
        None => {
            let key = keys.next().expect("a key was made for the new CA");
            let (issuer, made) = issue_ca(plan, key, options.now)?;
            files.extend(made);
            issuer
        }
    };
    out.entries.push(Entry {
        label: plan.ca.label.clone(),
        file: ca_files.cert.clone(),
        action: ca_action.clone(),
    });
    let mut new_keys = keys;
    leaf_files(
        plan,
        sources,
        &actions,
        (&issuer, ceiling),
        &mut new_keys,
        options.now,
        &mut files,
        &mut out,
    )?;
    request_files(plan, &ca_action, &mut files);
    env_files(
        plan,
        &actions,
        &ca_action,
        options.state,
        &mut files,
        &mut out,
    )?;
    sort_writes(files, &mut out)?;
    Ok(out)
}

/// A reused CA's files in every copy, its request file if missing, and its issuer.
fn keep_ca(
    plan: &Plan,
    ca: ReusedCa,
    files: &mut Vec<PlannedFile>,
    out: &mut Outcome,
) -> Result<Issuer, ClusterError> {
    let ca_files = &plan.ca.files[0];
    for copy in &plan.ca.files {
        files.push(PlannedFile::public(&copy.cert, ca.cert_pem.clone()));
        files.push(PlannedFile::key(&copy.key, ca.key_pem.clone()));
    }
    if let Some(csr) = missing_csr(ca_files, &mut out.unchanged)? {
        // The CA's own subject: a CA kept against the plan has another one.
        let subject = X509Certificate::from_der(ca.issuer.certificate_der())
            .map_err(|e| e.to_string())
            .and_then(|(_, c)| {
                DistinguishedName::from_certificate_name(c.subject()).map_err(|e| e.to_string())
            })
            .map_err(|e| ClusterError::Read(format!("{}: {e}", ca_files.cert.display())))?;
        let made = build_csr(&subject, &[], plan.ca.request.ca.as_ref(), ca.issuer.key())?;
        files.push(PlannedFile::public(csr, made.to_pem().into_bytes()));
    }
    note_wide_key(&ca_files.key, &mut out.warnings);
    Ok(*ca.issuer)
}

/// Each leaf's files: a kept one's in every copy (with its request file if missing), or a new
/// one issued with the next new key.
#[allow(
    clippy::too_many_arguments,
    reason = "the build's state, passed on once"
)]
fn leaf_files(
    plan: &Plan,
    sources: Vec<Option<KeptFiles>>,
    actions: &[Action],
    (issuer, ceiling): (&Issuer, Option<OffsetDateTime>),
    keys: &mut impl Iterator<Item = PrivateKey>,
    now: OffsetDateTime,
    files: &mut Vec<PlannedFile>,
    out: &mut Outcome,
) -> Result<(), ClusterError> {
    for ((cert, source), action) in plan.leaves.iter().zip(sources).zip(actions) {
        match source {
            Some((cert_pem, key_pem)) => {
                for copy in &cert.files {
                    files.push(PlannedFile::public(&copy.cert, cert_pem.clone()));
                    files.push(PlannedFile::key(&copy.key, key_pem.clone()));
                    if let Some(csr) = missing_csr(copy, &mut out.unchanged)? {
                        let key = PrivateKey::from_pem(key_pem.expose())?;
                        let made =
                            build_csr(&cert.request.subject(), &cert.request.hosts, None, &key)?;
                        files.push(PlannedFile::public(csr, made.to_pem().into_bytes()));
                    }
                    note_wide_key(&copy.key, &mut out.warnings);
                }
            }
            None => {
                let key = keys
                    .next()
                    .expect("a key was made for each new certificate");
                files.extend(issue_leaf(plan, cert, (issuer, ceiling), key, now)?);
            }
        }
        out.entries.push(Entry {
            label: cert.label.clone(),
            file: cert.files[0].cert.clone(),
            action: action.clone(),
        });
    }

    Ok(())
}

/// ca-config.json and every certificate's csr.json, for plain cfssl.
fn request_files(plan: &Plan, ca_action: &Action, files: &mut Vec<PlannedFile>) {
    files.push(PlannedFile::public(
        &plan.config_file,
        plan.config_text.clone().into_bytes(),
    ));
    for cert in std::iter::once(&plan.ca).chain(&plan.leaves) {
        // A CA kept against the plan is not what the plan's request describes.
        if cert.role == super::plan::Role::Ca && matches!(ca_action, Action::KeptDifferent(_)) {
            continue;
        }
        files.push(PlannedFile::public(
            &cert.request_file,
            csr_json_text(&cert.request).into_bytes(),
        ));
    }
}

/// Each member's environment file, `existing` when it joins a running cluster; one whose
/// settings did not change is left as it is.
fn env_files(
    plan: &Plan,
    actions: &[Action],
    ca_action: &Action,
    state: Option<ClusterState>,
    files: &mut Vec<PlannedFile>,
    out: &mut Outcome,
) -> Result<(), ClusterError> {
    let ca_reused = matches!(ca_action, Action::Kept | Action::KeptDifferent(_));
    for member in &plan.members {
        let others_kept = plan
            .members
            .iter()
            .any(|m| m.name != member.name && actions[m.server] == Action::Kept);
        let joins = ca_reused && others_kept && actions[member.server] == Action::Created;
        let state = state.unwrap_or(if joins {
            ClusterState::Existing
        } else {
            ClusterState::New
        });
        out.states.push(state);
        let text = member_env_file(plan, member, state);
        match read_optional(&member.env_file).map_err(|e| ClusterError::Read(e.to_string()))? {
            Some(old) if same_settings(&String::from_utf8_lossy(&old), &text) => {
                out.unchanged.push(member.env_file.clone());
            }
            _ => files.push(PlannedFile::public(&member.env_file, text.into_bytes())),
        }
    }

    Ok(())
}

/// The files to write, apart from those whose contents are already on disk.
fn sort_writes(files: Vec<PlannedFile>, out: &mut Outcome) -> Result<(), ClusterError> {
    for file in files {
        match read_optional(&file.path).map_err(|e| ClusterError::Read(e.to_string()))? {
            Some(old) if old == file.contents.bytes() => out.unchanged.push(file.path),
            Some(_) => {
                out.overwrites.push(file.path.clone());
                out.writes.push(file);
            }
            None => out.writes.push(file),
        }
    }
    Ok(())
}

impl Outcome {
    /// Writes the files beneath `root` as one set: each missing directory made first (0700
    /// where keys go, 0755 for certificates only, whatever the umask), and locked with the
    /// others in `lock`.
    pub fn write(
        &self,
        root: &Root,
        lock: &mut DirLock,
        wait: std::time::Duration,
    ) -> Result<Written, ClusterError> {
        if self.writes.is_empty() {
            return Ok(Written::default());
        }
        let mut dirs: Vec<(PathBuf, u32)> = Vec::new();
        for file in &self.writes {
            let rel =
                lexical_beneath(root.dir().path(), &file.path).ok_or_else(|| FsError::Outside {
                    path: file.path.clone(),
                    root: root.dir().path().to_path_buf(),
                })?;
            let parent = rel.parent().map(Path::to_path_buf).unwrap_or_default();
            let mode = if file.is_key() { 0o700 } else { 0o755 };
            match dirs.iter_mut().find(|(d, _)| *d == parent) {
                Some((_, m)) => *m = (*m).min(mode),
                None => dirs.push((parent, mode)),
            }
        }
        // Parents first, so that each is made with its own mode.
        dirs.sort_by_key(|(d, _)| d.components().count());
        let mut handles: Vec<DirHandle> = Vec::new();
        for (dir, mode) in &dirs {
            handles.push(root.dir().create_beneath(dir, *mode)?);
        }
        lock.extend(handles, wait)?;
        Ok(commit(root, "cluster", &self.writes)?)
    }
}

/// A kept certificate's file contents: (certificate PEM, key PEM).
type KeptFiles = (Vec<u8>, SecretBytes);

/// The reused CA and its files' bytes.
struct ReusedCa {
    issuer: Box<Issuer>,
    cert_pem: Vec<u8>,
    key_pem: SecretBytes,
}

/// Reuse the CA, or make a new one (`None`), as the module header says.
fn decide_ca(
    plan: &Plan,
    force: bool,
    warnings: &mut Vec<String>,
) -> Result<(Option<ReusedCa>, Action), ClusterError> {
    let primary = &plan.ca.files[0];
    check_ca_file(&primary.cert, "the CA certificate")?;
    check_ca_file(&primary.key, "the CA key")?;
    let (reused, action) = match read_ca(primary, &plan.ca) {
        ExistingCa::Missing => (None, Action::Created),
        ExistingCa::Unusable(reason) if force => (None, Action::Replaced(reason)),
        ExistingCa::Unusable(reason) => return Err(ClusterError::CaUnusable(reason)),
        ExistingCa::Usable { mismatch, .. } if force && !mismatch.is_empty() => {
            (None, Action::Replaced(Mismatch::CaDiffers(mismatch)))
        }
        ExistingCa::Usable {
            issuer,
            cert_pem,
            key_pem,
            mismatch,
        } => {
            let action = match (!mismatch.is_empty()).then_some(Mismatch::CaDiffers(mismatch)) {
                Some(m) => {
                    warnings.push(format!(
                        "{}: the CA differs from the plan ({m}); it is kept, and the certificates are issued by it (--force makes a new CA)",
                        primary.cert.display()
                    ));
                    Action::KeptDifferent(m)
                }
                None => Action::Kept,
            };
            let ca = ReusedCa {
                issuer,
                cert_pem,
                key_pem,
            };
            (Some(ca), action)
        }
    };
    // Copies in member directories: never overwrite one that holds something else.
    for copy in &plan.ca.files[1..] {
        for (path, wanted) in [
            (&copy.cert, reused.as_ref().map(|r| r.cert_pem.as_slice())),
            (&copy.key, reused.as_ref().map(|r| r.key_pem.expose())),
        ] {
            let found = read_optional(path)
                .map_err(|e| ClusterError::Read(e.to_string()))?
                .map(SecretBytes::new);
            if let Some(found) = found
                && Some(found.expose()) != wanted
                && !force
            {
                return Err(ClusterError::CaCopy {
                    copy: path.display().to_string(),
                    ca: primary.cert.display().to_string(),
                });
            }
        }
    }
    Ok((reused, action))
}

/// `Created` if the certificate's first file is absent, else `Replaced(reason)`.
fn fresh_action(cert: &CertPlan, reason: Mismatch) -> Result<Action, ClusterError> {
    Ok(
        match read_optional(&cert.files[0].cert).map_err(|e| ClusterError::Read(e.to_string()))? {
            None => Action::Created,
            Some(_) => Action::Replaced(reason),
        },
    )
}

/// The first copy of `cert` that fits the plan, and what happens to the certificate.
fn judge_copies(
    plan: &Plan,
    cert: &CertPlan,
    issuer: &Issuer,
    now: OffsetDateTime,
) -> Result<(Option<KeptFiles>, Action), ClusterError> {
    let profile = plan.profile(cert);
    let mut first_reason = None;
    for (i, copy) in cert.files.iter().enumerate() {
        match judge_leaf(copy, cert, &profile, issuer, now) {
            ExistingLeaf::Matches { cert_pem, key_pem } => {
                return Ok((Some((cert_pem, key_pem)), Action::Kept));
            }
            // The report names the first file; a copy's reason names its own.
            ExistingLeaf::Differs(reason) if i == 0 => {
                first_reason.get_or_insert(reason);
            }
            ExistingLeaf::Differs(reason) => {
                first_reason.get_or_insert(Mismatch::InCopy {
                    cert_file: copy.cert.clone(),
                    reason: Box::new(reason),
                });
            }
            ExistingLeaf::Missing => {}
        }
    }
    Ok((None, first_reason.map_or(Action::Created, Action::Replaced)))
}

/// The CSR path of `files` if its file does not exist yet; an existing one is kept as it is
/// (its certificate was kept, so it is that certificate's request) and counted as unchanged.
fn missing_csr<'a>(
    files: &'a CertFiles,
    unchanged: &mut Vec<PathBuf>,
) -> Result<Option<&'a PathBuf>, ClusterError> {
    let Some(csr) = &files.csr else {
        return Ok(None);
    };
    if read_optional(csr)
        .map_err(|e| ClusterError::Read(e.to_string()))?
        .is_some()
    {
        unchanged.push(csr.clone());
        return Ok(None);
    }
    Ok(Some(csr))
}

/// The self-signed CA of the plan, as `gencert -initca` makes it, and its files.
fn issue_ca(
    plan: &Plan,
    key: PrivateKey,
    now: OffsetDateTime,
) -> Result<(Issuer, Vec<PlannedFile>), ClusterError> {
    let profile = plan.profile(&plan.ca);
    let (cert, files) = issue(&plan.ca, &profile, Authority::SelfSigned(&key), &key, now)?;
    let primary = &plan.ca.files[0];
    let issuer = Issuer::from_der(
        &primary.cert.display().to_string(),
        cert.der().to_vec(),
        &primary.key.display().to_string(),
        key,
    )?;
    Ok((issuer, files))
}

/// A new leaf signed by `issuer` under its profile, as `gencert -ca … -profile …` makes it,
/// ending at `ceiling` at the latest.
fn issue_leaf(
    plan: &Plan,
    cert: &CertPlan,
    (issuer, ceiling): (&Issuer, Option<OffsetDateTime>),
    key: PrivateKey,
    now: OffsetDateTime,
) -> Result<Vec<PlannedFile>, ClusterError> {
    let mut profile = plan.profile(cert);
    if let Some(ceiling) = ceiling
        && Validity::for_profile(&profile, now)?.not_after > ceiling
    {
        profile.not_after = Some(ceiling);
    }
    // A leaf's request has no `ca` section, so its CSR carries no CA constraint.
    Ok(issue(cert, &profile, Authority::Ca(issuer), &key, now)?.1)
}

/// Refuses new leaves that would outlive the kept CA (or, with `clamp_to_ca`, returns the
/// CA's notAfter as their ceiling and warns), and warns when the CA's lifetime is not the
/// plan's: `--ca-expiry` shapes a new CA only, yet ca-csr.json records it.
fn check_lifetimes(
    plan: &Plan,
    ca: &ReusedCa,
    sources: &[Option<KeptFiles>],
    options: &BuildOptions,
    warnings: &mut Vec<String>,
) -> Result<Option<OffsetDateTime>, ClusterError> {
    let ca_file = plan.ca.files[0].cert.display().to_string();
    let validity = crate::x509::parse_certificate(ca.issuer.certificate_der())
        .map(|c| {
            (
                c.validity().not_before.to_datetime(),
                c.validity().not_after.to_datetime(),
            )
        })
        .map_err(|e| ClusterError::Read(format!("{ca_file}: {e}")))?;
    let (ca_not_before, ca_not_after) = validity;
    let planned = plan.ca.request.ca.as_ref().and_then(|c| c.expiry);
    let lifetime = ca_not_after - ca_not_before;
    if let Some(planned) = planned
        && planned.to_time() != lifetime
    {
        let kept = duration_text(GoDuration::from_nanos(
            i64::try_from(lifetime.whole_nanoseconds()).unwrap_or(i64::MAX),
        ));
        let asked = duration_text(planned);
        warnings.push(format!(
            "{ca_file}: the kept CA's lifetime is {kept} (notAfter {}), not --ca-expiry {asked}: --ca-expiry shapes a new CA only, so the CA still ends then (ca-csr.json records {asked}); to change it, rotate the CA: etcdpki rotate-ca prepare --keep-key --ca-expiry {asked} (same key) or rotate-ca prepare (new key)",
            rfc3339(ca_not_after)
        ));
    }
    let mut outliving = Vec::new();
    for (cert, source) in plan.leaves.iter().zip(sources) {
        if source.is_some() {
            continue;
        }
        let not_after = Validity::for_profile(&plan.profile(cert), options.now)?.not_after;
        if not_after > ca_not_after {
            outliving.push(Outliving {
                label: cert.label.clone(),
                file: cert.files[0].cert.clone(),
                not_after,
            });
        }
    }
    if outliving.is_empty() {
        return Ok(None);
    }
    if !options.clamp_to_ca {
        return Err(ClusterError::OutlivesCa {
            ca_file,
            ca_not_after,
            leaves: outliving,
        });
    }
    for leaf in &outliving {
        warnings.push(format!(
            "{} ({}): ends with its CA at {} instead of {} (--clamp-to-ca); rotate the CA (etcdpki rotate-ca) before then",
            leaf.label,
            leaf.file.display(),
            rfc3339(ca_not_after),
            rfc3339(leaf.not_after)
        ));
    }
    Ok(Some(ca_not_after))
}

/// `cert`'s CSR and certificate made with `key` under `authority`, and the files of every copy
/// the layout asks for.
fn issue(
    cert: &CertPlan,
    profile: &Profile,
    authority: Authority<'_>,
    key: &PrivateKey,
    now: OffsetDateTime,
) -> Result<(Certificate, Vec<PlannedFile>), ClusterError> {
    let (csr, made) = issue_request(
        authority,
        profile,
        &cert.request,
        key,
        false,
        now,
        serial()?,
    )?;
    let (cert_pem, key_pem, csr_pem) = (
        made.to_pem(),
        SecretBytes::from(key.to_pem()?),
        csr.to_pem(),
    );
    let files = cert
        .files
        .iter()
        .flat_map(|copy| cert_files(copy, &cert_pem, &key_pem, &csr_pem))
        .collect();
    Ok((made, files))
}

fn cert_files(files: &CertFiles, cert: &str, key: &SecretBytes, csr: &str) -> Vec<PlannedFile> {
    let mut out = vec![
        PlannedFile::public(&files.cert, cert.as_bytes().to_vec()),
        PlannedFile::key(&files.key, key.clone()),
    ];
    if let Some(path) = &files.csr {
        out.push(PlannedFile::public(path, csr.as_bytes().to_vec()));
    }
    out
}

/// A random serial, as cfssl makes them.
fn serial() -> Result<SerialNumber, SignError> {
    SerialNumber::random().map_err(|_| SignError::Random)
}

/// Warns about a kept key file that others may read; it is left as it is.
fn note_wide_key(path: &Path, warnings: &mut Vec<String>) {
    if let Some(mode) = wide_key_mode(path) {
        warnings.push(format!(
            "{}: the key is readable by others (mode {mode:04o}); run chmod 600 on it",
            path.display()
        ));
    }
}
