//! Foundation: X.509 bytes in and out. [`read`] parses certificates and CSRs (refusing what
//! x509-parser reads only in part) and renders names; [`der_writer`] writes the DER that the
//! signing stage assembles, with Go's encoding choices; [`crl`] writes and reads certificate
//! revocation lists, whose entries are [`Serial`]s.
//!
//! Takes DER; returns parsed values, or DER. Depends on nothing else in the crate.

pub mod crl;
pub mod der_writer;
pub mod read;
pub mod serial;

pub use read::{
    ReadError, attribute_text, is_whole, name_text, parse_certificate, parse_certificate_request,
};
pub use serial::{Serial, SerialError};
