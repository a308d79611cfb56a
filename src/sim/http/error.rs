//! Atlas's error shape, `{"detail", "error", "errorCode", "parameters", "reason"}` (with
//! `badRequestDetail.fields` for a refused body), and the one error every layer may give:
//! no such resource. Every refusal of the simulator, from a handler, the Digest check or a
//! fault, is an `ApiError`, so that clients read one shape whatever went wrong.

use super::render::{Format, Rendered};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// An error in Atlas's shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub parameters: Vec<Value>,
    /// `badRequestDetail.fields`: every violation, field and description.
    pub violations: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            parameters: Vec::new(),
            violations: Vec::new(),
        }
    }

    pub fn params(mut self, parameters: Vec<Value>) -> ApiError {
        self.parameters = parameters;
        self
    }

    pub(crate) fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "detail": self.detail,
            "error": self.status.as_u16(),
            "errorCode": self.code,
            "parameters": self.parameters,
            "reason": self.status.canonical_reason().unwrap_or("Error"),
        });
        if !self.violations.is_empty() {
            let fields: Vec<Value> = self
                .violations
                .iter()
                .map(|(field, description)| json!({"description": description, "field": field}))
                .collect();
            body["badRequestDetail"] = json!({ "fields": fields });
        }
        body
    }

    /// The error alone, in plain JSON (for answers given before the query is read).
    pub(crate) fn into_plain(self) -> Response {
        Rendered::error(&Format::plain(), &self).into_response()
    }
}

/// Atlas's 404 for a path it does not serve.
pub(crate) fn no_resource(path: &str) -> ApiError {
    ApiError::not_found("RESOURCE_NOT_FOUND", format!("Cannot find resource {path}.")).params(vec![json!(path)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_atlas_shape() {
        let e = ApiError::not_found("SNAPSHOT_NOT_FOUND", "No snapshot.");
        assert_eq!(
            e.to_json(),
            json!({"detail": "No snapshot.", "error": 404, "errorCode": "SNAPSHOT_NOT_FOUND", "parameters": [], "reason": "Not Found"})
        );
    }
}
