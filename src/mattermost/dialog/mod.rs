//! Interactive dialogs (`POST /api/v4/actions/dialogs/open`, SPEC §11). Mattermost opens a
//! dialog that breaks its rules, but may not render it: the user sees nothing and nobody
//! sees an error. So the rules are checked when a dialog is built, and a [`Dialog`] that
//! exists has passed them.
//!
//! The limits are in bytes, as the server measures them (`len` of a Go string): for text
//! that is not ASCII they are fewer characters than the numbers suggest.

use std::collections::HashSet;

use serde::Serialize;

use super::action::ActionOption;
use super::wire_error::WireError;

const TITLE_MAX: usize = 24;
const DISPLAY_NAME_MAX: usize = 24;
const NAME_MAX: usize = 300;
const HELP_TEXT_MAX: usize = 150;
/// Default and placeholder of a `text` element (also of a `bool` element's placeholder).
const TEXT_MAX: usize = 150;
/// Default and placeholder of a `textarea` or `select` element.
const LONG_TEXT_MAX: usize = 3000;

/// Decided in issue 16: what a user reads when the 30 s trigger window closed before the
/// dialog could be opened.
pub const TOO_LATE: &str = "This took too long to open. Run the command again.";

/// The longest start of `text` within `max` bytes, cut between characters: text from people
/// (a message, an issue summary) made into a title or a default must fit in bytes, and a
/// cut inside a character would not be text.
pub fn cut_to_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let end = (0..=max).rev().find(|at| text.is_char_boundary(*at)).unwrap_or(0);
    &text[..end]
}

/// `title` cut to what a dialog's title may hold.
pub fn fitting_title(title: &str) -> &str {
    cut_to_bytes(title, TITLE_MAX)
}

/// The body of `POST /api/v4/actions/dialogs/open`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenDialog {
    /// From the command or action request: valid for 30 s, for its user only.
    pub trigger_id: String,
    /// Where Mattermost sends the submission.
    pub url: String,
    pub dialog: Dialog,
}

/// A dialog that passed Mattermost's checks: made only by [`Dialog::new`], and what can be
/// added afterwards has no limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dialog {
    title: String,
    elements: Vec<DialogElement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    introduction_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    submit_label: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    notify_on_cancel: bool,
    /// Passes through the user's client and comes back with the submission, so what it
    /// carries must be signed (SPEC §10.4).
    #[serde(skip_serializing_if = "String::is_empty")]
    state: String,
}

impl Dialog {
    /// Checks the title (1 to 24 bytes), every element, and that no two share a name.
    pub fn new(title: &str, elements: Vec<DialogElement>) -> Result<Dialog, WireError> {
        check_length(|| "dialog title".into(), title, 1, TITLE_MAX)?;
        let mut names = HashSet::new();
        for element in &elements {
            element.check()?;
            if !names.insert(element.name.as_str()) {
                return Err(WireError::DuplicateName(element.name.clone()));
            }
        }
        Ok(Dialog {
            title: title.to_string(),
            elements,
            introduction_text: None,
            submit_label: None,
            notify_on_cancel: false,
            state: String::new(),
        })
    }

    /// Markdown shown above the elements.
    pub fn introduction(mut self, text: &str) -> Dialog {
        self.introduction_text = Some(text.to_string());
        self
    }

    pub fn submit_label(mut self, label: &str) -> Dialog {
        self.submit_label = Some(label.to_string());
        self
    }

    /// Mattermost also calls the dialog's URL when the user cancels.
    pub fn notify_on_cancel(mut self) -> Dialog {
        self.notify_on_cancel = true;
        self
    }

    pub fn state(mut self, state: &str) -> Dialog {
        self.state = state.to_string();
        self
    }
}

/// A field of a dialog. Set what a constructor leaves empty with struct update syntax:
/// `DialogElement { placeholder: "…".into(), ..DialogElement::text("summary", "Summary") }`.
/// It is checked when the dialog is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DialogElement {
    /// The label (1 to 24 bytes).
    pub display_name: String,
    /// The submission's key for the value (1 to 300 bytes).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ElementKind,
    /// What a `text` or `textarea` element holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<TextSubtype>,
    /// The value shown at first; for `select` and `radio`, the `value` of one of `options`;
    /// for `bool`, `true` or `false`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub default: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub placeholder: String,
    /// Shown below the element (at most 150 bytes).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub help_text: String,
    pub optional: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The choices of a `select` or `radio` element.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ActionOption>,
    /// A `select` whose choices Mattermost supplies (`users`, `channels`), or `dynamic`: the
    /// integration at `data_source_url` answers what the user types (Mattermost 11.0).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub data_source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub data_source_url: String,
}

impl DialogElement {
    fn new(kind: ElementKind, name: &str, display_name: &str) -> DialogElement {
        DialogElement {
            display_name: display_name.to_string(),
            name: name.to_string(),
            kind,
            subtype: None,
            default: String::new(),
            placeholder: String::new(),
            help_text: String::new(),
            optional: false,
            min_length: None,
            max_length: None,
            options: Vec::new(),
            data_source: String::new(),
            data_source_url: String::new(),
        }
    }

