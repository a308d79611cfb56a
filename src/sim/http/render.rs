//! How an answer is written: the media type of the API version, `?pretty=true` (indented
//! JSON) and `?envelope=true` (`{"status", "content"}`, or the status added to a page), for
//! documents, pages and errors alike. Handlers return values; only this file turns them into
//! bytes, so a new query flag that changes every answer goes here.

use super::error::ApiError;
use crate::restore::ApiVersion;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A successful answer: a document, or a page of them.
pub(crate) struct Reply {
    pub body: Value,
    pub is_page: bool,
}

/// A single document.
pub(crate) fn doc(body: Value) -> Result<Reply, ApiError> {
    Ok(Reply { body, is_page: false })
}

/// How the client asked the answer to be written.
pub(crate) struct Format {
    pub api: ApiVersion,
    pub pretty: bool,
    pub envelope: bool,
}

impl Format {
    /// Compact JSON, no envelope: for answers given before the query is read.
    pub fn plain() -> Format {
        Format {
            api: ApiVersion::V1,
            pretty: false,
            envelope: false,
        }
    }
}

/// An answer written out, before it becomes a response.
pub(crate) struct Rendered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Rendered {
    fn json(status: StatusCode, content_type: &'static str, body: &Value, pretty: bool) -> Rendered {
        let bytes = if pretty {
            serde_json::to_vec_pretty(body)
        } else {
            serde_json::to_vec(body)
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Rendered {
            status,
            headers,
            body: bytes.unwrap_or_default(),
        }
    }

    pub fn ok(fmt: &Format, reply: Reply) -> Rendered {
        let body = match (fmt.envelope, reply.body) {
            // A page is an envelope already: Atlas only adds the status to it.
            (true, Value::Object(mut page)) if reply.is_page => {
                page.insert("status".into(), json!(200));
                Value::Object(page)
            }
            (true, body) => json!({ "status": 200, "content": body }),
            (false, body) => body,
        };
        Rendered::json(StatusCode::OK, fmt.api.media_type(), &body, fmt.pretty)
    }

    pub fn error(fmt: &Format, err: &ApiError) -> Rendered {
        let body = if fmt.envelope {
            json!({ "status": err.status.as_u16(), "content": err.to_json() })
        } else {
            err.to_json()
        };
        // Errors are application/json in both API versions.
        Rendered::json(err.status, "application/json", &body, fmt.pretty)
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Rendered {
        self.headers.insert(name, value);
        self
    }

    pub(crate) fn into_response(self) -> Response {
        (self.status, self.headers, self.body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_adds_status_to_pages_and_wraps_documents() {
        let fmt = Format {
            api: ApiVersion::V2,
            pretty: false,
            envelope: true,
        };
        let page = Rendered::ok(
            &fmt,
            Reply {
                body: json!({"links": [], "results": [], "totalCount": 0}),
                is_page: true,
            },
        );
        let v: Value = serde_json::from_slice(&page.body).unwrap();
        assert_eq!(v["status"], 200);
        assert_eq!(v["totalCount"], 0);
        assert_eq!(
            page.headers[header::CONTENT_TYPE],
            "application/vnd.atlas.2023-01-01+json"
        );
        let one = Rendered::ok(
            &fmt,
            Reply {
                body: json!({"id": "x"}),
                is_page: false,
            },
        );
        let v: Value = serde_json::from_slice(&one.body).unwrap();
        assert_eq!(v, json!({"status": 200, "content": {"id": "x"}}));
    }
}
