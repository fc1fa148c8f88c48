//! Where each certificate of the cluster goes, in one of three directory layouts.
//!
//! Takes a [`Layout`] and names; returns paths relative to the output directory. cfssl's
//! layout is flat, as cfssljson writes it (`BASE.pem`, `BASE-key.pem`, `BASE.csr`). The
//! etcdadm and kubeadm layouts use fixed file names per member (`server.crt`, `server.key`),
//! so each member gets its own directory `NAME/` that mirrors the tool's directory on the
//! member: `/etc/etcd/pki` for etcdadm (etcdadm constants.go `DefaultCertificateDir`), and
//! `/etc/kubernetes/pki` for kubeadm, whose etcd files are under `etcd/` (kubeadm
//! phases/certs/certlist.go). File names are the `*CertAndKeyBaseName` constants of etcdadm
//! constants/constants.go and of kubeadm cmd/kubeadm/app/constants/constants.go.

use std::path::{Path, PathBuf};

/// A directory layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// cfssljson's names in one directory: `ca.pem`, `NAME.pem`, `NAME-peer.pem`, `CLIENT.pem`.
    Cfssl,
    /// etcdadm's `/etc/etcd/pki` per member: `ca.crt`, `server.crt`, `peer.crt`,
    /// `etcdctl-etcd-client.crt`, `apiserver-etcd-client.crt` (and `.key`s).
    Etcdadm,
    /// kubeadm's `/etc/kubernetes/pki` per member: `etcd/ca.crt`, `etcd/server.crt`,
    /// `etcd/peer.crt`, `etcd/healthcheck-client.crt`, `apiserver-etcd-client.crt`.
    Kubeadm,
}

/// The files of one copy of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFiles {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM, mode 0600).
    pub key: PathBuf,
    /// Its PKCS#10 request, in the cfssl layout only (cfssljson writes one).
    pub csr: Option<PathBuf>,
}

impl CertFiles {
    /// Every path.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        [Some(&self.cert), Some(&self.key), self.csr.as_ref()]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
    }
}

/// A client certificate that a layout makes for every member or once for the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutClient {
    /// Its CN: the etcd user name it authenticates as.
    pub common_name: String,
    /// The file name without extension, inside the member directory (`etcd/healthcheck-client`).
    pub base: &'static str,
    /// The base name of its cfssl request file in the output directory (`BASE-csr.json`).
    pub request_base: String,
}

/// The organization kubeadm and etcdadm give their etcd client certificates (certlist.go
/// `KubeadmCertEtcdHealthcheck`, etcdadm certs.go): Kubernetes' superuser group. etcd ignores
/// it; it is kept so that the files match what those tools make.
pub(crate) const MASTERS_GROUP: &str = "system:masters";

impl Layout {
    /// `BASE.pem`/`BASE-key.pem`/`BASE.csr` (cfssl) or `BASE.crt`/`BASE.key`, in `dir`.
    pub fn files(self, dir: &Path, base: &str) -> CertFiles {
        match self {
            Layout::Cfssl => CertFiles {
                cert: dir.join(format!("{base}.pem")),
                key: dir.join(format!("{base}-key.pem")),
                csr: Some(dir.join(format!("{base}.csr"))),
            },
            Layout::Etcdadm | Layout::Kubeadm => CertFiles {
                cert: dir.join(format!("{base}.crt")),
                key: dir.join(format!("{base}.key")),
                csr: None,
            },
        }
    }

