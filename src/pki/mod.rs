//! Domain: a PKI on disk. Finding certificates and the files that go with them ([`scan`]:
//! walking, each tool's file naming), reading a leaf and what its renewal keeps ([`leaf`]), its
//! successor signed by a given CA and the files that install it ([`successor`]), and
//! every read and write of a PKI file, through one safe module: directory handles that follow
//! no link below the directories named ([`fs`]), who owns a written file and with which mode
//! ([`place`]), sets of files written with a commit record and recovered after a crash
//! ([`commit`](mod@commit)), the checks before writing ([`guard`]), the backup kept before cfssljson's name
//! replaces a CA ([`backup`]), the directory locks that serialise runs ([`lock`]), the crash
//! points the tests use ([`crash`]), which role a certificate plays for etcd ([`role`]), a
//! CA's revocation list with the CRLs made from it ([`revocation`]), and the names of a CA
//! rotation's files ([`rotation_files`]).
//!
//! Takes paths; returns found certificates, leaves, and files written. Only this module and the
//! CLI touch the file system. docs/security.md states what it guarantees and which test pins
//! each guarantee.

pub mod backup;
pub mod commit;
pub mod crash;
pub mod fs;
pub mod guard;
pub mod leaf;
pub mod lock;
pub mod place;
pub mod revocation;
pub mod role;
pub mod rotation_files;
pub mod scan;
pub mod successor;

pub use backup::{BackupError, backup_of};
pub use commit::{
    CommitError, DEFAULT_LOCK_WAIT, KEY_MODE, PENDING_SUFFIX, PUBLIC_MODE, PlannedFile, Recovery,
    Written, commit, is_scratch_name, others_have_access, recover_dir, write_files,
};
pub use fs::{DirHandle, FsError, MAX_FILE_BYTES, Root};
pub use guard::{exposed_key_directories, others_can_replace, replaced_ca_keys};
pub use leaf::{Leaf, LeafError};
pub use lock::{DirLock, LockError};
pub use place::PlaceError;
pub use revocation::{CrlFile, Publication, RevocationError, RevocationList, Revoked, publish};
pub use scan::{FoundCertificate, ScanError, certificates_in, collect_files, describe};

/// The error of a failed write, under the name the output stage used.
pub type OutputError = CommitError;
