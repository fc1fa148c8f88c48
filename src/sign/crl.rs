//! Stage 4, CRLs: a CA and its key sign a revocation list, in cfssl's `gencrl` form or in the
//! RFC 5280 form that `revoke` and `renew` keep.
//!
//! Takes an [`Issuer`] (a CA certificate with its matching key), the entries and the times;
//! returns the CRL's DER, written by [`crate::x509::crl`] and signed here. [`gencrl`] reads a
//! serial list as cfssl 1.6.5 does (crl/crl.go `NewCRLFromFile`) and signs what Go's
//! `Certificate.CreateCRL` would: the issuer re-encoded from the parsed subject
//! (`c.Subject.ToRDNSequence()`), SHA-256 for every RSA key (`signingParamsForPublicKey` with no
//! algorithm asked), the AKI from the CA's SubjectKeyIdentifier, no CRL number.

use time::{Duration, OffsetDateTime};

use super::{Issuer, SignError};
use crate::key::SignatureAlgorithm;
use crate::request::{DistinguishedName, NameFields};
use crate::x509::Serial;
use crate::x509::crl::{self, CrlEntry, CrlShape, Reason, TbsCrl};

/// cfssl's default nextUpdate when TIME is 0 or absent: one week (crl/crl.go `oneWeek`).
pub(crate) const GENCRL_DEFAULT_VALIDITY: Duration = Duration::WEEK;

/// `gencrl`'s TIME argument that cfssl would refuse too.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "TIME {value:?}: {reason} (cfssl: strconv.ParseInt: parsing {value:?}: {reason})\n  help: TIME is the CRL's validity in seconds, a 32-bit integer (0 or none: one week)"
)]
pub struct TimeError {
    /// The argument, trimmed.
    pub value: String,
    /// Go's words: `invalid syntax` or `value out of range`.
    pub reason: &'static str,
}

/// `gencrl`'s TIME as cfssl 1.6.5 reads it: surrounding whitespace trimmed, then Go's
/// `strconv.ParseInt(s, 0, 32)` (a sign; `0x`, `0o`, `0b` or a leading `0` for octal; `_`
/// between digits), in seconds from now; 0 means one week (crl/crl.go). Negative values are
/// accepted, as cfssl accepts them: the CRL is then out of date from the start.
pub fn parse_gencrl_time(text: &str) -> Result<Duration, TimeError> {
    let value = text.trim();
    let fail = |reason| TimeError {
        value: value.to_owned(),
        reason,
    };
    let seconds = go_parse_int32(value).map_err(fail)?;
    Ok(if seconds == 0 {
        GENCRL_DEFAULT_VALIDITY
    } else {
        Duration::seconds(i64::from(seconds))
    })
}

/// Go's `strconv.ParseInt(s, 0, 32)`.
fn go_parse_int32(s: &str) -> Result<i32, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest, true)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest, true)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    // strconv's underscoreOK: `_` only between digits (a base prefix counts as a digit).
    let mut previous_digit = prefixed;
    let mut value: i64 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            if !previous_digit {
                return Err(SYNTAX);
            }
            previous_digit = false;
            continue;
        }
        let d = c.to_digit(radix).ok_or(SYNTAX)?;
        value = value
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(d));
        previous_digit = true;
        any = true;
    }
    if !any || !previous_digit {
        return Err(SYNTAX);
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).map_err(|_| "value out of range")
}

/// A line of a `gencrl` serial list that cfssl would misread.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {value:?} is not a decimal serial number{}", cfssl_reads(.cfssl_value))]
pub struct SerialLineError {
    /// The list's name as given.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// The line's text.
    pub value: String,
    /// What cfssl would revoke instead (Go's `big.Int.SetString` keeps the digits it read).
    pub cfssl_value: String,
}

fn cfssl_reads(value: &str) -> String {
    format!(" (cfssl would revoke serial {value} here); write one decimal serial per line")
}

/// The serials of a `gencrl` list: one decimal serial per line, blank lines skipped, as cfssl
/// reads them. cfssl passes each line to Go's `big.Int.SetString(line, 10)` and ignores its
/// failure, keeping the digits read so far: `12a` revokes 12, ` 77` and `0x10` revoke 0. The
/// lines cfssl reads as meant (digits with an optional sign, then only whitespace such as a
/// CRLF's `\r`) give the same serials here; every other line is an error naming it.
pub fn parse_serial_list(file: &str, text: &[u8]) -> Result<Vec<Serial>, SerialLineError> {
    let text = String::from_utf8_lossy(text);
    let mut serials = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let digits = line.trim_end();
        match Serial::parse_decimal(digits) {
            Ok(s) => serials.push(s),
            Err(_) => {
                return Err(SerialLineError {
                    file: file.to_owned(),
                    line: index + 1,
                    value: line.to_owned(),
                    cfssl_value: go_set_string_prefix(line),
                });
            }
        }
    }
    Ok(serials)
}

/// What Go's `SetString(line, 10)` leaves in its receiver when it fails: the sign and the
/// digits before the first other character (0 when there are none).
fn go_set_string_prefix(line: &str) -> String {
    let (sign, rest) = match line.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", line.strip_prefix('+').unwrap_or(line)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        "0".into()
    } else {
        format!("{sign}{digits}")
    }
}

