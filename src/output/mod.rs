//! Stage 5: output. Signed results become cfssl's one-line JSON, and cfssljson input becomes
//! files written atomically with fixed modes.
//!
//! Takes PEM strings (or cfssl JSON from stdin) and returns the JSON line to print, or a
//! [`FileSet`] to write with [`write_files`]. Every file is written to a temporary file in the
//! same directory, synced and renamed into place, so a reader sees the old or the new file and
//! never a part; keys are 0600 whatever mode an older file had (cfssl keeps the old mode).
//! [`swap_files`] replaces a key and its certificate as one change, for `renew`.

mod atomic;
pub mod certinfo;
mod cfssljson;
mod guard;
mod json;
mod swap;

pub use atomic::{
    KEY_MODE, OutputError, PUBLIC_MODE, PlannedFile, is_scratch_name, others_have_access,
    write_files,
};
pub use cfssljson::{FileSet, OutputFile, parse_cfssljson};
pub use guard::{exposed_key_directories, others_can_replace, replaced_ca_keys};
pub use json::{Bundle, to_json_line};
pub use swap::{PENDING_SUFFIX, Recovery, recover, swap_files};