    /// One line of text (default and placeholder at most 150 bytes).
    pub fn text(name: &str, display_name: &str) -> DialogElement {
        DialogElement::new(ElementKind::Text, name, display_name)
    }

    /// Several lines of text (default and placeholder at most 3000 bytes).
    pub fn textarea(name: &str, display_name: &str) -> DialogElement {
        DialogElement::new(ElementKind::Textarea, name, display_name)
    }

    /// Sets the default to `text`, cut between characters to the bytes this kind of element
    /// may show (150 for `text`, 3000 for `textarea`).
    pub fn default_cut(&mut self, text: &str) {
        let max = match self.kind {
            ElementKind::Text => TEXT_MAX,
            _ => LONG_TEXT_MAX,
        };
        self.default = cut_to_bytes(text, max).to_string();
    }

    /// A menu of `options`.
    pub fn select(name: &str, display_name: &str, options: Vec<ActionOption>) -> DialogElement {
        DialogElement { options, ..DialogElement::new(ElementKind::Select, name, display_name) }
    }

    /// A menu of Mattermost's users.
    pub fn users(name: &str, display_name: &str) -> DialogElement {
        DialogElement { data_source: "users".into(), ..DialogElement::new(ElementKind::Select, name, display_name) }
    }

    /// A menu whose choices come from `lookup_url` as the user types (Mattermost 11.0; the
    /// web app calls only an `https` URL, or `http` on localhost).
    pub fn dynamic(name: &str, display_name: &str, lookup_url: &str) -> DialogElement {
        DialogElement {
            data_source: "dynamic".into(),
            data_source_url: lookup_url.into(),
            ..DialogElement::new(ElementKind::Select, name, display_name)
        }
    }

    /// Radio buttons, one for each of `options`.
    pub fn radio(name: &str, display_name: &str, options: Vec<ActionOption>) -> DialogElement {
        DialogElement { options, ..DialogElement::new(ElementKind::Radio, name, display_name) }
    }

    /// A checkbox; `placeholder` is the text beside it.
    pub fn checkbox(name: &str, display_name: &str) -> DialogElement {
        DialogElement::new(ElementKind::Bool, name, display_name)
    }

    fn check(&self) -> Result<(), WireError> {
        let what = |part: &str| format!("{part} of dialog element {:?}", self.name);
        check_length(|| "name of a dialog element".into(), &self.name, 1, NAME_MAX)?;
        check_length(|| what("display_name"), &self.display_name, 1, DISPLAY_NAME_MAX)?;
        check_length(|| what("help_text"), &self.help_text, 0, HELP_TEXT_MAX)?;
        let (default_max, placeholder_max) = match self.kind {
            ElementKind::Text => (TEXT_MAX, TEXT_MAX),
            ElementKind::Textarea | ElementKind::Select => (LONG_TEXT_MAX, LONG_TEXT_MAX),
            ElementKind::Bool => (usize::MAX, TEXT_MAX),
            ElementKind::Radio => (usize::MAX, usize::MAX),
        };
        check_length(|| what("default"), &self.default, 0, default_max)?;
        check_length(|| what("placeholder"), &self.placeholder, 0, placeholder_max)?;
        if self.data_source == "dynamic" && !is_lookup_url(&self.data_source_url) {
            return Err(WireError::NotAChoice { what: what("data_source_url"), value: self.data_source_url.clone() });
        }
        if !self.default.is_empty() && !self.can_default_to(&self.default) {
            return Err(WireError::NotAChoice { what: what("default"), value: self.default.clone() });
        }
        // Mattermost compares them with an absent max_length read as 0.
        let (min, max) = (self.min_length.unwrap_or(0), self.max_length.unwrap_or(0));
        if min > max {
            return Err(WireError::Lengths { what: what("length"), min, max });
        }
        Ok(())
    }

    fn can_default_to(&self, value: &str) -> bool {
        match self.kind {
            ElementKind::Select if self.data_source == "dynamic" => true,
            ElementKind::Select | ElementKind::Radio => self.options.iter().any(|o| o.value == value),
            ElementKind::Bool => value == "true" || value == "false",
            ElementKind::Text | ElementKind::Textarea => true,
        }
    }
}

/// A URL the web app sends lookups to: `https`, or `http` on the local machine.
pub fn is_lookup_url(url: &str) -> bool {
    url.starts_with("https://")
        || ["http://localhost", "http://127.0.0.1"]
            .iter()
            .any(|local| url.strip_prefix(local).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])))
}

/// Fails when `value` has fewer than `min` or more than `max` bytes.
fn check_length(what: impl Fn() -> String, value: &str, min: usize, max: usize) -> Result<(), WireError> {
    if value.len() < min {
        return Err(WireError::Empty { what: what() });
    }
    if value.len() > max {
        return Err(WireError::TooLong { what: what(), bytes: value.len(), max });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    Text,
    Textarea,
    Select,
    Radio,
    Bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TextSubtype {
    Text,
    Email,
    Number,
    Password,
    Tel,
    Url,
}

#[cfg(test)]
mod tests;
