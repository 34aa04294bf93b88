//! The lookups of the resolve phase (SPEC §2.3) as run phases: the people the ledger's
//! cache does not know, cut into calls (50 e-mails and 50 mobiles a user lookup; one kind
//! of list, at most 50, a talent lookup), sent through the engine like every call (their
//! own limiter, every attempt a slot, 429s, retries, fatal answers that stop the run), and
//! recorded as they arrive: the people found go into the ledger's cache (committed) and
//! into the run's book, the others into the book only, so they are looked up again next run.
//! A call that fails after its retries settles its people as unanswered, never as not
//! found: an outage is not "no such person".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::feishu::{
    Contact as Echo, Family, INVALID_MOBILE_CODE, Request, TalentKey, TalentMatch, UserIdType,
    UserMatch, talent_batches, user_batches,
};
use crate::ledger::{Directory, FoundPerson, Ledger, LedgerError, PersonKey};
use crate::people::book::{PeopleBook, Resolution};
use crate::read::forms;
use crate::read::person::Contact;
use crate::report::summary::Outcome;
use crate::run::engine::{Attempted, Tried};
use crate::run::{Phase, Recorded};

/// The run's book of people, shared by the lookup phases and read by the plan.
pub type SharedBook = Arc<Mutex<PeopleBook>>;

/// One user lookup call: its e-mails and mobiles, as sent, with who each stands for.
#[derive(Debug, Clone)]
pub struct UserCall {
    emails: Vec<String>,
    mobiles: Vec<String>,
    request: Arc<Request<Vec<UserMatch>>>,
    keys: Arc<HashMap<String, PersonKey>>,
}

/// One talent lookup call.
#[derive(Debug, Clone)]
pub struct TalentCall {
    kind: TalentKey,
    values: Vec<String>,
    request: Arc<Request<Vec<TalentMatch>>>,
    keys: Arc<HashMap<String, PersonKey>>,
}

/// The user lookups of a run.
pub struct UserLookups {
    calls: Vec<UserCall>,
    book: SharedBook,
}

/// The talent lookups of a run.
pub struct TalentLookups {
    calls: Vec<TalentCall>,
    book: SharedBook,
    /// Calls of several values Feishu refused whole because one mobile of them is invalid
    /// (1002009): sent again one value a call ([`TalentLookups::split`]), so the others
    /// resolve in the same run.
    refused_whole: Arc<Mutex<Vec<TalentCall>>>,
    /// True for the calls of one value each, made by [`TalentLookups::split`].
    split: bool,
}

impl TalentLookups {
    /// Where the calls refused whole will be, once this phase has run.
    pub fn refused_whole(&self) -> Arc<Mutex<Vec<TalentCall>>> {
        Arc::clone(&self.refused_whole)
    }

    /// The values of the calls refused whole, one a call: the invalid one is refused
    /// alone, the others answered. None when no call was refused whole.
    pub fn split(refused: &Mutex<Vec<TalentCall>>, book: &SharedBook) -> Option<TalentLookups> {
        let refused = std::mem::take(&mut *refused.lock().unwrap_or_else(|e| e.into_inner()));
        let calls: Vec<TalentCall> = refused
            .into_iter()
            .flat_map(|call| {
                let TalentCall {
                    kind, values, keys, ..
                } = call;
                values.into_iter().filter_map(move |value| {
                    let request =
                        Request::batch_get_talent_ids(kind.clone(), std::slice::from_ref(&value))
                            .ok()?;
                    Some(TalentCall {
                        kind: kind.clone(),
                        values: vec![value],
                        request: Arc::new(request),
                        keys: Arc::clone(&keys),
                    })
                })
            })
            .collect();
        (!calls.is_empty()).then(|| TalentLookups {
            calls,
            book: Arc::clone(book),
            refused_whole: Arc::default(),
            split: true,
        })
    }
}

/// The key under which a value sent is matched with its answer: e-mails in lower case
/// (how Feishu echoes case is not documented), mobiles in lookup form.
fn match_key(contact: &Contact) -> String {
    match contact {
        Contact::Email(email) => format!("e:{}", email.to_lowercase()),
        Contact::Mobile(mobile) => format!("m:{}", mobile.lookup_form()),
    }
}

/// The same key for an echoed value.
fn echo_key(echo: &Echo) -> Option<String> {
    let contact = match echo {
        Echo::Email(email) => Contact::Email(email.clone()),
        Echo::Mobile(mobile) => Contact::Mobile(forms::mobile(mobile).ok()?),
    };
    Some(match_key(&contact))
}

