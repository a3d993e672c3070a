//! What each action does, once the call is authenticated, valid and consented: the
//! dispatch to its handler, given its parameters as its operation read them; the Contacts
//! handlers are in [`crate::api::contacts`], the others here.

use papi_calendar::operation::AddEvent;
use papi_core::Operation as _;
use papi_messages::operation::GetPersonalMessages;
use papi_messages::types::{
    MessagesInfo, PersonalMessages, PnsData, PnsExtension, PnsMailSummary, PnsProcess, PnsReturn,
    PnsStatus, PnsSyndicationData,
};
use papi_rich_profile::operation::GetPersonalRichProfile;
use papi_rich_profile::types::{RichProfile, RichProfileInfo};

use crate::api::answer::Answer;
use crate::api::call::Call;
use crate::api::contacts;
use crate::domain::user::UserChange;
use crate::generated::{unknown_answer, Input};

/// Runs the action, given its parameters as its operation read them.
pub(crate) fn run(call: &Call<'_>, input: Input) -> Answer {
    match input {
        Input::CalendarAddEvent(op) => add_event(call, op),
        Input::ContactsFindContactList(op) => contacts::find_contact_list(call, &op),
        Input::ContactsGetContact(op) => contacts::get_contact(call, &op),
        Input::ContactsAddContact(op) => contacts::add_contact(call, op),
        Input::ContactsAddDevice(op) => contacts::add_device(call, op),
        Input::ContactsGetPicture(op) => contacts::get_picture(call, &op),
        Input::ContactsAddPicture(op) => contacts::add_picture(call, &op),
        Input::MessagesGetPersonalMessages(op) => get_personal_messages(call, &op),
        Input::MessagesGetPns(_) => get_pns(call),
        Input::RichProfileGetPersonalRichProfile(op) => get_personal_rich_profile(call, &op),
    }
}

/// Stores the event (its parameters as the operation writes them: wire names and values,
/// in the spec's order); its answer is unknown: the sandbox's own note standing for it.
fn add_event(call: &Call<'_>, op: AddEvent) -> Answer {
    let request = match op.into_request() {
        Ok(request) => request,
        // Read by the same operation, so accepted by its checks: never reached.
        Err(e) => return call.invalid(e.to_string()),
    };
    let mut event: Option<Vec<(String, String)>> = Some(
        request
            .params()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect(),
    );
    match call
        .store()
        .change_user(call.login(), &mut |_| event.take().map(UserChange::Event))
    {
        Ok(true) => Answer::ok(unknown_answer(AddEvent::INFO.action)),
        Ok(false) => call.user_gone(),
        Err(e) => Answer::not_stored(&e),
    }
}

fn get_personal_messages(call: &Call<'_>, op: &GetPersonalMessages) -> Answer {
    let mailbox = match call.read(|d| d.mailbox.clone()) {
        Ok(mailbox) => mailbox,
        Err(answer) => return answer,
    };
    let mut answer = PersonalMessages::default();
    answer.privacy_dashboard_url = mailbox.dashboard.clone();
    for info in &op.infos {
        match info {
            MessagesInfo::NoEmails => answer.no_emails = call.consented(mailbox.no_emails),
            MessagesInfo::NoUnreadMails => {
                answer.no_unread_mails = call.consented(mailbox.no_unread_mails);
            }
            MessagesInfo::NoSms => answer.no_sms = call.consented(mailbox.no_sms),
            MessagesInfo::EmailsLastNDetailed => {
                answer.emails_last_n_detailed = call.consented(mailbox.last_unread.clone());
            }
            _ => {}
        }
    }
    Answer::ok(papi_messages::encode::get_personal_messages(&answer))
}

/// Answers in the shape inferred for `getPNS` (see the spec): every count the sandbox holds
/// and the e-mail overview, whatever `infos` asks, as the captured answers hold them all
/// (the sandbox has no MMS count, so that one is left out), with the status they hold
/// (`OK`, the only one recovered).
fn get_pns(call: &Call<'_>) -> Answer {
    let mailbox = match call.read(|d| d.mailbox.clone()) {
        Ok(mailbox) => mailbox,
        Err(answer) => return answer,
    };
    let mails = mailbox.last_unread.messages;
    let unseen = mails.as_ref().map_or(0, |m| m.items.len());
    let mut summary = PnsMailSummary::default()
        .with_unseen(unseen.to_string())
        .with_count(mailbox.no_emails.to_string());
    summary.messages = mails;
    let syndication = match PnsSyndicationData::default()
        .with_no_sms(mailbox.no_sms)
        .with_no_unread_mails(mailbox.no_unread_mails)
        .with_emails_last_n_detailed_document(&summary)
    {
        Ok(syndication) => syndication,
        Err(e) => return Answer::ok(Err(e)),
    };
    let data = PnsData::default()
        .with_syndication_data(syndication)
        .with_extension(PnsExtension::default().with_no_emails(mailbox.no_emails));
    let answer = PnsReturn::default()
        .with_process(PnsProcess::default().with_status(PnsStatus::Ok))
        .with_data(data);
    Answer::ok(papi_messages::encode::get_pns(&answer))
}

fn get_personal_rich_profile(call: &Call<'_>, op: &GetPersonalRichProfile) -> Answer {
    let display = call.user.display_name.trim().to_owned();
    let (first, last) = display
        .split_once(char::is_whitespace)
        .map_or((display.as_str(), ""), |(f, l)| (f, l.trim()));
    let mut answer = RichProfile::default();
    for info in &op.infos {
        match info {
            RichProfileInfo::Firstname if !first.is_empty() => {
                answer.firstname = call.consented(first.to_owned());
            }
            RichProfileInfo::Lastname if !last.is_empty() => {
                answer.lastname = call.consented(last.to_owned());
            }
            RichProfileInfo::DisplayName | RichProfileInfo::Displayname if !display.is_empty() => {
                answer.display_name = call.consented(display.clone());
            }
            _ => {}
        }
    }
    Answer::ok(papi_rich_profile::encode::get_personal_rich_profile(
        &answer,
    ))
}
