//! Personal Messages API: the user's mailbox counters and last messages, each returned
//! only when the user consented to it, and the older V1 `getPNS` action on its own endpoint.
//!
//! `cargo run -p papi-examples --example messages` (embedded sandbox; see the crate docs for
//! a real service).

use orange_papi::core::{Consented, InferredAnswer};
use orange_papi::messages::operation::GetPns;
use orange_papi::messages::types::MessagesInfo;
use papi_examples::{BoxError, Target};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target = Target::from_env().await?;
    let messages = orange_papi::messages::Client::new(&target.config)?;
    let token = &target.token;

    let infos = [
        MessagesInfo::NoEmails,
        MessagesInfo::NoUnreadMails,
        MessagesInfo::NoSms,
        MessagesInfo::EmailsLastNDetailed,
    ];
    println!("getPersonalMessages {infos:?}");
    let mailbox = target
        .with_consent(|| messages.get_personal_messages(token, &infos))
        .await?;
    let show = |name: &str, v: &Consented<i64>| match v {
        Consented::Granted(n) => println!("  {name}: {n}"),
        Consented::Protected => println!("  {name}: protected (the user refused)"),
        Consented::NotReturned => println!("  {name}: not returned"),
    };
    show("e-mails", &mailbox.no_emails);
    show("unread e-mails", &mailbox.no_unread_mails);
    show("SMS", &mailbox.no_sms);
    match mailbox.emails_last_n_detailed.granted() {
        Some(last) => println!("  last e-mails: {last:?}"),
        None => println!("  last e-mails: {:?}", mailbox.emails_last_n_detailed),
    }

    println!("getPNS (V1 endpoint; its answer is undocumented, its shape inferred from Orange's own captures)");
    match messages.get_pns(token, GetPns::new()).await? {
        InferredAnswer::Typed(pns) => {
            println!("  status {}", pns.process.status);
            if let Some(data) = &pns.data.syndication_data {
                println!(
                    "  unread e-mails {:?}, SMS {:?}",
                    data.no_unread_mails, data.no_sms
                );
                if let Some(Ok(summary)) = data.emails_last_n_detailed_document() {
                    let mails = summary.messages.map_or(0, |m| m.items.len());
                    println!("  e-mail overview: {mails} e-mail(s)");
                }
            }
        }
        InferredAnswer::Undecoded(raw) => {
            println!("  another shape, HTTP {}: {:?}", raw.status, raw.body)
        }
        other => println!("  {other:?}"),
    }

    target.shutdown().await;
    Ok(())
}
