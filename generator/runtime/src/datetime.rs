//! Date-times in the forms Java servers write, read into `chrono::DateTime<Utc>`.
//!
//! Accepted: `2023-12-14T22:44:06.219Z` and every variation Jackson, `java.time` and Spring
//! produce: a zone of `Z`, `+00:00`, `+0000` or `+00`, optionally followed by a zone ID in
//! brackets (`+01:00[Europe/Paris]`, as `ZonedDateTime` prints); no zone at all; 0 to 9 fraction
//! digits; no seconds (`LocalDateTime.toString()` drops `:00`); a space instead of `T`.
//!
//! **A value without a zone is read as UTC**: a `LocalDateTime` on a server that keeps UTC (as an
//! API documenting UTC timestamps does) prints without one. A JSON number is never guessed to be
//! epoch seconds or milliseconds, since the two cannot be told apart; an optional field keeps it
//! raw (see [`lenient`](super::lenient)).

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone as _, Utc};
use serde::{Deserialize as _, Deserializer};

/// What a date-time field expects, for decode errors and warnings.
pub const EXPECTED: &str = "a date-time (ISO 8601)";

/// Parses one of the accepted forms; `None` when the text is not a date-time.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // A zone ID after the offset (`…+01:00[Europe/Paris]`): the offset alone is the instant.
    let text = match text.find('[') {
        Some(i) if text.ends_with(']') => &text[..i],
        _ => text,
    };
    let time_start = text.find(['T', 't', ' '])?;
    let (local, offset) = split_zone(text, time_start + 1)?;
    let local = local.replacen(['t', ' '], "T", 1);
    let naive = NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M"))
        .ok()?;
    let at = offset.from_local_datetime(&naive).single()?;
    Some(at.with_timezone(&Utc))
}

/// Splits `text` into its local part and its offset (UTC when there is none); the zone is
/// searched for after `from`, where the time begins.
fn split_zone(text: &str, from: usize) -> Option<(&str, FixedOffset)> {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return Some((local, FixedOffset::east_opt(0)?));
    }
    let Some(sign_at) = text[from..].rfind(['+', '-']).map(|i| i + from) else {
        return Some((text, FixedOffset::east_opt(0)?));
    };
    let (local, zone) = text.split_at(sign_at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes, seconds) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0, 0),
        4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?, 0),
        6 => (digits[..2].parse().ok()?, digits[2..4].parse().ok()?, digits[4..].parse().ok()?),
        _ => return None,
    };
    if hours > 18 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some((local, FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60 + seconds))?))
}

/// `deserialize_with` for a required date-time: any accepted form, else an error that names the
/// expected form (never the value).
pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let raw = serde_json::Value::deserialize(deserializer)?;
    from_value(&raw).ok_or_else(|| mismatch::<D::Error>(&raw))
}

/// `deserialize_with` for a required, nullable date-time (`null` is `None`).
pub fn required_nullable<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let raw = serde_json::Value::deserialize(deserializer)?;
    if raw.is_null() {
        return Ok(None);
    }
    from_value(&raw).map(Some).ok_or_else(|| mismatch::<D::Error>(&raw))
}

/// `deserialize_with` for an optional, nullable date-time (`Option<Option<_>>`: present `null` is
/// `Some(None)`); serialize it with `serde_util::double_option::serialize`.
pub fn optional_nullable<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    required_nullable(deserializer).map(Some)
}

/// The date-time a JSON value holds, when it is a string in an accepted form.
pub(crate) fn from_value(raw: &serde_json::Value) -> Option<DateTime<Utc>> {
    raw.as_str().and_then(parse)
}

fn mismatch<E: serde::de::Error>(raw: &serde_json::Value) -> E {
    E::custom(format_args!("expected {EXPECTED}, found {}", super::decode::json_kind(raw)))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn at(text: &str) -> Option<String> {
        parse(text).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
    }

    #[test]
    fn reads_the_forms_java_servers_write() {
        let want = Some("2023-12-14T22:44:06.219000000Z".to_owned());
        assert_eq!(at("2023-12-14T22:44:06.219Z"), want);
        assert_eq!(at("2023-12-14T22:44:06.219+00:00"), want);
        assert_eq!(at("2023-12-14T22:44:06.219+0000"), want);
        assert_eq!(at("2023-12-14T22:44:06.219+00"), want);
        assert_eq!(at("2023-12-14T22:44:06.219"), want, "no zone is UTC");
        assert_eq!(at("2023-12-14 22:44:06.219"), want);
        assert_eq!(at("2023-12-14T23:44:06.219+01:00[Europe/Paris]"), want);
        assert_eq!(at("2023-12-14T17:44:06.219-0500"), want);
        assert_eq!(at("2023-12-14T22:44:06.219000Z"), want);
        assert_eq!(at("2023-12-14T22:44:06.219000000Z"), want);
        assert_eq!(at("2023-12-14T22:44:06Z"), Some("2023-12-14T22:44:06.000000000Z".to_owned()));
        assert_eq!(at("2023-12-14T22:44:06.1Z"), Some("2023-12-14T22:44:06.100000000Z".to_owned()));
        assert_eq!(at("2023-12-14T22:44:06.123456789+00:00"), Some("2023-12-14T22:44:06.123456789Z".to_owned()));
        assert_eq!(at("2023-12-14T22:44"), Some("2023-12-14T22:44:00.000000000Z".to_owned()));
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for text in [
            "",
            "yesterday",
            "2023-12-14",
            "1702593846219",
            "2023-12-14T25:00:00Z",
            "2023-12-14T22:44:06+2500",
            "2023-12-14T22:44:06+ab:cd",
            "2023-13-14T22:44:06Z",
        ] {
            assert_eq!(at(text), None, "{text}");
        }
    }
}