/// The lookups for `unknown` people: user calls and talent calls.
pub fn plan_lookups(
    unknown: Vec<PersonKey>,
    include_resigned: bool,
    user_id_type: UserIdType,
    book: &SharedBook,
) -> (UserLookups, TalentLookups) {
    let mut users: HashMap<String, PersonKey> = HashMap::new();
    let mut talents: HashMap<String, PersonKey> = HashMap::new();
    let (mut emails, mut mobiles, mut talent_values) = (Vec::new(), Vec::new(), Vec::new());
    for key in unknown {
        let sent = key.contact.lookup_form();
        match (key.directory, &key.contact) {
            (Directory::Users(_), Contact::Email(_)) => emails.push(sent),
            (Directory::Users(_), Contact::Mobile(_)) => mobiles.push(sent),
            (Directory::Talents, Contact::Email(_)) => talent_values.push((TalentKey::Email, sent)),
            (Directory::Talents, Contact::Mobile(mobile)) => talent_values.push((
                TalentKey::Mobile {
                    code: mobile.code.clone(),
                },
                mobile.number.clone(),
            )),
        }
        let map = match key.directory {
            Directory::Users(_) => &mut users,
            Directory::Talents => &mut talents,
        };
        map.insert(match_key(&key.contact), key);
    }
    let (users, talents) = (Arc::new(users), Arc::new(talents));
    // The batches never exceed a call's limits and are never empty, so every call builds.
    let user_calls = user_batches(&emails, &mobiles)
        .into_iter()
        .filter_map(|(emails, mobiles)| {
            let request =
                Request::batch_get_user_ids(&emails, &mobiles, include_resigned, user_id_type)
                    .ok()?;
            Some(UserCall {
                emails,
                mobiles,
                request: Arc::new(request),
                keys: Arc::clone(&users),
            })
        })
        .collect();
    let talent_calls = talent_batches(&talent_values)
        .into_iter()
        .filter_map(|(kind, values)| {
            let request = Request::batch_get_talent_ids(kind.clone(), &values).ok()?;
            Some(TalentCall {
                kind,
                values,
                request: Arc::new(request),
                keys: Arc::clone(&talents),
            })
        })
        .collect();
    (
        UserLookups {
            calls: user_calls,
            book: Arc::clone(book),
        },
        TalentLookups {
            calls: talent_calls,
            book: Arc::clone(book),
            refused_whole: Arc::default(),
            split: false,
        },
    )
}

/// Pages of an in-memory list: key i is item i - 1.
fn page_of<T: Clone>(items: &[T], after: i64) -> Vec<(i64, T)> {
    let start = usize::try_from(after).unwrap_or(0);
    items
        .iter()
        .enumerate()
        .skip(start)
        .take(crate::run::PAGE)
        .map(|(i, item)| (i as i64 + 1, item.clone()))
        .collect()
}

/// The value a call sent, for matching: the key of the person it stands for.
fn key_for(keys: &HashMap<String, PersonKey>, contact: &Contact) -> Option<PersonKey> {
    keys.get(&match_key(contact)).cloned()
}

/// Records what a call settled: the found into the ledger (committed first) and the book.
fn settle(
    ledger: &Ledger,
    run: i64,
    book: &SharedBook,
    settled: Vec<(PersonKey, Resolution, Option<String>)>,
) -> Result<(), LedgerError> {
    let found: Vec<FoundPerson> = settled
        .iter()
        .filter_map(|(key, resolution, status)| match resolution {
            Resolution::Found(id) => Some(FoundPerson {
                key: key.clone(),
                id: id.clone(),
                status: status.clone(),
            }),
            _ => None,
        })
        .collect();
    if !found.is_empty() {
        ledger.remember_people(run, &found)?;
    }
    let mut book = book.lock().unwrap_or_else(|e| e.into_inner());
    for (key, resolution, _) in settled {
        book.insert(key, resolution);
    }
    Ok(())
}

/// A call that ended without an answer, and why. Its people are not "no such person"
/// (issue 22): their rows stay pending this run and are looked up again next run.
fn unanswered<T>(tried: &Tried<T>) -> Option<String> {
    match &tried.end {
        Attempted::Done(_) => None,
        Attempted::Refused { code, msg, .. } => Some(format!(
            "Feishu refused the lookup: code {code}: {}",
            crate::text::server_text(msg)
        )),
        Attempted::Unsettled {
            error: Some(error), ..
        } => Some(format!(
            "Feishu did not answer: {}",
            crate::text::server_text(&error.message)
        )),
        Attempted::Unsettled { error: None, .. } => {
            Some("the run stopped before it was looked up".to_owned())
        }
    }
}

impl Phase for UserLookups {
    type Item = UserCall;
    type Value = Vec<UserMatch>;

    fn family(&self) -> Family {
        Family::UserLookup
    }

    fn untouched(&self) -> Option<Outcome> {
        None
    }

    fn count(&self, _: &Ledger, _: i64) -> Result<u64, LedgerError> {
        Ok(self.calls.len() as u64)
    }

    fn page(&self, _: &Ledger, _: i64, after: i64) -> Result<Vec<(i64, UserCall)>, LedgerError> {
        Ok(page_of(&self.calls, after))
    }

