//! Domain: a PKI on disk. Finding certificates and the files that go with them ([`scan`]:
//! walking, each tool's file naming), reading a leaf and what its renewal keeps ([`leaf`]), and
//! every write: crash-safe sets of files ([`atomic`]), a key and certificate replaced as one
//! change with recovery ([`swap`]), the checks before writing ([`guard`]), the backup kept
//! before cfssljson's name replaces a CA ([`backup`]), the lock that serialises runs over one
//! directory ([`lock`]), and a CA's revocation list with the CRLs made from it
//! ([`revocation`]).
//!
//! Takes paths; returns found certificates, leaves, and files written. Only this module and the
//! CLI touch the file system.

pub mod atomic;
pub mod backup;
pub mod guard;
pub mod leaf;
pub mod lock;
pub mod revocation;
pub mod scan;
pub mod swap;

pub use atomic::{
    KEY_MODE, OutputError, PUBLIC_MODE, PlannedFile, is_scratch_name, others_have_access,
    write_files,
};
pub use backup::{BackupError, backup_of};
pub use guard::{exposed_key_directories, others_can_replace, replaced_ca_keys};
pub use leaf::{Leaf, LeafError};
pub use lock::{LOCK_FILE_NAME, LockError, RenewLock};
pub use revocation::{CrlFile, Publication, RevocationError, RevocationList, Revoked, publish};
pub use scan::{FoundCertificate, ScanError, certificates_in, collect_files, describe};
pub use swap::{PENDING_SUFFIX, Recovery, recover, swap_files};
