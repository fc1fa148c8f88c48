//! Go durations (`87600h`, `1h30m`, `1.5s`), parsed and printed exactly as Go's `time` package
//! does, since cfssl's `expiry`, `backdate` and `ca.expiry` are `time.ParseDuration` strings.
//!
//! Takes text, returns a [`GoDuration`] (signed nanoseconds, like Go's `time.Duration`). Go has
//! no `d` or `y` unit; for those the error suggests the equivalent in hours.

use std::fmt;

/// A span of time in nanoseconds, the range of Go's `time.Duration`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(i64);

/// Why a duration does not parse; the texts are Go's own (`time: unknown unit "y" in duration "1y"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not of the form `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or out of range.
    #[error("time: invalid duration {0:?}")]
    Invalid(String),
    /// A number without a unit.
    #[error("time: missing unit in duration {0:?}")]
    MissingUnit(String),
    /// A unit Go does not know.
    #[error("time: unknown unit {unit:?} in duration {input:?}")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole input.
        input: String,
    },
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000;
const MILLISECOND: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Go's unit table (`time.unitMap`), including both micro signs.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

impl GoDuration {
    /// Zero.
    pub(crate) const ZERO: Self = Self(0);

    /// A duration of `n` nanoseconds.
    pub const fn from_nanos(n: i64) -> Self {
        Self(n)
    }

    /// A duration of `h` hours (saturating).
    pub const fn from_hours(h: i64) -> Self {
        Self(h.saturating_mul(HOUR as i64))
    }

    /// A duration of `m` minutes (saturating).
    pub(crate) const fn from_minutes(m: i64) -> Self {
        Self(m.saturating_mul(MINUTE as i64))
    }

    /// The nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// True for durations below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The same span as a `time::Duration`.
    pub fn to_time(self) -> time::Duration {
        time::Duration::nanoseconds(self.0)
    }

    /// Parses like Go's `time.ParseDuration`.
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        let invalid = || DurationError::Invalid(input.to_owned());
        let mut s = input;
        let mut negative = false;
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        }
        if s == "0" {
            return Ok(Self::ZERO);
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            let first = s.as_bytes()[0];
            if !(first == b'.' || first.is_ascii_digit()) {
                return Err(invalid());
            }
            let (whole, rest) = leading_int(s).ok_or_else(invalid)?;
            let had_whole = rest.len() != s.len();
            s = rest;
            let (mut fraction, mut scale, mut had_fraction) = (0u64, 1f64, false);
            if let Some(rest) = s.strip_prefix('.') {
                let (f, sc, rest2) = leading_fraction(rest);
                had_fraction = rest2.len() != rest.len();
                (fraction, scale) = (f, sc);
                s = rest2;
            }
            if !had_whole && !had_fraction {
                return Err(invalid());
            }
            let unit_len = s
                .bytes()
                .position(|c| c == b'.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            if unit_len == 0 {
                return Err(DurationError::MissingUnit(input.to_owned()));
            }
            let (unit, rest) = s.split_at(unit_len);
            s = rest;
            let nanos = unit_nanos(unit).ok_or_else(|| DurationError::UnknownUnit {
                unit: unit.to_owned(),
                input: input.to_owned(),
            })?;
            if whole > (1u64 << 63) / nanos {
                return Err(invalid());
            }
            let mut value = whole * nanos;
            if fraction > 0 {
                // Go uses float64 here too, which is nanosecond-exact up to an hour's fraction.
                value += (fraction as f64 * (nanos as f64 / scale)) as u64;
                if value > 1 << 63 {
                    return Err(invalid());
                }
            }
            total = total.checked_add(value).ok_or_else(invalid)?;
            if total > 1 << 63 {
                return Err(invalid());
            }
        }
        if negative {
            // 1<<63 is exactly i64::MIN's magnitude.
            Ok(Self(0i64.wrapping_sub_unsigned(total)))
        } else if total > i64::MAX as u64 {
            Err(invalid())
        } else {
            Ok(Self(total as i64))
        }
    }
}

/// `[0-9]*` as an integer; `None` on overflow past 2^63 (Go's `errLeadingInt`).
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let mut x: u64 = 0;
    for c in s[..end].bytes() {
        if x > (1u64 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    Some((x, &s[end..]))
}

/// `[0-9]*` after a decimal point: the digits that fit, and their scale (10^digits).
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let (mut x, mut scale, mut overflow) = (0u64, 1f64, false);
    for c in s[..end].bytes() {
        if overflow {
            continue;
        }
        if x > (i64::MAX as u64) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[end..])
}

