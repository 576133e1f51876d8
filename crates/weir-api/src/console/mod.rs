//! The web console's static assets, embedded in the binary: `GET /` is the
//! page (`POST /` stays the API), `GET /console/{app.js,app.css,favicon.svg}`
//! its script, style sheet and icon.
//!
//! The console is a client of the same API as every other: it calls `POST /`
//! with the AWS JSON 1.1 protocol, authenticated by the session cookie that
//! `POST /console/session` sets (plus the `X-Weir-Console` header) instead of
//! a SigV4 signature. Nothing here reads the catalogue, so the assets answer
//! without authentication: they hold no data.
//!
//! Every asset carries a strong `ETag` (a hash of its bytes, so it changes
//! with the binary) and `Cache-Control: no-cache`: a browser revalidates on
//! each load and gets `304 Not Modified` while the binary is the same. The
//! page's Content-Security-Policy allows only this origin (no inline script,
//! no third-party anything).

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

pub const INDEX: Asset = Asset {
    path: "/",
    content_type: "text/html; charset=utf-8",
    body: include_str!("index.html"),
};
pub const SCRIPT: Asset = Asset {
    path: "/console/app.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("app.js"),
};
pub const STYLE: Asset = Asset {
    path: "/console/app.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("app.css"),
};
pub const ICON: Asset = Asset {
    path: "/console/favicon.svg",
    content_type: "image/svg+xml",
    body: include_str!("favicon.svg"),
};

pub const ASSETS: &[&Asset] = &[&INDEX, &SCRIPT, &STYLE, &ICON];

/// What the page may load and talk to: this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

impl Asset {
    /// `"<first 16 bytes of the SHA-256 of the body, hex>"`, computed once.
    pub fn etag(&self) -> &'static str {
        static ETAGS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
        let etags = ETAGS.get_or_init(|| {
            ASSETS
                .iter()
                .map(|a| {
                    let digest = Sha256::digest(a.body.as_bytes());
                    (a.path, format!("\"{}\"", hex::encode(&digest[..16])))
                })
                .collect()
        });
        etags
            .iter()
            .find(|(path, _)| *path == self.path)
            .map(|(_, etag)| etag.as_str())
            .unwrap_or("\"\"")
    }

    /// The asset, or `304 Not Modified` when the browser already has it.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let etag = self.etag();
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == etag || t == "*")
            });
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static(etag));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if self.path == INDEX.path {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
        }
        (StatusCode::OK, headers, self.body).into_response()
    }
}

/// `GET /`: the console's page.
pub async fn index(request: HeaderMap) -> Response {
    INDEX.respond(&request)
}

async fn script(request: HeaderMap) -> Response {
    SCRIPT.respond(&request)
}

async fn style(request: HeaderMap) -> Response {
    STYLE.respond(&request)
}

async fn icon(request: HeaderMap) -> Response {
    ICON.respond(&request)
}

/// The routes of the console's assets other than `GET /` (which shares its
/// path with the API's `POST /`, so the router adds it beside that).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(SCRIPT.path, get(script))
        .route(STYLE.path, get(style))
        .route(ICON.path, get(icon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_have_distinct_strong_etags() {
        let tags: Vec<&str> = ASSETS.iter().map(|a| a.etag()).collect();
        for (asset, tag) in ASSETS.iter().zip(&tags) {
            assert_eq!(tag.len(), 34, "{}: {tag}", asset.path);
            assert!(tag.starts_with('"') && tag.ends_with('"'));
        }
        let mut unique = tags.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tags.len());
    }

    #[test]
    fn a_matching_etag_answers_not_modified() {
        let mut request = HeaderMap::new();
        request.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static(SCRIPT.etag()),
        );
        let response = SCRIPT.respond(&request);
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        let response = STYLE.respond(&request);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    }

    #[test]
    fn the_page_loads_only_its_own_assets() {
        let page = INDEX.body;
        for asset in [&SCRIPT, &STYLE, &ICON] {
            assert!(
                page.contains(asset.path),
                "index.html must load {}",
                asset.path
            );
        }
        for outside in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
            assert!(
                !page.contains(outside),
                "index.html loads nothing from elsewhere"
            );
        }
        assert!(!page.contains("<script>"), "no inline script (CSP)");
        let response = INDEX.respond(&HeaderMap::new());
        assert!(response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY));
    }
}
