//! The web console's sign-in and the Flink dashboard's presigned URLs, as
//! far as they go without Flink: the key pair traded for a session cookie,
//! the cookie (with the console's header) standing in for SigV4, and every
//! refusal. `flink_observe.rs` opens a real dashboard.

use serde_json::{json, Value};
use weir_test_support::server::*;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    cookie: Option<String>,
    json: Value,
}

async fn call(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request to weir");
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.text().await.unwrap_or_default();
    Answer {
        status,
        cookie,
        json: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

fn session_url(weir: &Weir) -> String {
    format!("{}/console/session", weir.endpoint())
}

async fn sign_in(weir: &Weir, key: &str, secret: &str) -> Answer {
    call(
        http()
            .post(session_url(weir))
            .body(json!({"AccessKeyId": key, "SecretAccessKey": secret}).to_string()),
    )
    .await
}

/// ListApplications as the console sends it.
async fn console_list(weir: &Weir, cookie: Option<&str>, console_header: bool) -> Answer {
    let mut req = http()
        .post(format!("{}/", weir.endpoint()))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("{TARGET_PREFIX}.ListApplications"))
        .body("{}");
    if console_header {
        req = req.header("x-weir-console", "1");
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    call(req).await
}

/// `name=value` of a Set-Cookie header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_string()
}

#[tokio::test]
async fn the_console_signs_in_with_the_key_pair() {
    let weir = Weir::start();
    let status = call(http().get(session_url(&weir))).await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.json,
        json!({"AuthRequired": true, "SignedIn": false, "AccessKeyId": null})
    );

    // No session: the console's calls are refused like unsigned ones.
    let refused = console_list(&weir, None, true).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json["__type"], "MissingAuthenticationTokenException",
        "{}",
        refused.json
    );

    // A wrong secret and an unknown key get the same answer, and no cookie.
    for (key, secret) in [
        (ACCESS_KEY_ID, "wrong"),
        ("AKIAUNKNOWN000000000", SECRET_ACCESS_KEY),
    ] {
        let a = sign_in(&weir, key, secret).await;
        assert_eq!(a.status, 403, "{}", a.json);
        assert_eq!(a.json["__type"], "UnrecognizedClientException");
        assert_eq!(a.cookie, None);
    }
    let bad = call(http().post(session_url(&weir)).body("not json")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["__type"], "SerializationException");

    let ok = sign_in(&weir, ACCESS_KEY_ID, SECRET_ACCESS_KEY).await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    let set_cookie = ok.cookie.expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = pair(&set_cookie);

    let status = call(http().get(session_url(&weir)).header("cookie", &cookie)).await;
    assert_eq!(
        status.json,
        json!({"AuthRequired": true, "SignedIn": true, "AccessKeyId": ACCESS_KEY_ID})
    );
    let listed = console_list(&weir, Some(&cookie), true).await;
    assert_eq!(listed.status, 200, "{}", listed.json);
    assert!(listed.json["ApplicationSummaries"].is_array());

    // The cookie alone is not enough: without the console's header the call
    // must be signed (a cross-site form cannot set that header).
    let unsigned = console_list(&weir, Some(&cookie), false).await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(
        unsigned.json["__type"],
        "MissingAuthenticationTokenException"
    );

    // A tampered or stretched cookie is refused.
    let (name, token) = cookie.split_once('=').unwrap();
    let mut parts: Vec<&str> = token.rsplitn(3, '.').collect();
    parts.reverse();
    let later = (parts[1].parse::<i64>().unwrap() + 86_400).to_string();
    let stretched = format!("{name}={}.{}.{}", parts[0], later, parts[2]);
    let refused = console_list(&weir, Some(&stretched), true).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json["__type"], "InvalidSignatureException");

    // Signing out clears the cookie.
    let out = call(http().delete(session_url(&weir)).header("cookie", &cookie)).await;
    assert_eq!(out.status, 200);
    assert!(out.cookie.unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn without_authentication_the_console_needs_no_sign_in() {
    let weir = Weir::start_with(|cmd| {
        cmd.arg("--no-auth");
    });
    let status = call(http().get(session_url(&weir))).await;
    assert_eq!(
        status.json,
        json!({"AuthRequired": false, "SignedIn": true, "AccessKeyId": null})
    );
    assert_eq!(console_list(&weir, None, true).await.status, 200);
}

#[tokio::test]
async fn presigned_dashboard_urls_are_refused_when_they_cannot_work() {
    let weir = Weir::start();
    let (status, body) = weir
        .raw(
            "CreateApplication",
            json!({
                "ApplicationName": "idle",
                "RuntimeEnvironment": "FLINK-1_20",
                "ServiceExecutionRole": ROLE,
                "ApplicationConfiguration": {
                    "ApplicationCodeConfiguration": {
                        "CodeContentType": "ZIPFILE",
                        "CodeContent": {"ZipFileContent": "UEsDBAo="}
                    }
                }
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    for (request, code) in [
        (
            json!({"ApplicationName": "idle", "UrlType": "FLINK_DASHBOARD_URL"}),
            "ResourceInUseException",
        ),
        (
            json!({"ApplicationName": "nope", "UrlType": "FLINK_DASHBOARD_URL"}),
            "ResourceNotFoundException",
        ),
        (
            json!({"ApplicationName": "idle", "UrlType": "ZEPPELIN_UI_URL"}),
            "InvalidArgumentException",
        ),
        (
            json!({"ApplicationName": "idle", "UrlType": "FLINK_DASHBOARD_URL",
                   "SessionExpirationDurationInSeconds": 60}),
            "InvalidArgumentException",
        ),
    ] {
        let (status, body) = weir
            .raw("CreateApplicationPresignedUrl", request.clone())
            .await;
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some(code),
            "{request}: {body}"
        );
    }
    // Unsigned: refused before anything else.
    let (status, body) = weir
        .raw_unsigned(
            "CreateApplicationPresignedUrl",
            json!({"ApplicationName": "idle", "UrlType": "FLINK_DASHBOARD_URL"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");

    // The proxy wants a valid token or session.
    let base = format!("{}/dashboard/idle/", weir.endpoint());
    for url in [
        base.clone(),
        format!("{base}overview"),
        format!("{base}?weir-session=1800&weir-token=x.1.00"),
        format!("{base}?weir-session=1800&weir-token={ACCESS_KEY_ID}.99999999999.00"),
    ] {
        let a = call(http().get(&url)).await;
        assert_eq!(a.status, 403, "{url}: {}", a.json);
        assert_eq!(a.cookie, None);
    }
    let a = call(
        http()
            .get(format!("{base}overview"))
            .header("cookie", "weir_dashboard=x.1.00"),
    )
    .await;
    assert_eq!(a.status, 403);
}
