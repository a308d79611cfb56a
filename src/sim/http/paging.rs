//! Pages, as Atlas writes every list: `{links, results, totalCount}` cut by `pageNum` and
//! `itemsPerPage` (at most 500), `includeCount=false` to leave the count out, and `self`,
//! `previous` and `next` links that keep the request's other query parameters. A list
//! endpoint builds all its items and calls `page`.

use super::error::ApiError;
use super::render::Reply;
use super::request::Req;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

const MAX_ITEMS_PER_PAGE: usize = 500;

/// What a link's query value keeps as is: RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn positive_param(req: &Req<'_>, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(text) = req.param(name) else {
        return Ok(default);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(
            "INVALID_QUERY_PARAMETER",
            format!("Invalid query parameter {name}={text}: use a whole number from 1 to {max}."),
        )
        .params(vec![json!(name), json!(text)])),
    }
}

/// A page of `items` as the query asks: `{links, results, totalCount}` with `self`, and
/// `previous`/`next` links that keep the other query parameters.
pub(crate) fn page(req: &Req<'_>, items: Vec<Value>) -> Result<Reply, ApiError> {
    let page_num = positive_param(req, "pageNum", 1, usize::MAX)?;
    let per_page = positive_param(req, "itemsPerPage", 100, MAX_ITEMS_PER_PAGE)?;
    let include_count = !req
        .param("includeCount")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let total = items.len();
    let start = (page_num - 1).saturating_mul(per_page);
    let results: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let link = |n: usize, rel: &str| {
        let mut q = format!("pageNum={n}&itemsPerPage={per_page}");
        for (k, v) in req.query {
            if k != "pageNum" && k != "itemsPerPage" {
                q.push('&');
                q.push_str(&percent_encode(k));
                q.push('=');
                q.push_str(&percent_encode(v));
            }
        }
        json!({ "href": format!("{}{}?{q}", req.sh.base_url, req.path), "rel": rel })
    };
    let mut links = Vec::new();
    if page_num > 1 {
        links.push(link(page_num - 1, "previous"));
    }
    links.push(link(page_num, "self"));
    if start.saturating_add(per_page) < total {
        links.push(link(page_num + 1, "next"));
    }
    let mut body = Map::new();
    body.insert("links".into(), Value::Array(links));
    body.insert("results".into(), Value::Array(results));
    if include_count {
        body.insert("totalCount".into(), json!(total));
    }
    Ok(Reply {
        body: Value::Object(body),
        is_page: true,
    })
}

fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_of_link_values() {
        assert_eq!(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
    }
}
