//! The members a rotation restarts and checks, and the trust files their configurations name.
//!
//! Takes the etcd configurations read with [`crate::etcd::read_etcd_config`] (and their
//! files' paths) or `--endpoints`; returns [`Member`]s in the order given (the order restarts
//! follow) and the trusted CA files each configuration names, resolved as etcd resolves them:
//! relative to the directory it runs in, which for a configuration file is taken to be the
//! file's own directory, then the current one.

use std::path::{Path, PathBuf};

use crate::etcd::EtcdConfig;

/// One etcd member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// `--name`, or the client URL's host and port when only `--endpoints` named it.
    pub name: String,
    /// Client URLs to reach it on (`--advertise-client-urls`, else `--listen-client-urls`).
    pub client_urls: Vec<String>,
    /// Peer URLs (`--initial-advertise-peer-urls`, else `--listen-peer-urls`).
    pub peer_urls: Vec<String>,
    /// The configuration file, if one named it.
    pub config: Option<PathBuf>,
    /// `--peer-cert-allowed-cn`: a probe on the peer port must carry one of these.
    pub peer_allowed_cn: Vec<String>,
}

impl Member {
    /// The member a configuration describes.
    pub fn from_config(config: &EtcdConfig) -> Self {
        let pick = |first: &[String], second: &[String]| {
            let urls = if first.is_empty() { second } else { first };
            urls.iter()
                .filter(|u| u.starts_with("https://"))
                .cloned()
                .collect::<Vec<_>>()
        };
        let client_urls = pick(&config.advertise_client_urls, &config.listen_client_urls);
        Self {
            name: config.name.clone().unwrap_or_else(|| {
                config
                    .source
                    .file_stem()
                    .map_or_else(|| "default".into(), |s| s.to_string_lossy().into_owned())
            }),
            client_urls,
            peer_urls: pick(
                &config.initial_advertise_peer_urls,
                &config.listen_peer_urls,
            ),
            config: Some(config.source.clone()),
            peer_allowed_cn: config.peer_cert_allowed_cn.clone(),
        }
    }

    /// A member known only by a client URL (`--endpoints`).
    pub fn from_endpoint(url: &str) -> Self {
        let name = url
            .strip_prefix("https://")
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_owned();
        Self {
            name,
            client_urls: vec![url.to_owned()],
            peer_urls: Vec::new(),
            config: None,
            peer_allowed_cn: Vec::new(),
        }
    }
}

/// The trusted CA files a configuration names (`--trusted-ca-file`,
/// `--peer-trusted-ca-file`), resolved, each with the configuration's path.
pub fn named_trust_files(config: &EtcdConfig) -> Vec<(PathBuf, PathBuf)> {
    let dir = config.source.parent().unwrap_or(Path::new(""));
    [&config.trusted_ca_file, &config.peer_trusted_ca_file]
        .into_iter()
        .flatten()
        .map(|file| (resolve(dir, file), config.source.clone()))
        .collect()
}

/// A path as written in a configuration in `dir`: absolute as it is, relative against `dir`
/// when that exists there, else as written (against the current directory).
fn resolve(dir: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let beside = dir.join(path);
    if beside.exists() {
        beside
    } else {
        path.to_path_buf()
    }
}
