//! The validity period, computed as cfssl's `signer.FillTemplate` does. All time comes from the
//! caller's `now`, so tests pin it.

use time::OffsetDateTime;

use super::SignError;
use crate::config::Profile;

/// notBefore and notAfter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First instant of validity.
    pub not_before: OffsetDateTime,
    /// Last instant of validity.
    pub not_after: OffsetDateTime,
}

/// `now` rounded to the nearest minute (Go `Time.Round(time.Minute)`: halves round up).
pub fn round_to_minute(now: OffsetDateTime) -> OffsetDateTime {
    let truncated = now
        .replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now);
    if now - truncated >= time::Duration::seconds(30) {
        truncated + time::Duration::MINUTE
    } else {
        truncated
    }
}

impl Validity {
    /// notBefore = round(now, 1 min) − backdate, or the profile's fixed `not_before`;
    /// notAfter = notBefore + expiry (the backdate counts inside the expiry), or the fixed
    /// `not_after`. cfssl does not clamp to the issuer's lifetime, and neither do we.
    pub(crate) fn for_profile(profile: &Profile, now: OffsetDateTime) -> Result<Self, SignError> {
        let overflow = || SignError::ValidityOutOfRange(profile.expiry.to_string());
        let not_before = match profile.not_before {
            Some(t) => t,
            None => round_to_minute(now)
                .checked_sub(profile.backdate.to_time())
                .ok_or_else(overflow)?,
        };
        let not_after = match profile.not_after {
            Some(t) => t,
            None => not_before
                .checked_add(profile.expiry.to_time())
                .ok_or_else(overflow)?,
        };
        if !(0..=9999).contains(&not_after.year()) || !(0..=9999).contains(&not_before.year()) {
            return Err(overflow());
        }
        Ok(Self {
            not_before: not_before.to_offset(time::UtcOffset::UTC),
            not_after: not_after.to_offset(time::UtcOffset::UTC),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GoDuration;
    use time::macros::datetime;

    #[test]
    fn rounds_half_up_to_the_minute() {
        assert_eq!(
            round_to_minute(datetime!(2026-11-22 02:59:05 UTC)),
            datetime!(2026-11-22 02:59 UTC)
        );
        assert_eq!(
            round_to_minute(datetime!(2026-11-22 02:59:30 UTC)),
            datetime!(2026-11-22 03:00 UTC)
        );
        assert_eq!(
            round_to_minute(datetime!(2026-11-22 23:59:45 UTC)),
            datetime!(2026-11-23 00:00 UTC)
        );
    }

    #[test]
    fn backdate_is_inside_the_expiry() {
        let mut p = Profile::cfssl_default();
        p.expiry = GoDuration::from_hours(8760);
        let v = Validity::for_profile(&p, datetime!(2026-11-22 02:59:05 UTC)).expect("valid");
        assert_eq!(v.not_before, datetime!(2026-11-22 02:54 UTC));
        assert_eq!(v.not_after, datetime!(2027-11-22 02:54 UTC));
    }

    #[test]
    fn fixed_times_override() {
        let mut p = Profile::cfssl_default();
        p.not_before = Some(datetime!(2030-01-01 00:00 UTC));
        let v = Validity::for_profile(&p, datetime!(2026-11-22 02:59:05 UTC)).expect("valid");
        assert_eq!(v.not_before, datetime!(2030-01-01 00:00 UTC));
        assert_eq!(
            v.not_after,
            datetime!(2030-01-01 00:00 UTC) + time::Duration::hours(8760)
        );
    }
}
