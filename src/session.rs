//! Who is signed in to this mount. Owned by [`crate::App`], read by pages and the shell.

use leptos::prelude::*;
use roster_model::Me;

use crate::router::{use_router, NavigateOptions};

/// What a page that signs someone in (sign-in, an accepted invitation, a set-password link) does
/// with the answer: records the session, then goes to `path` in place of itself (announced to a
/// host, not theirs to cancel: the person is signed in either way).
pub fn use_enter() -> impl Fn(Me, &str) + Clone + 'static {
    let session = expect_context::<SessionState>();
    let router = use_router();
    move |me: Me, path: &str| {
        session.signed_in(me);
        router.show(
            path,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    }
}

/// The signed-in state of one mounted Roster.
#[derive(Clone, Copy)]
pub struct SessionState {
    /// False until the first check has answered.
    checked: RwSignal<bool>,
    me: RwSignal<Option<Me>>,
    /// The server ended a session this mount had (expiry), as opposed to nobody having signed in.
    ended: RwSignal<bool>,
}

/// What a protected page may show; changes only when the answer changes, so pages are not rebuilt
/// when the same person signs in again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Checking,
    SignedOut,
    /// Signed in, but two-factor is required and not set up: enrolment comes first.
    MustEnrolTwoFactor,
    Member,
    Manager,
}

impl SessionState {
    pub fn new() -> Self {
        SessionState {
            checked: RwSignal::new(false),
            me: RwSignal::new(None),
            ended: RwSignal::new(false),
        }
    }

    pub fn access(&self) -> Access {
        if !self.checked.get() {
            return Access::Checking;
        }
        self.me.with(|me| match me {
            None => Access::SignedOut,
            Some(me) if me.must_enrol_two_factor => Access::MustEnrolTwoFactor,
            Some(me) if me.manages_users => Access::Manager,
            Some(_) => Access::Member,
        })
    }

    pub fn ended(&self) -> bool {
        self.ended.get_untracked()
    }

    pub fn me(&self) -> Option<Me> {
        self.me.get()
    }

    /// Whether the signed-in user's organization may bulk import (a per-organization feature).
    pub fn bulk_import(&self) -> bool {
        self.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.organization.features.bulk_import)
        })
    }

    pub fn me_untracked(&self) -> Option<Me> {
        self.me.get_untracked()
    }

    pub fn signed_in(&self, me: Me) {
        self.me.set(Some(me));
        self.ended.set(false);
        self.checked.set(true);
    }

    /// The signed-in user changed their own name or organization role: the header, the pages
    /// offered and the role pickers follow, as the server now judges them.
    pub fn own_user_changed(&self, name: String, role: roster_model::OrgRole) {
        self.me.update(|me| {
            if let Some(me) = me {
                me.user.name = name;
                me.role = role;
                me.manages_users = role.manages_users();
            }
        });
    }

    pub fn signed_out(&self) {
        self.me.set(None);
        self.checked.set(true);
    }

    /// The server answered 401 to a request: the session this mount had has ended.
    pub fn session_ended(&self) {
        if self.me.get_untracked().is_some() {
            self.ended.set(true);
        }
        self.signed_out();
    }
}

impl Default for SessionState {
    fn default() -> Self {
        Self::new()
    }
}

/// Where to go after signing in: only a path inside the app, never another site.
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or_else(|| "/users/managed".to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_inside_the_app() {
        assert_eq!(
            safe_next(Some("/users/invited?q=a".into())),
            "/users/invited?q=a"
        );
        assert_eq!(safe_next(Some("//evil.example".into())), "/users/managed");
        assert_eq!(
            safe_next(Some("https://evil.example".into())),
            "/users/managed"
        );
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/users/managed");
        assert_eq!(safe_next(None), "/users/managed");
    }
}
