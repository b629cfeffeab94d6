//! The error state of a form: one message, about one field or the form as a whole.

use leptos::prelude::*;

use roster_model::new_password_problem;

use crate::api::ApiFailure;

/// Why a new password, typed twice, cannot be sent, as (field, message): the model's rule for
/// passwords (against the `current` one and the person's `email`) about `field`, then the two
/// must match (about "confirm").
pub fn new_password_error(
    field: &'static str,
    password: &str,
    confirm: &str,
    current: &str,
    email: &str,
) -> Option<(&'static str, String)> {
    if let Some(problem) = new_password_problem(password, current, email) {
        return Some((field, problem));
    }
    (password != confirm).then(|| ("confirm", "The two passwords differ.".to_owned()))
}

/// What a second factor's field left empty is told (sign-in, accepting an invitation as an
/// existing user, a set-password link).
pub const CODE_NEEDED: &str = "Enter the code from your authenticator app, or a recovery code.";

#[derive(Clone, Copy)]
pub struct FormError(RwSignal<Option<(Option<String>, String)>>);

impl FormError {
    pub fn new() -> Self {
        FormError(RwSignal::new(None))
    }

    pub fn set(&self, field: Option<&str>, message: impl Into<String>) {
        self.0.set(Some((field.map(str::to_owned), message.into())));
    }

    /// Shows a failed request next to the field the server named, or above the button.
    pub fn from_failure(&self, failure: &ApiFailure) {
        self.0.set(Some((failure.field(), failure.message())));
    }

    pub fn clear(&self) {
        self.0.set(None);
    }

    /// The message about `field`, for its [`crate::components::TextField`].
    pub fn field(&self, field: &'static str) -> Signal<Option<String>> {
        let error = self.0;
        Signal::derive(move || {
            error
                .get()
                .filter(|(f, _)| f.as_deref() == Some(field))
                .map(|(_, message)| message)
        })
    }

    /// A message about the form as a whole (not about one field).
    pub fn general(&self) -> Signal<Option<String>> {
        let error = self.0;
        Signal::derive(move || error.get().filter(|(f, _)| f.is_none()).map(|(_, m)| m))
    }
}

impl Default for FormError {
    fn default() -> Self {
        Self::new()
    }
}
