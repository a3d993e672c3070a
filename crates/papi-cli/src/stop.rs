//! The signals that stop `papi sandbox`: Ctrl-C (SIGINT) and, on Unix, SIGTERM (what
//! `kill`, service managers, container runtimes and CI runners send), handled alike: a
//! graceful stop.

use std::io;

/// The stop signals, listened for from [`StopSignals::install`] on.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers now: a signal that arrives once the sandbox is announced is
    /// never the default action that kills the process.
    pub(crate) fn install() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the next stop signal; its name.
    pub(crate) async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "Ctrl-C",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => "Ctrl-C",
                Err(e) => {
                    eprintln!("cannot wait for Ctrl-C: {e}");
                    "an error"
                }
            }
        }
    }
}
