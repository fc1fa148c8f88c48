//! Where a rotation stands, worked out from the files.
//!
//! Takes the [`CaSet`], the files under the user's paths and the trust files the etcd
//! configurations name; returns a [`Survey`]: every trust file with the CAs it holds, every
//! leaf with the CA that issued it, and the [`Stage`] these say the rotation is at. Nothing is
//! written and no key but the CA's is read; a file that cannot be read is a problem listed in
//! the survey (the stage is then worked out from the rest, and a step refuses to run).

use std::path::{Path, PathBuf};

use super::ca_files::{CaCert, CaSet, Rotation, same_file};
use crate::pki::Leaf;
use crate::pki::fs::Trees;
use crate::pki::scan::{certificates_in, is_key_name};

/// A rotation's stage, from the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// No rotation under way.
    Idle,
    /// The new CA exists; some trust files do not hold it yet (prepare was stopped).
    Preparing,
    /// Every trust file holds the old and the new CA; leaves of the old CA remain.
    Prepared,
    /// Every leaf is the new CA's; trust files still hold the old CA.
    Reissued,
    /// Some trust files no longer hold the old CA, or `--ca` is already the new CA (finish was
    /// stopped).
    Finishing,
}

impl Stage {
    /// The stage's name in output (`prepared`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Idle => "idle",
            Stage::Preparing => "preparing",
            Stage::Prepared => "prepared",
            Stage::Reissued => "reissued",
            Stage::Finishing => "finishing",
        }
    }

    /// The command that moves the rotation on from here.
    pub fn next_step(self) -> &'static str {
        match self {
            Stage::Idle => "prepare",
            Stage::Preparing => "prepare",
            Stage::Prepared => "reissue",
            Stage::Reissued | Stage::Finishing => "finish",
        }
    }
}

/// Which CA issued a leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuedBy {
    /// The CA that signs from here on (the current one when no rotation is under way).
    New,
    /// The CA being replaced.
    Old,
    /// Another CA, named by its short name; a rotation leaves it alone.
    Other(String),
}

/// A file of CA certificates that etcd (or a client) trusts.
#[derive(Clone, Debug)]
pub struct TrustFile {
    /// The file.
    pub path: PathBuf,
    /// Its certificates, DER, in order.
    pub certs: Vec<Vec<u8>>,
    /// The etcd configurations that name it (empty when it was found under the paths).
    pub named_by: Vec<PathBuf>,
}

impl TrustFile {
    /// Whether it holds `ca`.
    pub fn holds(&self, ca: &CaCert) -> bool {
        self.certs.contains(&ca.der)
    }
}

/// A leaf found under the paths and who issued it.
#[derive(Clone, Debug)]
pub struct LeafState {
    /// The leaf.
    pub leaf: Leaf,
    /// Its CA.
    pub issued_by: IssuedBy,
}

/// Everything a rotation step needs to know from the disk.
#[derive(Debug)]
pub struct Survey {
    /// The trust files, in path order.
    pub trust_files: Vec<TrustFile>,
    /// The leaves, in path order.
    pub leaves: Vec<LeafState>,
    /// Files that could not be read, with why.
    pub problems: Vec<String>,
    /// The stage.
    pub stage: Stage,
}

/// The trust files and leaves among `files` (and the `named` trust files), judged against the
/// CAs of `cas`.
pub fn survey(
    cas: &CaSet,
    trees: &Trees,
    files: &[PathBuf],
    named: &[(PathBuf, PathBuf)],
) -> Survey {
    let mut survey = Survey {
        trust_files: Vec::new(),
        leaves: Vec::new(),
        problems: Vec::new(),
        stage: Stage::Idle,
    };
    let rotation = &cas.rotation;
    let mut candidates: Vec<&Path> = files
        .iter()
        .filter(|f| !is_key_name(f))
        .map(PathBuf::as_path)
        .collect();
    for (trust, _) in named {
        if !candidates.iter().any(|c| same_file(c, trust)) {
            candidates.push(trust);
        }
    }
    for file in candidates {
        if cas.paths.is_rotation_file(file) {
            continue;
        }
        let named_by: Vec<PathBuf> = named
            .iter()
            .filter(|(t, _)| same_file(t, file))
            .map(|(_, config)| config.clone())
            .collect();
        match read_candidate(trees, file, &named_by) {
            Ok(Some(bytes)) => classify(&mut survey, rotation, file, &bytes, named_by),
            Ok(None) => {}
            Err(problem) => survey.problems.push(problem),
        }
    }
    survey.stage = stage(rotation, &survey);
    survey
}