    /// The CA's file base, in the output directory and in each member directory.
    fn ca_base(self) -> &'static str {
        match self {
            Layout::Cfssl | Layout::Etcdadm => "ca",
            Layout::Kubeadm => "etcd/ca",
        }
    }

    /// The CA, relative to the output directory: the copy every later run reuses.
    pub fn ca(self) -> CertFiles {
        self.files(Path::new(""), self.ca_base())
    }

    /// The directory of member `name`'s files, relative to the output directory.
    pub(crate) fn member_dir(self, name: &str) -> PathBuf {
        match self {
            Layout::Cfssl => PathBuf::new(),
            Layout::Etcdadm | Layout::Kubeadm => PathBuf::from(name),
        }
    }

    /// The copy of the CA in a member directory (etcdadm and kubeadm keep `ca.key` on every
    /// member to sign that member's certificates); none in the flat cfssl layout.
    pub(crate) fn member_ca(self, name: &str) -> Option<CertFiles> {
        match self {
            Layout::Cfssl => None,
            Layout::Etcdadm | Layout::Kubeadm => {
                Some(self.files(&self.member_dir(name), self.ca_base()))
            }
        }
    }

    /// Member `name`'s server certificate (client traffic), relative to the output directory.
    pub fn server(self, name: &str) -> CertFiles {
        match self {
            Layout::Cfssl => self.files(Path::new(""), name),
            Layout::Etcdadm => self.files(&self.member_dir(name), "server"),
            Layout::Kubeadm => self.files(&self.member_dir(name), "etcd/server"),
        }
    }

    /// Member `name`'s peer certificate, relative to the output directory.
    pub fn peer(self, name: &str) -> CertFiles {
        match self {
            Layout::Cfssl => self.files(Path::new(""), &format!("{name}-peer")),
            Layout::Etcdadm => self.files(&self.member_dir(name), "peer"),
            Layout::Kubeadm => self.files(&self.member_dir(name), "etcd/peer"),
        }
    }

    /// The base name of the cfssl request file of member `name`'s server (`NAME`) or peer
    /// (`NAME-peer`) certificate, as the cfssl layout names the certificates.
    pub(crate) fn request_base(name: &str, peer: bool) -> String {
        if peer {
            format!("{name}-peer")
        } else {
            name.to_owned()
        }
    }

    /// The clients etcdadm makes on each member: CN `NAME-etcdctl` for etcdctl and
    /// `NAME-kube-apiserver-etcd-client` for the API server (etcdadm certs/certs.go).
    pub(crate) fn member_clients(self, name: &str) -> Vec<LayoutClient> {
        match self {
            Layout::Etcdadm => vec![
                LayoutClient {
                    common_name: format!("{name}-etcdctl"),
                    base: "etcdctl-etcd-client",
                    request_base: format!("{name}-etcdctl-etcd-client"),
                },
                LayoutClient {
                    common_name: format!("{name}-kube-apiserver-etcd-client"),
                    base: "apiserver-etcd-client",
                    request_base: format!("{name}-apiserver-etcd-client"),
                },
            ],
            Layout::Cfssl | Layout::Kubeadm => Vec::new(),
        }
    }

    /// The clients kubeadm uses on every control-plane node under one identity: CN
    /// `kube-etcd-healthcheck-client` and `kube-apiserver-etcd-client` (certlist.go). One
    /// certificate each, copied into every member directory.
    pub(crate) fn shared_clients(self) -> Vec<LayoutClient> {
        match self {
            Layout::Kubeadm => vec![
                LayoutClient {
                    common_name: "kube-etcd-healthcheck-client".into(),
                    base: "etcd/healthcheck-client",
                    request_base: "healthcheck-client".into(),
                },
                LayoutClient {
                    common_name: "kube-apiserver-etcd-client".into(),
                    base: "apiserver-etcd-client",
                    request_base: "apiserver-etcd-client".into(),
                },
            ],
            Layout::Cfssl | Layout::Etcdadm => Vec::new(),
        }
    }

    /// A `--client NAME` certificate, in the output directory.
    pub fn client(self, name: &str) -> CertFiles {
        self.files(Path::new(""), name)
    }
}

/// Member `name`'s environment file, in the output directory.
pub(crate) fn env_file(name: &str) -> PathBuf {
    PathBuf::from(format!("{name}.env"))
}

/// A certificate's cfssl request file (`BASE-csr.json`), in the output directory.
pub(crate) fn request_file(base: &str) -> PathBuf {
    PathBuf::from(format!("{base}-csr.json"))
}

/// The signing configuration, in the output directory.
pub(crate) const CONFIG_FILE: &str = "ca-config.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_use_the_tools_file_names() {
        assert_eq!(Layout::Cfssl.ca().cert, Path::new("ca.pem"));
        assert_eq!(
            Layout::Cfssl.peer("infra0").key,
            Path::new("infra0-peer-key.pem")
        );
        assert_eq!(
            Layout::Cfssl.server("infra0").csr.as_deref(),
            Some(Path::new("infra0.csr"))
        );
        assert_eq!(
            Layout::Etcdadm.server("infra0").cert,
            Path::new("infra0/server.crt")
        );
        assert_eq!(
            Layout::Etcdadm.member_ca("infra0").map(|f| f.key),
            Some(PathBuf::from("infra0/ca.key"))
        );
        assert_eq!(Layout::Kubeadm.ca().cert, Path::new("etcd/ca.crt"));
        assert_eq!(
            Layout::Kubeadm.peer("infra0").key,
            Path::new("infra0/etcd/peer.key")
        );
        assert_eq!(
            Layout::Kubeadm.shared_clients()[1].base,
            "apiserver-etcd-client"
        );
        assert!(Layout::Kubeadm.server("m").csr.is_none());
    }
}
