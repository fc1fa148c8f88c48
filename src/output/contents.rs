//! What a file to write holds: public bytes (a certificate, a request, a JSON file) or a
//! secret (a private key).
//!
//! Takes bytes from the stage that made them; returns a [`Contents`] whose variant decides how
//! the file is written (a key is 0600 when new and never readable by others when replaced) and
//! whose secret bytes are wiped when dropped ([`SecretBytes`]). A key cannot be handed on as
//! public bytes by mistake: the type says which it is, not a flag beside it.

use crate::key::SecretBytes;

/// A file's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contents {
    /// Anyone may read it.
    Public(Vec<u8>),
    /// A private key (or a file holding one): wiped when dropped, hidden from `Debug`.
    Secret(SecretBytes),
}

impl Contents {
    /// The bytes to write.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Contents::Public(bytes) => bytes,
            Contents::Secret(secret) => secret.expose(),
        }
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// True for a private key.
    pub fn is_secret(&self) -> bool {
        matches!(self, Contents::Secret(_))
    }
}
