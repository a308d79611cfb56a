//! Reading what Atlas, Cloud Manager and Ops Manager send, leniently: numbers that come as
//! strings, nulls for lists, dates as text or as `{date, increment}`.

use super::types::BsonTimestamp;
use crate::text::Clean;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A time the API writes either as `{date, increment}` or as a plain ISO string (a
/// checkpoint's `timestamp`, a restore job's `created`), read as the former.
pub(super) fn timestamp_or_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BsonTimestamp>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => serde_json::from_value(Value::Object(map)).ok(),
        other => date_text(&other).map(|date| BsonTimestamp {
            date: Some(date),
            increment: None,
        }),
    })
}

/// A date as a string, or a number of epoch seconds (milliseconds past 1e11), as ISO text.
pub(super) fn date_text(v: &Value) -> Option<Clean> {
    match v {
        Value::String(s) => Some(Clean::new(s)),
        Value::Number(n) => {
            let n = n.as_i64()?;
            let ms = if n.abs() >= 100_000_000_000 {
                n
            } else {
                n.checked_mul(1000)?
            };
            Some(Clean::new(&crate::restore::time_input::format_utc_ms(ms)))
        }
        _ => None,
    }
}

pub(super) fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Clean>, D::Error> {
    Ok(date_text(&Value::deserialize(d)?))
}

/// A time as a string, a number of epoch seconds, or a `{date, increment}` object: its date,
/// as ISO text.
pub(super) fn date_of<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Clean>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => map.get("date").and_then(date_text),
        other => date_text(&other),
    })
}

pub(super) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A number, or a string holding one (Atlas's v1.0 docs quote numbers); anything else is `None`.
pub(super) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}
