//! The `papi` binary: the demo walks the whole flow; `papi call` reaches any action.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;

fn papi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_papi"))
}

#[test]
fn the_demo_walks_the_whole_documented_flow() {
    let out = papi().arg("demo").output().expect("run papi demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "[1] sign in",
        "refused: API error -3",
        "[3] the user grants",
        "Orange World",
        "read back: Hello World",
        "done:",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("sandbox-secret"), "{stdout}");
}

async fn call(base: &str, token: &str, args: &[&str]) -> (bool, String, String) {
    let (code, out, err) = call_code(base, token, args).await;
    (code == Some(0), out, err)
}

/// `papi call …` with its exit code.
async fn call_code(base: &str, token: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = papi();
    cmd.arg("call").args(args).arg("--base-url").arg(base);
    cmd.env("PAPI_SERVICE_ID", "sandbox-service")
        .env("PAPI_SERVICE_PASSWORD", "sandbox-secret")
        .env("PAPI_TOKEN", token);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A loopback server that counts the connections made to it and keeps the first request's
/// head; it answers nothing.
async fn counting_server() -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (heads, received) = tokio::sync::mpsc::unbounded_channel();
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let _ = heads.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    (base, count, received)
}

/// The typed client's refusal of an operation, as its error displays it.
fn typed_refusal<O: papi_core::Operation>(operation: O) -> String {
    operation.into_request().unwrap_err().to_string()
}

#[tokio::test]
async fn call_refuses_what_the_typed_clients_refuse_and_sends_nothing() {
    use papi_contacts::operation::{AddContact, AddDevice, FindContactList};
    use papi_contacts::types::{AddDeviceSubtype, Civility, DeviceType};
    let (base, count, _) = counting_server().await;
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["contacts", "findcontactlist", "-p", "search=Or*"],
            typed_refusal(FindContactList::new("Or*")),
        ),
        (
            vec!["contacts", "addcontact", "-p", "department=R&D"],
            typed_refusal(AddContact::new().department("R&D")),
        ),
        (
            vec![
                "contacts",
                "adddevice",
                "-p",
                "cid=4",
                "-p",
                "type=phone",
                "-p",
                "subtype=internet",
                "-p",
                "order=1",
                "-p",
                "value=x@example.com",
            ],
            typed_refusal(AddDevice::new(
                "4",
                DeviceType::from_wire("phone"),
                AddDeviceSubtype::from_wire("internet"),
                "1",
                "x@example.com",
            )),
        ),
        (
            vec![
                "contacts",
                "addcontact",
                "-p",
                "lastname=X",
                "-p",
                "civility=7",
            ],
            typed_refusal(
                AddContact::new()
                    .lastname("X")
                    .civility(Civility::from_wire("7")),
            ),
        ),
        (
            vec![
                "contacts",
                "addcontact",
                "-p",
                "lastname=X",
                "-p",
                "birthday=not-a-date",
            ],
            "parameter `birthday`: \"not-a-date\" is not a date written YYYY-MM-DD".to_owned(),
        ),
        (
            vec!["contacts", "getcontact", "-p", "cid=4", "-p", "cid=5"],
            "parameter `cid` is given more than once".to_owned(),
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = call_code(&base, "tok", &args).await;
        assert_eq!(code, Some(3), "{args:?}: {out}{err}");
        assert!(
            err.contains(&format!("refused before sending: {message}")),
            "{args:?}: expected {message:?} in {err}"
        );
    }
    // The refused civility lists the documented values, as the typed client does.
    assert!(typed_refusal(
        AddContact::new()
            .lastname("X")
            .civility(Civility::from_wire("7"))
    )
    .contains("`0`, `1`, `2`, `3`"));
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a request left"
    );
}

#[tokio::test]
async fn call_sends_a_complex_search_quoted_as_the_typed_client_does() {
    let (base, count, mut heads) = counting_server().await;
    let (code, _, err) = call_code(
        &base,
        "tok",
        &["contacts", "findcontactlist", "-p", "search=complex string"],
    )
    .await;
    // The server answers nothing: no answer (exit 5), after one request.
    assert_eq!(code, Some(5), "{err}");
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    let head = heads.recv().await.unwrap();
    let typed = papi_core::Operation::into_request(papi_contacts::operation::FindContactList::new(
        "complex string",
    ))
    .unwrap()
    .redacted_query();
    assert!(typed.contains("search=%22complex+string%22"), "{typed}");
    assert!(head.contains("search=%22complex+string%22"), "{head}");
}

