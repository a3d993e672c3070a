//! A real browser walks the documented flow: headless Chromium (Debian `chromium`, driven
//! through `chromedriver` with fantoccini) opens the example site, is sent to the sandbox's
//! identity provider, signs in, is sent to the consent page, grants access, and comes back
//! to a page listing the user's contacts. A screenshot of that page is saved.
//!
//! Skipped, loudly, only where no browser is installed (`.ci/run` installs one).

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    StdListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_signs_in_consents_and_sees_their_contacts() {
    let (Some(chromium), Some(chromedriver)) = (find("chromium"), find("chromedriver")) else {
        // CI installs the browser and sets PAPI_REQUIRE_BROWSER: there a missing browser fails.
        assert!(
            std::env::var_os("PAPI_REQUIRE_BROWSER").is_none(),
            "PAPI_REQUIRE_BROWSER is set but chromium/chromedriver are not on PATH"
        );
        eprintln!("\n**********\nSKIPPED: the browser test needs `chromium` and `chromedriver` on PATH (Debian packages chromium, chromium-driver; .ci/run installs them)\n**********\n");
        return;
    };

    // The sandbox (APIs, identity provider, consent page) and the example site.
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig::default());
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let site_url = format!("http://{}/", listener.local_addr().unwrap());
    let config = consent_web::SiteConfig {
        public_base: papi_core::url::Url::parse(&site_url).unwrap(),
        api: papi_core::Config::custom(running.base_url().as_str(), sandbox.service_credentials())
            .unwrap(),
        idp: running.identity_provider().unwrap(),
    };
    let app = consent_web::app(config).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    // ChromeDriver, then a headless Chromium through it.
    let port = free_port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let profile = tempfile_dir();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1000,700"
            ]
        }),
    );
    let mut browser = None;
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                browser = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let browser = browser.expect("chromedriver did not accept a session within 10 s");

    let result = async {
        browser.goto(&site_url).await?;
        // The identity provider's login page.
        let wait = browser.wait().at_most(Duration::from_secs(20));
        wait.for_element(Locator::Css("input[name=login]"))
            .await?
            .send_keys("alice")
            .await?;
        browser
            .find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("alice-pw")
            .await?;
        browser
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        // The signed answer goes back to the site, which meets -3 and sends us to consent.
        let wait = browser.wait().at_most(Duration::from_secs(20));
        wait.for_element(Locator::Css("button[value=permanent]"))
            .await?
            .click()
            .await?;
        // Back on the site: the contacts.
        let wait = browser.wait().at_most(Duration::from_secs(20));
        let list = wait.for_element(Locator::Id("contacts")).await?;
        let text = list.text().await?;
        let png = browser.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((text, png, browser.current_url().await?))
    }
    .await;
    let (text, png, url) = match result {
        Ok(r) => r,
        Err(e) => {
            let page = browser.source().await.unwrap_or_default();
            panic!("browser flow failed: {e}\nlast page:\n{page}");
        }
    };
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("consent-web-contacts.png");
    std::fs::write(&shot, &png).unwrap();
    eprintln!("screenshot: {}", shot.display());
    let _ = browser.close().await;
    running.shutdown().await;

    assert!(url.as_str().starts_with(&site_url), "ended on {url}");
    assert!(
        text.contains("Orange World") && text.contains("Orange Partner"),
        "{text}"
    );
    assert!(
        png.starts_with(&[0x89, b'P', b'N', b'G']),
        "not a PNG screenshot"
    );
}

fn tempfile_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("chromium-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