/// Go's `Duration.String`: `87600h0m0s`, `1.5s`, `300ms`, `0s`.
impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        if u == 0 {
            return f.write_str("0s");
        }
        if u < SECOND {
            let (unit, precision) = if u < MICROSECOND {
                ("ns", 0)
            } else if u < MILLISECOND {
                ("\u{b5}s", 3)
            } else {
                ("ms", 6)
            };
            return write!(f, "{sign}{}{unit}", decimal(u, precision));
        }
        let seconds = decimal(u % MINUTE, 9);
        let minutes = u / MINUTE;
        let (hours, minutes) = (minutes / 60, minutes % 60);
        if hours > 0 {
            write!(f, "{sign}{hours}h{minutes}m{seconds}s")
        } else if minutes > 0 {
            write!(f, "{sign}{minutes}m{seconds}s")
        } else {
            write!(f, "{sign}{seconds}s")
        }
    }
}

/// `v / 10^precision` with the fraction's trailing zeros (and a bare point) removed.
fn decimal(v: u64, precision: u32) -> String {
    let scale = 10u64.pow(precision);
    let (whole, fraction) = (v / scale, v % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A hint for inputs people write by habit: `30d` → `720h`, `1y` → `8760h`.
pub fn suggest(input: &str) -> Option<String> {
    let (number, unit) = input.split_at(input.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = number.parse().ok()?;
    let hours = match unit {
        "d" => n.checked_mul(24)?,
        "w" => n.checked_mul(24 * 7)?,
        "y" => n.checked_mul(24 * 365)?,
        _ => return None,
    };
    Some(format!(
        "durations are Go durations with units h, m, s, ms, us, ns; write \"{hours}h\" for {input}"
    ))
}

/// `9y`, `364d`, `5h`, `12m`, or `expired`.
pub fn residual(seconds: i64) -> String {
    const DAY: i64 = 86_400;
    match seconds {
        s if s <= 0 => "expired".into(),
        s if s >= 365 * DAY => format!("{}y", s / (365 * DAY)),
        s if s >= DAY => format!("{}d", s / DAY),
        s if s >= 3600 => format!("{}h", s / 3600),
        s => format!("{}m", (s / 60).max(1)),
    }
}

/// Why a window (`--before`, `--fail-within`, `--warn-within`) is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// Below zero.
    #[error("{text:?}: the window cannot be negative")]
    Negative {
        /// The window as written.
        text: String,
    },
    /// Neither a Go duration nor days.
    #[error("{text:?}: {source}; write a Go duration such as \"720h\" or days such as \"30d\"")]
    Invalid {
        /// The window as written.
        text: String,
        /// Go's reason.
        #[source]
        source: DurationError,
    },
}

/// A window as `--fail-within` takes it: a Go duration (`720h`) or whole days (`30d`).
pub fn parse_window(text: &str) -> Result<GoDuration, WindowError> {
    if let Some(days) = text.strip_suffix('d')
        && let Ok(n) = days.parse::<i64>()
    {
        if n < 0 {
            return Err(WindowError::Negative {
                text: text.to_owned(),
            });
        }
        return Ok(GoDuration::from_hours(n.saturating_mul(24)));
    }
    match GoDuration::parse(text) {
        Ok(d) if !d.is_negative() => Ok(d),
        Ok(_) => Err(WindowError::Negative {
            text: text.to_owned(),
        }),
        Err(source) => Err(WindowError::Invalid {
            text: text.to_owned(),
            source,
        }),
    }
}

/// A window or lifetime in the grammar [`parse_window`] reads: whole days as days (`400d`, not
/// a rounded `1y`), anything else as Go writes it (`36h0m0s` stays exact). Parsing the result
/// gives the same duration back.
pub fn format_window(window: GoDuration) -> String {
    const DAY_NANOS: i64 = 24 * HOUR as i64;
    let nanos = window.as_nanos();
    if nanos > 0 && nanos % DAY_NANOS == 0 {
        format!("{}d", nanos / DAY_NANOS)
    } else {
        window.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_format_back_exactly_in_days_or_go_syntax() {
        for text in ["400d", "30d", "1d", "36h0m0s", "1m30s", "0s"] {
            let d = parse_window(text).expect(text);
            assert_eq!(format_window(d), text);
            assert_eq!(parse_window(&format_window(d)), Ok(d));
        }
        assert_eq!(format_window(parse_window("720h").expect("720h")), "30d");
    }

    fn parse(s: &str) -> i64 {
        GoDuration::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .as_nanos()
    }

    #[test]
    fn parses_what_go_parses() {
        assert_eq!(parse("87600h"), 87600 * HOUR as i64);
        assert_eq!(parse("1h30m"), 90 * MINUTE as i64);
        assert_eq!(parse("1.5h"), 90 * MINUTE as i64);
        assert_eq!(parse("-1.5s"), -1_500_000_000);
        assert_eq!(parse("+5m"), 5 * MINUTE as i64);
        assert_eq!(parse("0"), 0);
        assert_eq!(parse(".5s"), 500_000_000);
        assert_eq!(parse("1.s"), 1_000_000_000);
        assert_eq!(parse("1\u{b5}s"), 1000);
        assert_eq!(parse("1\u{3bc}s"), 1000);
        assert_eq!(parse("2h45m30.5s1ms"), parse("9930501ms"));
        assert_eq!(parse("9223372036854775807ns"), i64::MAX);
        assert_eq!(parse("-9223372036854775808ns"), i64::MIN);
    }

    #[test]
    fn rejects_what_go_rejects_with_gos_messages() {
        let err = |s: &str| GoDuration::parse(s).expect_err(s).to_string();
        assert_eq!(err("1y"), r#"time: unknown unit "y" in duration "1y""#);
        assert_eq!(err("30d"), r#"time: unknown unit "d" in duration "30d""#);
        assert_eq!(err("10"), r#"time: missing unit in duration "10""#);
        assert_eq!(err(""), r#"time: invalid duration """#);
        assert_eq!(err("."), r#"time: invalid duration ".""#);
        assert_eq!(err("h"), r#"time: invalid duration "h""#);
        assert_eq!(err("1h "), r#"time: unknown unit "h " in duration "1h ""#);
        assert_eq!(
            err("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(
            err("3000000h"),
            r#"time: invalid duration "3000000h""#,
            "past 292 years"
        );
    }

    #[test]
    fn formats_like_go() {
        let f = |n: i64| GoDuration::from_nanos(n).to_string();
        assert_eq!(f(0), "0s");
        assert_eq!(f(87600 * HOUR as i64), "87600h0m0s");
        assert_eq!(f(90 * MINUTE as i64), "1h30m0s");
        assert_eq!(f(1_500_000_000), "1.5s");
        assert_eq!(f(-300_000_000), "-300ms");
        assert_eq!(f(1500), "1.5\u{b5}s");
        assert_eq!(f(7), "7ns");
        assert_eq!(f(61 * SECOND as i64 + 1), "1m1.000000001s");
        assert_eq!(f(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn format_then_parse_is_the_identity() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            // xorshift: cheap, deterministic coverage of the whole range and of small values.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for n in [x as i64, (x % 100_000) as i64, (x % (400 * HOUR)) as i64] {
                let d = GoDuration::from_nanos(n);
                assert_eq!(GoDuration::parse(&d.to_string()), Ok(d), "{n}");
            }
        }
    }

    #[test]
    fn suggests_hours_for_days_and_years() {
        assert!(suggest("30d").is_some_and(|s| s.contains("\"720h\"")));
        assert!(suggest("1y").is_some_and(|s| s.contains("\"8760h\"")));
        assert_eq!(suggest("1q"), None);
    }

    #[test]
    fn residual_times_read_like_kubeadms() {
        assert_eq!(residual(-5), "expired");
        assert_eq!(residual(9 * 365 * 86_400 + 100), "9y");
        assert_eq!(residual(364 * 86_400 + 5), "364d");
        assert_eq!(residual(5 * 3600 + 1), "5h");
        assert_eq!(residual(30), "1m");
    }

    #[test]
    fn windows_take_go_durations_and_days() {
        assert_eq!(parse_window("720h"), Ok(GoDuration::from_hours(720)));
        assert_eq!(parse_window("30d"), Ok(GoDuration::from_hours(720)));
        assert!(parse_window("-1h").is_err());
        assert!(parse_window("1y").is_err());
    }
}
