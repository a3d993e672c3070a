//! Personal RichProfile API: the user's profile attributes, each returned only when the
//! user consented to it.
//!
//! `cargo run -p papi-examples --example rich_profile` (embedded sandbox; see the crate docs
//! for a real service).

use orange_papi::rich_profile::types::RichProfileInfo;
use papi_examples::{BoxError, Target};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target = Target::from_env().await?;
    let rich = orange_papi::rich_profile::Client::new(&target.config)?;
    let token = &target.token;

    let infos = [
        RichProfileInfo::Firstname,
        RichProfileInfo::Lastname,
        RichProfileInfo::DisplayName,
        RichProfileInfo::UserEmail,
    ];
    println!("getPersonalRichProfile {infos:?}");
    let profile = target
        .with_consent(|| rich.get_personal_rich_profile(token, &infos))
        .await?;
    println!("  first name: {:?}", profile.firstname);
    println!("  last name: {:?}", profile.lastname);
    println!("  display name: {:?}", profile.display_name);
    println!("  e-mail: {:?}", profile.user_email);

    target.shutdown().await;
    Ok(())
}