#[tokio::test]
async fn call_reaches_any_action_and_reports_errors_typed() {
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig::default());
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = running.base_url().as_str().trim_end_matches('/').to_owned();
    let token = sandbox.issue_token("alice").unwrap();

    // Without consent: the -3 refusal, typed, with its consent URL, and no secret printed.
    let (ok, out, err) = call(
        &base,
        token.expose(),
        &["contacts", "findcontactlist", "-p", "search=Orange"],
    )
    .await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("-3") && err.contains("PrivacyAccessDenied"),
        "{err}"
    );
    assert!(err.contains("Consent URL: http"), "{err}");
    assert_eq!(err.matches("PrivacyAccessDenied").count(), 1, "{err}");
    let (_, _, err) = call(
        &base,
        token.expose(),
        &[
            "contacts",
            "findcontactlist",
            "-p",
            "search=Orange",
            "--return-url",
            "https://service.example/back",
        ],
    )
    .await;
    assert!(
        err.contains("redirect the user to: http") && err.contains("service.example"),
        "{err}"
    );
    assert!(
        !err.contains(token.expose()) && !err.contains("sandbox-secret"),
        "{err}"
    );

    // A bad token: -1.
    let (ok, _, err) = call(
        &base,
        "nope",
        &["contacts", "findcontactlist", "-p", "search=Orange"],
    )
    .await;
    assert!(!ok && err.contains("-1"), "{err}");

    // Mistakes are named before anything is sent.
    let (ok, _, err) = call(&base, token.expose(), &["contact", "findcontactlist"]).await;
    assert!(
        !ok && err.contains("unknown API `contact`") && err.contains("contacts"),
        "{err}"
    );
    let (ok, _, err) = call(&base, token.expose(), &["contacts", "findcontacts"]).await;
    assert!(
        !ok && err.contains("unknown action") && err.contains("findcontactlist"),
        "{err}"
    );
    let (ok, _, err) = call(
        &base,
        token.expose(),
        &["contacts", "findcontactlist", "-p", "query=x"],
    )
    .await;
    assert!(
        !ok && err.contains("`query` is not a parameter") && err.contains("search"),
        "{err}"
    );

    // A missing parameter is named by the operation's reader, before sending.
    let (ok, _, err) = call(&base, token.expose(), &["contacts", "findcontactlist"]).await;
    assert!(
        !ok && err.contains("parameter `search` is missing"),
        "{err}"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn call_prints_the_answer_as_json_once_consent_is_granted() {
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig {
        site_origins: vec!["https://service.example".to_owned()],
        ..papi_sandbox::SandboxConfig::default()
    });
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = running.base_url().as_str().trim_end_matches('/').to_owned();
    let token = sandbox.issue_token("bob").unwrap();

    // The service meets -3 and sends the user to the consent page, who grants permanently.
    let config = papi_core::Config::custom(&base, sandbox.service_credentials()).unwrap();
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let refused = contacts
        .find_contact_list(&token, "Orange")
        .await
        .unwrap_err();
    let redirect = refused
        .consent()
        .unwrap()
        .redirect_url("https://service.example/back")
        .unwrap();
    // The user's own login and password: the decision form's shortcut for scripts.
    let (action, fields) = papi_sandbox::decision_form(
        &redirect,
        papi_sandbox::ConsentChoice::GrantPermanently,
        "bob",
        "bob-pw",
    )
    .unwrap();
    let body = papi_core::url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let browser = papi_core::tls::client_builder()
        .redirect(papi_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 303);

    let (ok, out, err) = call(
        &base,
        token.expose(),
        &["contacts", "findcontactlist", "-p", "search=Orange"],
    )
    .await;
    assert!(ok, "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let text = json.to_string();
    assert!(
        text.contains("Orange") && text.contains("World") && text.contains("Partner"),
        "{out}"
    );
    // The answer's Rust field names, not its XML names (`data-list`, `@request`).
    let entries = json["contacts"]["entries"].as_array();
    assert!(entries.is_some_and(|e| !e.is_empty()), "{out}");
    assert!(json["contacts"]["total_data"].is_i64(), "{out}");
    assert!(!text.contains("\"@"), "{out}");
    running.shutdown().await;
}

#[test]
fn help_lists_the_commands() {
    let out = papi().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["sandbox", "demo", "call"] {
        assert!(text.contains(cmd), "{text}");
    }
}

/// `papi sandbox` with `args`, its standard output, and the URL it announces.
fn start_sandbox(
    args: &[&str],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStdout>,
    String,
) {
    use std::io::{BufRead, BufReader};
    let mut child = papi()
        .arg("sandbox")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("papi sandbox listening on ")
        .unwrap_or_else(|| panic!("unexpected startup line: {first:?}"))
        .to_owned();
    (child, stdout, url)
}

#[test]
fn the_sandbox_command_announces_its_url_serves_and_stops_on_ctrl_c() {
    use std::io::Read;
    let (mut child, mut stdout, url) = start_sandbox(&["--port", "0"]);

    // It serves: an unknown path answers the general access error with HTTP 404.
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut stream,
        format!("GET /nowhere HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("<code>-10</code>"), "{answer}");

    // Ctrl-C (SIGINT) stops it cleanly.
    // Sent with libc, not the `kill` program, which a fresh machine may not have.
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) only sends a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "papi sandbox did not stop on SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(exit.success(), "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

/// The port of the URL `papi sandbox` announces.
fn port_of(url: &str) -> u16 {
    let url = papi_core::url::Url::parse(url).unwrap();
    url.port().unwrap()
}

/// The status of the identity provider's answer to a sign-in request whose answer goes to
/// `acs`, at the sandbox on `port`, and its page.
async fn sign_in_request(port: u16, acs: &str) -> (u16, String) {
    let base = format!("http://127.0.0.1:{port}/");
    let idp = papi_auth::IdentityProviderConfig::new(
        format!("{base}saml/idp"),
        &format!("{base}saml/sso"),
    )
    .unwrap();
    let sp = papi_auth::ServiceProvider::new("https://sp.example/saml", acs, idp).unwrap();
    let redirect = sp.login_redirect(None, chrono::Utc::now()).unwrap();
    let http = papi_core::tls::client_builder().build().unwrap();
    let answer = http.get(redirect.url).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn beyond_loopback_the_identity_provider_answers_loopback_and_the_listed_origins_only() {
    // Listening on every address, without --allowed-acs-origin: loopback only.
    let (mut child, _out, url) = start_sandbox(&["--port", "0", "--host", "0.0.0.0"]);
    let port = port_of(&url);
    let (status, page) = sign_in_request(port, "https://evil.example/acs").await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("does not answer to https://evil.example"),
        "{page}"
    );
    let (status, page) = sign_in_request(port, "http://127.0.0.1:9/acs").await;
    assert_eq!(status, 200, "{page}");
    child.kill().unwrap();
    child.wait().unwrap();

    // With the flag: that origin too, still not the others.
    let (mut child, mut out, url) = start_sandbox(&[
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--allowed-acs-origin",
        "https://sp.example",
        "--site-origin",
        "https://my.site.example",
    ]);
    let port = port_of(&url);
    let mut banner = String::new();
    while !banner.contains("stops it") {
        let read = std::io::BufRead::read_line(&mut out, &mut banner).unwrap();
        assert!(read > 0, "{banner}");
    }
    assert!(
        banner.contains("answers services at: loopback, https://sp.example"),
        "{banner}"
    );
    assert!(
        banner.contains("send users back to: loopback, https://my.site.example"),
        "{banner}"
    );
    assert_eq!(sign_in_request(port, "https://sp.example/acs").await.0, 200);
    assert_eq!(
        sign_in_request(port, "https://evil.example/acs").await.0,
        400
    );
    child.kill().unwrap();
    child.wait().unwrap();

    // What is not an origin is refused on the command line.
    let out = papi()
        .args(["sandbox", "--allowed-acs-origin", "https://sp.example/acs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than an origin"), "{err}");
}

#[tokio::test]
async fn call_refuses_plain_http_off_loopback_unless_allowed() {
    // `.invalid` never resolves: refused before any lookup, then (with the opt-out) a
    // connection error rather than the HTTPS refusal.
    let base = "http://papi-test.invalid:8080";
    let (ok, _, stderr) = call(base, "tok", &["contacts", "getcontact", "-p", "cid=1"]).await;
    assert!(!ok);
    assert!(stderr.contains("--allow-plain-http"), "{stderr}");
    assert!(!stderr.contains("sandbox-secret"), "{stderr}");
    let (ok, _, stderr) = call(
        base,
        "tok",
        &[
            "contacts",
            "getcontact",
            "-p",
            "cid=1",
            "--allow-plain-http",
        ],
    )
    .await;
    assert!(!ok);
    assert!(!stderr.contains("--allow-plain-http"), "{stderr}");
    assert!(
        stderr.contains("no answer") && stderr.contains("connection failed"),
        "{stderr}"
    );
}
