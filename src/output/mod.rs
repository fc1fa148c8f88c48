//! Stage 5: output. Signed results become cfssl's one-line JSON ([`to_json_line`]), and
//! cfssljson input becomes the set of files cfssljson would write ([`parse_cfssljson`]).
//!
//! Takes PEM strings (or cfssl JSON from stdin) and returns the JSON line to print, or a
//! [`FileSet`]: names and [`Contents`], a private key's wiped when dropped. Writing them is the PKI layer's
//! job (`crate::pki`), which alone touches the file system.

mod cfssljson;
mod contents;
mod json;

pub use cfssljson::{FileSet, OutputFile, parse_cfssljson};
pub use contents::Contents;
pub(crate) use json::go_escape;
pub use json::{Bundle, to_json_line};