    fn request(&self, call: &UserCall) -> Request<Vec<UserMatch>> {
        (*call.request).clone()
    }

    fn record(
        &self,
        ledger: &Ledger,
        run: i64,
        call: UserCall,
        tried: Tried<Vec<UserMatch>>,
    ) -> Result<Recorded, LedgerError> {
        let sent = call.emails.iter().map(|e| Contact::Email(e.clone())).chain(
            call.mobiles
                .iter()
                .filter_map(|m| forms::mobile(m).ok().map(Contact::Mobile)),
        );
        let mut settled: HashMap<String, (PersonKey, Resolution, Option<String>)> = HashMap::new();
        let failure = unanswered(&tried);
        for contact in sent {
            if let Some(key) = key_for(&call.keys, &contact) {
                let resolution = match &failure {
                    Some(why) => Resolution::Unanswered(why.clone()),
                    None => Resolution::NotFound,
                };
                settled.insert(match_key(&contact), (key, resolution, None));
            }
        }
        if let Attempted::Done(answer) = tried.end {
            for entry in answer.value {
                let (Some(id), Some(at)) = (entry.user_id, echo_key(&entry.contact)) else {
                    continue;
                };
                if let Some(slot) = settled.get_mut(&at) {
                    slot.1 = Resolution::Found(id);
                    // The flags as Feishu gave them, for the cache.
                    slot.2 = entry
                        .status
                        .and_then(|status| serde_json::to_string(&status).ok());
                }
            }
        }
        settle(ledger, run, &self.book, settled.into_values().collect())?;
        Ok(Recorded {
            outcome: None,
            reason: None,
        })
    }
}

impl Phase for TalentLookups {
    type Item = TalentCall;
    type Value = Vec<TalentMatch>;

    fn family(&self) -> Family {
        Family::TalentLookup
    }

    fn untouched(&self) -> Option<Outcome> {
        None
    }

    fn count(&self, _: &Ledger, _: i64) -> Result<u64, LedgerError> {
        Ok(self.calls.len() as u64)
    }

    fn page(&self, _: &Ledger, _: i64, after: i64) -> Result<Vec<(i64, TalentCall)>, LedgerError> {
        Ok(page_of(&self.calls, after))
    }

    fn request(&self, call: &TalentCall) -> Request<Vec<TalentMatch>> {
        (*call.request).clone()
    }

    fn record(
        &self,
        ledger: &Ledger,
        run: i64,
        call: TalentCall,
        tried: Tried<Vec<TalentMatch>>,
    ) -> Result<Recorded, LedgerError> {
        // Each value sent, as the person it stands for.
        let as_contact = |value: &str| -> Option<Contact> {
            match &call.kind {
                TalentKey::Email => Some(Contact::Email(value.to_owned())),
                TalentKey::Mobile { code } => {
                    let written = if code == forms::MAINLAND {
                        value.to_owned()
                    } else {
                        format!("+{code}{value}")
                    };
                    forms::mobile(&written).ok().map(Contact::Mobile)
                }
            }
        };
        let invalid_mobile = matches!(
            &tried.end,
            Attempted::Refused { code, .. } if *code == INVALID_MOBILE_CODE
        );
        if invalid_mobile && !self.split && call.values.len() > 1 {
            // One value spoils the batch: each is sent again alone, after this phase.
            self.refused_whole
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(call);
            return Ok(Recorded {
                outcome: None,
                reason: None,
            });
        }
        // Refused alone: Feishu judges this mobile no valid number, so no talent has it.
        let failure = unanswered(&tried).filter(|_| !invalid_mobile);
        let mut ids: HashMap<String, Vec<String>> = HashMap::new();
        if let Attempted::Done(answer) = tried.end {
            for talent in answer.value {
                let echoed = match &call.kind {
                    TalentKey::Email => talent.email.clone(),
                    TalentKey::Mobile { .. } => talent.mobile_number.clone(),
                };
                let Some(contact) = echoed.as_deref().and_then(as_contact) else {
                    continue;
                };
                let list = ids.entry(match_key(&contact)).or_default();
                if !list.contains(&talent.talent_id) {
                    list.push(talent.talent_id);
                }
            }
        }
        let settled = call
            .values
            .iter()
            .filter_map(|value| {
                let contact = as_contact(value)?;
                let key = key_for(&call.keys, &contact)?;
                let resolution = match (&failure, ids.remove(&match_key(&contact))) {
                    (Some(why), _) => Resolution::Unanswered(why.clone()),
                    (None, None) => Resolution::NotFound,
                    (None, Some(mut found)) if found.len() == 1 => {
                        Resolution::Found(found.remove(0))
                    }
                    (None, Some(found)) => Resolution::Ambiguous(found),
                };
                Some((key, resolution, None))
            })
            .collect();
        settle(ledger, run, &self.book, settled)?;
        Ok(Recorded {
            outcome: None,
            reason: None,
        })
    }
}
