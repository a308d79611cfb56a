//! Times as people write them: raw epoch numbers, RFC 3339 times (seconds optional) and
//! relative times (`-90m`, `2h ago`, `now`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a time field's text means before its unit is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HumanTime {
    /// A bare integer: epoch seconds or milliseconds, depending on the field.
    Number(i128),
    /// A moment, already resolved, in epoch milliseconds.
    AtMs(i64),
}

/// Reads a time field's text. `now_ms` anchors relative times.
pub(crate) fn parse_human_time(text: &str, now_ms: i64) -> Result<HumanTime, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty".into());
    }
    if let Ok(n) = text.parse::<i128>() {
        return Ok(HumanTime::Number(n));
    }
    // Relative times count from the current whole second: the milliseconds of "now" mean
    // nothing to the person who typed "-90m", and would change the screen every frame.
    let now_ms = now_ms - now_ms.rem_euclid(1000);
    if text.eq_ignore_ascii_case("now") {
        return Ok(HumanTime::AtMs(now_ms));
    }
    if let Some(ms) = parse_rfc3339_lenient(text) {
        return Ok(HumanTime::AtMs(ms));
    }
    if let Some(ago) = parse_relative(text) {
        let ago_ms = i64::try_from(ago.as_millis()).map_err(|_| "that is too long ago".to_string())?;
        return now_ms
            .checked_sub(ago_ms)
            .map(HumanTime::AtMs)
            .ok_or_else(|| "that is too long ago".to_string());
    }
    Err(format!(
        "{text:?} is not a time: write epoch digits, an RFC 3339 UTC time (2026-11-28T09:30Z) or a relative one (-90m, 2h ago)"
    ))
}

/// A moment as a command's flag takes it (`--since`, `--before`): RFC 3339, epoch seconds or
/// milliseconds (seconds when too few digits for milliseconds of this century), or a time
/// back from `now_ms` (`-2h`, `7d`, `2h ago`).
pub fn moment_ms(text: &str, now_ms: i64) -> Result<i64, String> {
    match parse_human_time(text, now_ms)? {
        HumanTime::AtMs(ms) => Ok(ms),
        HumanTime::Number(n) if (0..100_000_000_000).contains(&n) => Ok(n as i64 * 1000),
        HumanTime::Number(n) => i64::try_from(n).map_err(|_| format!("{n} is out of range")),
    }
}

/// `-90m`, `90m ago`, `1h 30m ago`, or a bare `90m` (meaning ago: restore points are in the past).
fn parse_relative(text: &str) -> Option<std::time::Duration> {
    let lower = text.to_ascii_lowercase();
    let body = lower.strip_suffix("ago").map(str::trim_end).unwrap_or(&lower);
    let body = body.strip_prefix('-').map(str::trim_start).unwrap_or(body);
    if body.is_empty() || body.starts_with('+') {
        return None;
    }
    humantime::parse_duration(body).ok()
}

/// RFC 3339, also without seconds (`2026-11-28T09:30Z`), with a space or a lower-case `t`/`z`,
/// and without a zone (`2026-11-28 18:30`, or `… UTC`): read as UTC, as the API's times are, so
/// that it means what its RFC 3339 twin `2026-11-28T18:30Z` means.
pub fn parse_rfc3339_lenient(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_ascii() {
        // RFC 3339 is ASCII; the byte positions below rely on it.
        return None;
    }
    let mut s: String = text.to_ascii_uppercase();
    if s.len() > 10 && s.as_bytes()[10] == b' ' {
        s.replace_range(10..11, "T");
    }
    if let Some(rest) = s.strip_suffix("UTC").or_else(|| s.strip_suffix("GMT")) {
        s = format!("{}Z", rest.trim_end());
    }
    // A date and a time with no zone at all: UTC.
    if s.len() > 11 && s.as_bytes()[10] == b'T' && !s[11..].contains(['Z', '+', '-']) {
        s.push('Z');
    }
    let parsed = OffsetDateTime::parse(&s, &Rfc3339).ok().or_else(|| {
        // `HH:MM` followed directly by the offset: add the seconds.
        let bytes = s.as_bytes();
        if s.len() > 16 && bytes[13] == b':' && !matches!(bytes[16], b':') {
            let mut with_secs = s.clone();
            with_secs.insert_str(16, ":00");
            OffsetDateTime::parse(&with_secs, &Rfc3339).ok()
        } else {
            None
        }
    })?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses an ISO-8601 / RFC 3339 time and says whether its offset was UTC.
pub(crate) fn parse_iso_utc(text: &str) -> Option<(i64, bool)> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    let ms = i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()?;
    Some((ms, parsed.offset().is_utc()))
}

