//! Stage 1: ca-config.json → [`Policy`].
//!
//! Takes the bytes of a cfssl ca-config.json and returns a validated [`Policy`] whose profiles
//! hold typed usages, durations and times, with warnings for what was ignored. Reads the file as
//! cfssl does (cfssl 1.6.5 config/config.go `LoadConfig`: Go's `encoding/json`, so keys match
//! case-insensitively; durations by Go's `time.ParseDuration`; signer/signer.go `FillTemplate`
//! inherits from `default`) but fails, with the JSON path, where cfssl silently drops or
//! substitutes (docs/compat.md).

pub mod duration;
pub mod policy;
pub mod presets;
pub(crate) mod read;
pub mod usage;

pub use duration::{DurationError, GoDuration, WindowError};
pub use policy::{
    CaConstraint, CertificatePolicy, CsrWhitelist, Policy, PolicyQualifier, Profile, ProfileError,
};
pub use read::parse_ca_config;
pub use usage::{ExtKeyUsage, KeyUsage, KeyUsageBit, Usage};
