//! Personal Calendar API: add an event. The action's query comes from a 2008 third-party
//! capture and its answer is undocumented, so the client returns it undecoded (after
//! checking it is not an error document).
//!
//! `cargo run -p papi-examples --example calendar` (embedded sandbox; see the crate docs for
//! a real service).

use orange_papi::calendar::operation::AddEvent;
use papi_examples::{BoxError, Target};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target = Target::from_env().await?;
    let calendar = orange_papi::calendar::Client::new(&target.config)?;
    let token = &target.token;

    println!("addevent title=Review start=2026-01-02");
    let input = AddEvent::new().title("Review").start_date("2026-01-02");
    let answer = target
        .with_consent(|| calendar.add_event(token, input.clone()))
        .await?;
    println!("  HTTP {}: {:?}", answer.status, answer.body);

    target.shutdown().await;
    Ok(())
}