/// The issuer name Go writes into a `CreateCRL` CRL: the CA's subject parsed into `pkix.Name`
/// (`FillFromRDNSequence`: the standard attributes only, the last CN and serialNumber kept) and
/// re-encoded (`ToRDNSequence`: Go's attribute order, values of one type in one RDN,
/// PrintableString where possible, empty values such as `C=""` or `OU=""` kept and an empty CN
/// left out). Other attributes (emailAddress, DC) are dropped, so the bytes can differ from the
/// CA's subject.
pub(crate) fn go_issuer_name(ca: &Issuer) -> Result<Vec<u8>, SignError> {
    let bad = |e: crate::x509::ReadError| SignError::CaCertificate {
        file: "the CA certificate".into(),
        reason: e.to_string(),
    };
    let cert = crate::x509::parse_certificate(ca.certificate_der()).map_err(bad)?;
    let mut fields = NameFields::from_x509(cert.subject()).map_err(bad)?;
    fields.extra.clear();
    Ok(DistinguishedName::from_fields(&fields).to_der())
}

/// What `cfssl gencrl` makes: a CRL of `serials`, all revoked at `now`, valid from `now` for
/// `validity`, in Go's `CreateCRL` form.
pub fn gencrl(
    ca: &Issuer,
    serials: &[Serial],
    now: OffsetDateTime,
    validity: Duration,
) -> Result<Vec<u8>, SignError> {
    let entries: Vec<CrlEntry> = serials
        .iter()
        .map(|s| CrlEntry {
            serial: s.clone(),
            revoked_at: now,
            reason: Reason::Unspecified,
        })
        .collect();
    let algorithm = SignatureAlgorithm::go_default_for_key(ca.key().algorithm());
    let issuer = go_issuer_name(ca)?;
    let next_update = now
        .checked_add(validity)
        .ok_or_else(|| SignError::ValidityOutOfRange(format!("{validity}")))?;
    sign(
        ca,
        algorithm,
        &TbsCrl {
            shape: CrlShape::GoCreateCrl,
            algorithm: &algorithm.algorithm_identifier(),
            issuer: &issuer,
            this_update: now,
            next_update,
            entries: &entries,
            authority_key_id: ca.key_id(),
            number: None,
        },
    )
}

/// An RFC 5280 CRL (Go's `CreateRevocationList` form) for `entries`, numbered `number`, signed
/// with the algorithm the CA signs certificates with; the issuer is the CA's subject byte for
/// byte, as certificates carry it.
pub fn sign_crl(
    ca: &Issuer,
    entries: &[CrlEntry],
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Vec<u8>, SignError> {
    let algorithm = ca.key().signature_algorithm();
    sign(
        ca,
        algorithm,
        &TbsCrl {
            shape: CrlShape::Rfc5280,
            algorithm: &algorithm.algorithm_identifier(),
            issuer: ca.subject_der(),
            this_update,
            next_update,
            entries,
            authority_key_id: ca.key_id(),
            number: Some(number),
        },
    )
}

fn sign(
    ca: &Issuer,
    algorithm: SignatureAlgorithm,
    tbs: &TbsCrl<'_>,
) -> Result<Vec<u8>, SignError> {
    let tbs_der = tbs.to_der();
    let signature = ca.key().sign_as(algorithm, &tbs_der)?;
    Ok(crl::certificate_list(&tbs_der, tbs.algorithm, &signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_read_as_go_parse_int_base_0_reads_it() {
        let secs = |t: &str| parse_gencrl_time(t).map(|d| d.whole_seconds());
        assert_eq!(secs("3600"), Ok(3600));
        assert_eq!(secs(" 3600\n"), Ok(3600));
        assert_eq!(secs("0"), Ok(604_800));
        assert_eq!(secs("-60"), Ok(-60));
        assert_eq!(secs("+60"), Ok(60));
        assert_eq!(secs("0x10"), Ok(16));
        assert_eq!(secs("010"), Ok(8));
        assert_eq!(secs("0o10"), Ok(8));
        assert_eq!(secs("0b11"), Ok(3));
        assert_eq!(secs("1_000"), Ok(1000));
        assert_eq!(secs("0x_10"), Ok(16));
        assert_eq!(secs("2147483647"), Ok(2_147_483_647));
        assert_eq!(secs("-2147483648"), Ok(-2_147_483_648));
        for bad in [
            "", "abc", "1h", "_1", "1_", "1__0", "0x", "08", "1.5", "--1",
        ] {
            assert_eq!(
                parse_gencrl_time(bad).map_err(|e| e.reason),
                Err("invalid syntax"),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_gencrl_time("2147483648").map_err(|e| e.reason),
            Err("value out of range")
        );
    }

    #[test]
    fn serial_lists_give_what_cfssl_reads_or_name_the_line() {
        let list = b"12345\n\n  \n99\r\n+7\n-5\n0\n42   ";
        let got: Vec<String> = parse_serial_list("s.txt", list)
            .expect("valid")
            .iter()
            .map(Serial::to_decimal)
            .collect();
        assert_eq!(got, ["12345", "99", "7", "-5", "0", "42"]);
        for (line, cfssl) in [(" 77", "0"), ("0x10", "0"), ("12a34", "12"), ("-abc", "0")] {
            let text = format!("1\n{line}\n");
            let e = parse_serial_list("s.txt", text.as_bytes()).expect_err(line);
            assert_eq!((e.line, e.cfssl_value.as_str()), (2, cfssl), "{line:?}");
            assert!(e.to_string().starts_with("s.txt:2: "), "{e}");
        }
    }
}
