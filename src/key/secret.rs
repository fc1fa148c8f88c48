//! Secret bytes: a private key's PEM on its way from the key generator or an input to a file.
//!
//! Takes the bytes (or a `String`, moved, not copied) and returns a [`SecretBytes`] that wipes
//! them when it is dropped (the zeroize crate) and never shows them in `Debug` output, so that a
//! plan printed in a log or an error holds no key. The type is what marks a file as a key:
//! [`crate::output::Contents::Secret`] carries one, and a public file cannot.

use zeroize::{Zeroize, Zeroizing};

/// Bytes of a private key: wiped when dropped, hidden from `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes `bytes`; they are wiped when the value is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes, to write them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<String> for SecretBytes {
    /// Takes the string's buffer as it is (no copy is left behind).
    fn from(text: String) -> Self {
        Self::new(text.into_bytes())
    }
}

impl From<Zeroizing<String>> for SecretBytes {
    /// Moves the string out; the emptied wrapper has nothing left to wipe.
    fn from(mut text: Zeroizing<String>) -> Self {
        Self::from(std::mem::take(&mut *text))
    }
}

impl Zeroize for SecretBytes {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBytes({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_bytes_and_zeroize_wipes_them() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\n";
        let mut secret = SecretBytes::from(Zeroizing::new(pem.to_owned()));
        assert_eq!(secret.expose(), pem.as_bytes());
        let shown = format!("{secret:?}");
        assert_eq!(shown, format!("SecretBytes({} bytes)", pem.len()));
        secret.zeroize();
        assert!(secret.expose().is_empty());
    }
}