/// A candidate's bytes; `None` for a file a walk found that is gone or too large to be a
/// certificate (etcd's WAL, say); a problem for a file a configuration names that cannot be read.
fn read_candidate(
    trees: &Trees,
    file: &Path,
    named_by: &[PathBuf],
) -> Result<Option<Vec<u8>>, String> {
    let named = named_by.first();
    match (
        trees
            .locate(file)
            .and_then(|(dir, name)| dir.read_following(&name)),
        named,
    ) {
        (Ok(Some(bytes)), _) => Ok(Some(bytes)),
        (Ok(None), None) | (Err(crate::pki::FsError::TooLarge { .. }), None) => Ok(None),
        (Ok(None), Some(config)) => Err(format!(
            "{}: named by {} but it does not exist",
            file.display(),
            config.display()
        )),
        (Err(e), _) => Err(e.to_string()),
    }
}

/// Files the user named hold trust (only CA certificates) or a leaf (first certificate not a
/// CA); anything else is passed over, unless a configuration names it as a trust file.
fn classify(
    survey: &mut Survey,
    rotation: &Rotation,
    file: &Path,
    bytes: &[u8],
    named_by: Vec<PathBuf>,
) {
    let found = certificates_in(file, bytes);
    let Some(first) = found.first() else {
        if let Some(config) = named_by.first() {
            survey.problems.push(format!(
                "{}: named by {} as a trusted CA file but it holds no certificate",
                file.display(),
                config.display()
            ));
        }
        return;
    };
    if found.iter().all(|c| c.is_ca) {
        let trust = TrustFile {
            path: file.to_path_buf(),
            certs: found.iter().map(|c| c.der.clone()).collect(),
            named_by,
        };
        let relevant = !trust.named_by.is_empty()
            || trust.holds(rotation.signing())
            || rotation.old().is_some_and(|old| trust.holds(old));
        if relevant {
            survey.trust_files.push(trust);
        }
    } else if !first.is_ca {
        match Leaf::read(file, bytes) {
            Ok(leaf) => {
                let issued_by = issued_by(rotation, &leaf, &first.issuer_name);
                survey.leaves.push(LeafState { leaf, issued_by });
            }
            Err(e) => survey.problems.push(format!("{}: {e}", file.display())),
        }
    }
}

fn issued_by(rotation: &Rotation, leaf: &Leaf, issuer_name: &str) -> IssuedBy {
    if rotation.signing().issued(leaf) {
        IssuedBy::New
    } else if rotation.old().is_some_and(|old| old.issued(leaf)) {
        IssuedBy::Old
    } else {
        IssuedBy::Other(issuer_name.to_owned())
    }
}

fn stage(rotation: &Rotation, survey: &Survey) -> Stage {
    let Rotation::Under { old, new, switched } = rotation else {
        return Stage::Idle;
    };
    if *switched {
        return Stage::Finishing;
    }
    let trust = &survey.trust_files;
    if trust.iter().any(|t| !t.holds(new)) {
        // Finish adds nothing: a file without the new CA means prepare has not got to it.
        return Stage::Preparing;
    }
    if survey.leaves.iter().any(|l| l.issued_by == IssuedBy::Old) {
        return Stage::Prepared;
    }
    if trust.iter().all(|t| t.holds(old)) {
        Stage::Reissued
    } else {
        Stage::Finishing
    }
}
