//! The restore request as the user gave it: text, possibly malformed, from the form or
//! from a JSON body.

use super::field::Field;
use super::finding::{Code, Finding};
use serde_json::Value;

/// Where a field's text came from, which decides the JSON type checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind {
    /// Typed into the form: human forms (relative times, RFC 3339) are welcome.
    Typed,
    /// A JSON string in a body.
    JsonString,
    /// A JSON number in a body (its text as written by serde_json).
    JsonNumber,
    /// A JSON value of another type; the text names it ("an object").
    JsonOther,
}

/// One field's value as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub text: String,
    pub kind: RawKind,
}

/// Fields a response carries but a request does not: sending them is harmless but a sign
/// that a response was pasted as a request.
const RESPONSE_ONLY: [&str; 14] = [
    "id",
    "batchId",
    "clusterId",
    "clusterName",
    "created",
    "deploymentJobId",
    "encryptionEnabled",
    "groupId",
    "hashes",
    "links",
    "masterKeyUUID",
    "pointInTime",
    "statusName",
    "timestamp",
];
/// `expires` is a request field of Cloud and Ops Manager (`Field::Expires`); in Atlas the
/// rules warn of it as response-only.
const DELIVERY_RESPONSE_ONLY: [&str; 6] = ["statusName", "url", "urlV2", "authHeader", "authValue", "authBearer"];

/// What the user typed for each body field, plus what reading a JSON body noticed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreDraft {
    values: [Option<RawValue>; Field::ALL.len()],
    /// Findings from reading a JSON body (unknown fields, wrong shapes); `validate` reports them.
    pub(crate) notes: Vec<Finding>,
}

impl RestoreDraft {
    pub fn new() -> RestoreDraft {
        RestoreDraft::default()
    }

    /// Sets a body field from typed text; blank text clears it. The source project and
    /// cluster are not body fields: they belong in the `Context`.
    pub fn set(&mut self, field: Field, text: &str) {
        let text = text.trim();
        self.values[field.index()] = (!text.is_empty() && Field::BODY.contains(&field)).then(|| RawValue {
            text: text.to_string(),
            kind: RawKind::Typed,
        });
    }

    /// Builder-style `set`, for tests and fixtures.
    pub fn with(mut self, field: Field, text: &str) -> RestoreDraft {
        self.set(field, text);
        self
    }

    pub fn get(&self, field: Field) -> Option<&RawValue> {
        self.values[field.index()].as_ref()
    }

    /// The field's text, or "" when unset.
    pub fn text(&self, field: Field) -> &str {
        self.get(field).map_or("", |v| v.text.as_str())
    }

    pub(crate) fn is_set(&self, field: Field) -> bool {
        self.get(field).is_some()
    }

    /// Reads a request body. Never fails: what does not fit becomes a finding.
    pub fn from_json(body: &Value) -> RestoreDraft {
        let mut draft = RestoreDraft::default();
        let Some(top) = body.as_object() else {
            draft.notes.push(Finding::error(
                Code::BodyNotObject,
                &[],
                format!(
                    "the body is {}, not a JSON object: send {{\"snapshotId\": ..., \"delivery\": {{\"methodName\": ...}}}}",
                    json_type_name(body)
                ),
            ));
            return draft;
        };
        for (key, value) in top {
            if key == "delivery" {
                draft.read_delivery(value);
                continue;
            }
            match Field::from_json_key(key, false) {
                Some(field) => draft.put_json(field, value),
                None => draft.note_unknown(key, "", &RESPONSE_ONLY),
            }
        }
        draft
    }

    fn read_delivery(&mut self, value: &Value) {
        match value {
            Value::Null => {}
            Value::Object(delivery) => {
                for (key, value) in delivery {
                    match Field::from_json_key(key, true) {
                        Some(field) => self.put_json(field, value),
                        None => self.note_unknown(key, "delivery.", &DELIVERY_RESPONSE_ONLY),
                    }
                }
            }
            other => self.notes.push(Finding::error(
                Code::WrongType,
                &[Field::MethodName],
                format!(
                    "delivery must be an object, not {}: send \"delivery\": {{\"methodName\": \"HTTP\"}}",
                    json_type_name(other)
                ),
            )),
        }
    }

    fn put_json(&mut self, field: Field, value: &Value) {
        let raw = match value {
            // An explicit null says "not set", as an omitted field does.
            Value::Null => return,
            Value::String(s) => RawValue {
                text: s.clone(),
                kind: RawKind::JsonString,
            },
            Value::Number(n) => RawValue {
                text: n.to_string(),
                kind: RawKind::JsonNumber,
            },
            other => RawValue {
                text: json_type_name(other).to_string(),
                kind: RawKind::JsonOther,
            },
        };
        self.values[field.index()] = Some(raw);
    }

    fn note_unknown(&mut self, key: &str, prefix: &str, response_only: &[&str]) {
        // The key is data from the input: escape it before it can reach a terminal.
        let key = &key.escape_debug().to_string();
        if response_only.contains(&key.as_str()) {
            self.notes.push(Finding::warning(
                Code::ResponseOnlyField,
                &[],
                format!("{prefix}{key} is set by Atlas in responses and ignored in a request: remove it"),
            ));
            return;
        }
        let near = Field::BODY
            .iter()
            .copied()
            .find(|f| f.in_delivery() != prefix.is_empty() && f.json_key().eq_ignore_ascii_case(key));
        let message = match near {
            Some(f) => format!(
                "{prefix}{key} is not a field Atlas reads (names are case-sensitive): did you mean {}?",
                f.api_name()
            ),
            None => format!("{prefix}{key} is not a field of a restore request: Atlas ignores it; remove it"),
        };
        self.notes
            .push(Finding::warning(Code::UnknownField, &[], message).about_key(format!("{prefix}{key}")));
    }
}

pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