/// `2026-11-28T09:30:00Z` for epoch milliseconds (whole seconds; milliseconds when not zero).
pub fn format_utc_ms(ms: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return format!("{ms} ms");
    };
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, sec) = (t.hour(), t.minute(), t.second());
    let milli = t.millisecond();
    if milli == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.{milli:03}Z")
    }
}

/// `2026-11-28T09:30:00Z` for epoch seconds.
pub(crate) fn format_utc_secs(secs: i64) -> String {
    secs.checked_mul(1000)
        .map(format_utc_ms)
        .unwrap_or_else(|| format!("{secs} s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_764_322_200_000; // 2025-11-28T09:30:00Z

    #[test]
    fn reads_each_way_people_write_a_time() {
        let at = |s: &str| parse_human_time(s, NOW_MS);
        assert_eq!(at("1764322200000"), Ok(HumanTime::Number(1_764_322_200_000)));
        assert_eq!(at("2025-11-28T09:30Z"), Ok(HumanTime::AtMs(NOW_MS)));
        assert_eq!(at("2025-11-28 09:30:00z"), Ok(HumanTime::AtMs(NOW_MS)));
        assert_eq!(at("2025-11-28T10:30+01:00"), Ok(HumanTime::AtMs(NOW_MS)));
        assert_eq!(at("-90m"), Ok(HumanTime::AtMs(NOW_MS - 90 * 60_000)));
        assert_eq!(at("2h ago"), Ok(HumanTime::AtMs(NOW_MS - 2 * 3_600_000)));
        assert_eq!(at("1h 30m ago"), Ok(HumanTime::AtMs(NOW_MS - 90 * 60_000)));
        assert_eq!(at("now"), Ok(HumanTime::AtMs(NOW_MS)));
        assert_eq!(at("2025-11-28 09:30 UTC"), Ok(HumanTime::AtMs(NOW_MS)));
        assert!(at("yesterday-ish").is_err());
        assert!(at("+2h").is_err());
    }

    /// `2026-11-28 18:30` is how people write a time (and what `date` and databases print):
    /// with no zone it is UTC, like its RFC 3339 twin, never the local zone and never refused.
    #[test]
    fn a_time_without_a_zone_is_utc_like_its_rfc3339_twin() {
        let twin = parse_rfc3339_lenient("2026-11-28T18:30Z").unwrap();
        assert_eq!(format_utc_ms(twin), "2026-11-28T18:30:00Z");
        for text in [
            "2026-11-28 18:30",
            " 2026-11-28 18:30 ",
            "2026-11-28T18:30",
            "2026-11-28t18:30",
            "2026-11-28 18:30:00",
            "2026-11-28 18:30 UTC",
            "2026-11-28 18:30 gmt",
            "2026-11-28 18:30Z",
        ] {
            assert_eq!(parse_rfc3339_lenient(text), Some(twin), "{text:?}");
            assert_eq!(parse_human_time(text, NOW_MS), Ok(HumanTime::AtMs(twin)), "{text:?}");
        }
        assert_eq!(parse_rfc3339_lenient("2026-11-28 18:30:05.250"), Some(twin + 5_250));
        // A zone that is given still counts.
        assert_eq!(parse_rfc3339_lenient("2026-11-28 19:30+01:00"), Some(twin));
        assert_eq!(parse_rfc3339_lenient("2026-11-28 18:30-00:30"), Some(twin + 1_800_000));
        // Not times: a date alone, a time alone, nonsense after the time.
        for text in ["2026-11-28", "18:30", "2026-11-28 18:30 CET", "2026-11-28 25:30"] {
            assert_eq!(parse_rfc3339_lenient(text), None, "{text:?}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(format_utc_ms(NOW_MS), "2025-11-28T09:30:00Z");
        assert_eq!(format_utc_ms(NOW_MS + 5), "2025-11-28T09:30:00.005Z");
        assert_eq!(format_utc_secs(1_536_610_288), "2018-09-10T20:11:28Z");
        assert_eq!(format_utc_ms(i64::MAX), format!("{} ms", i64::MAX));
    }
}

#[cfg(test)]
mod non_ascii {
    use super::*;

    /// Found by the property test: byte positions in non-ASCII text panicked.
    #[test]
    fn non_ascii_text_is_not_a_time_and_does_not_panic() {
        assert_eq!(parse_rfc3339_lenient("2026-11-28é09:30Z"), None);
        assert!(parse_human_time("ü2026-11-28T09:30Z", 0).is_err());
    }
}
