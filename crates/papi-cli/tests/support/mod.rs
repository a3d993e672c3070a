//! A standalone `papi sandbox` process for the tests: started with its arguments, its
//! banner read, stopped with a signal.

#![allow(dead_code)] // Each test file uses a part.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use papi_core::url::Url;
use papi_core::{Config, ServiceCredentials};

/// A running `papi sandbox`.
pub struct Standalone {
    pub child: Child,
    pub base: Url,
    pub banner: String,
}

impl Standalone {
    /// Starts `papi sandbox --port 0 ARGS` and reads its banner.
    pub fn start(args: &[&str]) -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_papi"))
            .args(["sandbox", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "banner cut: {banner}"
            );
            banner.push_str(&line);
            if line.starts_with("Ctrl-C") {
                break;
            }
        }
        // Keep draining stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = banner
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("papi sandbox listening on "))
            .unwrap_or_else(|| panic!("unexpected banner: {banner}"));
        let base = Url::parse(url.trim()).unwrap();
        Standalone {
            child,
            base,
            banner,
        }
    }

    /// The sandbox's identity provider, as papi-auth reads it from the metadata.
    pub async fn identity_provider(&self) -> papi_auth::IdentityProviderConfig {
        let url = self.base.join("saml/metadata").unwrap();
        papi_auth::IdentityProviderConfig::fetch_metadata(
            &papi_core::tls::client_builder().build().unwrap(),
            url.as_str(),
            std::time::SystemTime::now().into(),
        )
        .await
        .unwrap()
    }

    /// The client configuration for the sandbox's default service.
    pub fn config(&self) -> Config {
        let creds = ServiceCredentials::new("sandbox-service", "sandbox-secret");
        Config::custom(self.base.as_str(), creds).unwrap()
    }

    pub fn contacts(&self) -> papi_contacts::Client {
        papi_contacts::Client::new(&self.config()).unwrap()
    }

    /// Sends `signal` and waits (at most 20 s) for the process to end.
    pub fn signal(&mut self, signal: libc::c_int) -> std::process::ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) only sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it with Ctrl-C (SIGINT) and waits.
    pub fn stop(mut self) {
        self.signal(libc::SIGINT);
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
