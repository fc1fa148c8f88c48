//! `--before`: how close to its expiry a certificate must be to get renewed.
//!
//! Takes the flag's text (a Go duration `720h`, whole days `30d`, or a share of the lifetime
//! `33%`) and returns a [`RenewWindow`], which answers "is this certificate due?" for a
//! lifetime and a remaining time. The default, one third of the lifetime, is what certbot and
//! cert-manager use: a 1-year certificate is renewed 4 months ahead, a 1-hour one 20 minutes.

use std::fmt;

use time::Duration;

use crate::config::GoDuration;
use crate::config::WindowError;
use crate::config::duration::parse_window;

/// When a certificate is due for renewal: a fixed time before its end, or a share of its
/// lifetime. Made only by [`RenewWindow::parse`], [`RenewWindow::fixed`],
/// `RenewWindow::percent` and `default`, so a share is always at most the whole lifetime and
/// a fixed window is never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewWindow(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Due when less than this remains (not negative).
    Fixed(GoDuration),
    /// Due when less than `numerator / denominator` of the lifetime remains.
    Share {
        /// Numerator, ≤ the denominator.
        numerator: u32,
        /// Denominator, positive.
        denominator: u32,
    },
}

impl Default for RenewWindow {
    /// One third of the lifetime.
    fn default() -> Self {
        Self(Kind::Share {
            numerator: 1,
            denominator: 3,
        })
    }
}

impl fmt::Display for RenewWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Fixed(d) => write!(f, "{d}"),
            Kind::Share {
                numerator: 1,
                denominator: 3,
            } => f.write_str("a third of the lifetime"),
            Kind::Share { numerator, .. } => write!(f, "{numerator}% of the lifetime"),
        }
    }
}

/// Why a `--before` value is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenewWindowError {
    /// A share that is not a whole percentage from 0 to 100.
    #[error("{text:?}: a share of the lifetime is a whole percentage from 0% to 100%")]
    Percentage {
        /// The value as written.
        text: String,
    },
    /// Not a window either.
    #[error("{}", window_message(.0))]
    Window(#[source] WindowError),
}

/// A window's error, with the third form `--before` takes named where the text was no window
/// at all (a negative one was a window, just not a usable one).
fn window_message(e: &WindowError) -> String {
    match e {
        WindowError::Invalid { .. } => format!("{e}, or a share of the lifetime such as \"33%\""),
        other => other.to_string(),
    }
}

impl RenewWindow {
    /// `720h`, `30d` or `33%` (a whole percentage from 0 to 100).
    pub fn parse(text: &str) -> Result<Self, RenewWindowError> {
        if let Some(percent) = text.strip_suffix('%') {
            return percent
                .parse::<u32>()
                .ok()
                .and_then(Self::percent)
                .ok_or_else(|| RenewWindowError::Percentage {
                    text: text.to_owned(),
                });
        }
        parse_window(text)
            .map(|d| Self(Kind::Fixed(d)))
            .map_err(RenewWindowError::Window)
    }

    /// Due when less than `window` remains; `None` for a negative window.
    pub fn fixed(window: GoDuration) -> Option<Self> {
        (!window.is_negative()).then_some(Self(Kind::Fixed(window)))
    }

    /// Due when less than `percent`% of the lifetime remains; `None` above 100.
    pub(crate) fn percent(percent: u32) -> Option<Self> {
        (percent <= 100).then_some(Self(Kind::Share {
            numerator: percent,
            denominator: 100,
        }))
    }

    /// The window for a certificate living `lifetime`.
    pub(crate) fn for_lifetime(self, lifetime: Duration) -> Duration {
        match self.0 {
            Kind::Fixed(d) => d.to_time(),
            Kind::Share {
                numerator,
                denominator,
            } => {
                let nanos = lifetime.whole_nanoseconds() * i128::from(numerator)
                    / i128::from(denominator.max(1));
                Duration::nanoseconds(i64::try_from(nanos).unwrap_or(i64::MAX))
            }
        }
    }

    /// True when less than the window remains of a certificate living `lifetime`
    /// (expired ones included).
    pub(crate) fn is_due(self, lifetime: Duration, remaining: Duration) -> bool {
        remaining < self.for_lifetime(lifetime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_durations_days_and_shares() {
        assert_eq!(
            RenewWindow::parse("720h"),
            Ok(RenewWindow::fixed(GoDuration::from_hours(720)).expect("positive"))
        );
        assert_eq!(
            RenewWindow::parse("30d"),
            Ok(RenewWindow::fixed(GoDuration::from_hours(720)).expect("positive"))
        );
        assert_eq!(
            RenewWindow::parse("33%"),
            Ok(RenewWindow::percent(33).expect("at most 100"))
        );
        assert_eq!(RenewWindow::percent(101), None);
        for bad in ["101%", "-1%", "x%", "1y", "-5h", ""] {
            assert!(RenewWindow::parse(bad).is_err(), "{bad}");
        }
        assert!(
            RenewWindow::parse("1y")
                .unwrap_err()
                .to_string()
                .contains("\"33%\""),
            "the message names every accepted form"
        );
    }

    #[test]
    fn a_certificate_is_due_inside_its_window() {
        let year = Duration::days(365);
        let third = RenewWindow::default();
        assert!(!third.is_due(year, Duration::days(130)));
        assert!(third.is_due(year, Duration::days(120)));
        assert!(third.is_due(year, Duration::days(-3)), "expired is due");
        let fixed = RenewWindow::parse("720h").expect("window");
        assert!(fixed.is_due(Duration::hours(1), Duration::minutes(59)));
        assert!(!fixed.is_due(year, Duration::days(31)));
        let none = RenewWindow::parse("0%").expect("window");
        assert!(!none.is_due(year, Duration::seconds(1)));
    }
}
