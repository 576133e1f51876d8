//! Checking a request against the model's constraints (`required`, `min`/`max`,
//! `pattern`, `enum`) while it is converted.
//!
//! A [`Check`] carries the dotted path of the structure being checked
//! (`ApplicationConfiguration.EnvironmentProperties.PropertyGroups[2]`), so a
//! refusal names the member exactly. Every method takes a member by value and
//! hands it back checked, so conversion and validation are one pass and read
//! like the model:
//!
//! ```ignore
//! let name = c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
//! let limit = c.int("Limit", raw.limit, 1, 50)?;
//! ```

use std::fmt::Display;

use super::WireEnum;
use crate::error::ApiError;

/// A `pattern` of the model. They are few and simple, so each is checked by
/// hand; like the model's, they must match the whole value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `[a-zA-Z0-9_.-]+`
    Name,
    /// `arn:.*`
    Arn,
    /// `[a-zA-Z0-9-_+/=]+`
    Token,
    /// `([01][0-9]|2[0-3]):[0-5][0-9]`
    HourMinute,
    /// `[a-zA-Z0-9/!-_.*'()]+` — `!-_` is a range (U+0021 to U+005F), which
    /// covers the digits, capitals and all the listed punctuation.
    BasePath,
    /// `[^-\s<>&]*`
    InAppName,
    /// `^(?=^\$)(?=^\S+$).*$`: starts with `$` and has no white space.
    RowPath,
    /// `UTF-8`
    Utf8,
    /// CloudWatch Logs: `[\.\-_/#A-Za-z0-9]+`
    LogGroupName,
    /// CloudWatch Logs: `[\.\-_/#A-Za-z0-9]*`
    LogGroupNameOrEmpty,
    /// CloudWatch Logs: `[\w#+=/:,.@-]*`
    LogGroupIdentifier,
    /// CloudWatch Logs: `[^:*]*`
    LogStreamName,
    /// CloudWatch Logs: `^\d{12}$`
    AccountId,
    /// `[^\u0000-\u001F\u007F]*`: no control characters.
    NoControl,
}

impl Pattern {
    /// The model's spelling, for error messages.
    pub(crate) fn source(self) -> &'static str {
        match self {
            Self::Name => "[a-zA-Z0-9_.-]+",
            Self::Arn => "arn:.*",
            Self::Token => "[a-zA-Z0-9-_+/=]+",
            Self::HourMinute => "([01][0-9]|2[0-3]):[0-5][0-9]",
            Self::BasePath => "[a-zA-Z0-9/!-_.*'()]+",
            Self::InAppName => r"[^-\s<>&]*",
            Self::RowPath => r"^(?=^\$)(?=^\S+$).*$",
            Self::Utf8 => "UTF-8",
            Self::LogGroupName => r"[\.\-_/#A-Za-z0-9]+",
            Self::LogGroupNameOrEmpty => r"[\.\-_/#A-Za-z0-9]*",
            Self::LogGroupIdentifier => r"[\w#+=/:,.@-]*",
            Self::LogStreamName => "[^:*]*",
            Self::AccountId => r"^\d{12}$",
            Self::NoControl => r"[^\u0000-\u001F\u007F]*",
        }
    }

    pub(crate) fn matches(self, s: &str) -> bool {
        // `\s` of the model's (Java) regexes: ASCII white space only.
        let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r');
        // What `.` does not match: the line terminators.
        let line_end = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        let plus = |ok: fn(char) -> bool| !s.is_empty() && s.chars().all(ok);
        let group_char =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#');
        match self {
            Self::Name => plus(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
            Self::Arn => s.starts_with("arn:") && !s.chars().any(line_end),
            Self::Token => {
                plus(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '='))
            }
            Self::HourMinute => matches!(
                s.as_bytes(),
                [b'0' | b'1', b'0'..=b'9', b':', b'0'..=b'5', b'0'..=b'9']
                    | [b'2', b'0'..=b'3', b':', b'0'..=b'5', b'0'..=b'9']
            ),
            Self::BasePath => plus(|c| c.is_ascii_lowercase() || ('!'..='_').contains(&c)),
            Self::InAppName => !s
                .chars()
                .any(|c| space(c) || matches!(c, '-' | '<' | '>' | '&')),
            Self::RowPath => s.starts_with('$') && !s.chars().any(space),
            Self::Utf8 => s == "UTF-8",
            Self::LogGroupName => plus(group_char),
            Self::LogGroupNameOrEmpty => s.chars().all(group_char),
            // `\w` of Java regexes: ASCII letters, digits and `_`.
            Self::LogGroupIdentifier => s.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '#' | '+' | '=' | '/' | ':' | ',' | '.' | '@' | '-')
            }),
            Self::LogStreamName => !s.chars().any(|c| c == ':' || c == '*'),
            // `\d` of Java regexes: ASCII digits.
            Self::AccountId => s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()),
            Self::NoControl => !s.chars().any(|c| c <= '\u{1F}' || c == '\u{7F}'),
        }
    }
}

/// A string shape of the model: length bounds (in characters) and pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Str {
    min: usize,
    max: usize,
    pattern: Option<Pattern>,
}

impl Str {
    pub(crate) const fn len(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            pattern: None,
        }
    }

    pub(crate) const fn matching(self, pattern: Pattern) -> Self {
        Self {
            pattern: Some(pattern),
            ..self
        }
    }

    /// (min, max, pattern), for the test that holds them to the model.
    #[cfg(test)]
    pub(crate) fn parts(self) -> (usize, usize, Option<Pattern>) {
        (self.min, self.max, self.pattern)
    }
}

/// The path of the structure being checked; see the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Check {
    path: String,
}

/// How much of a refused value a message echoes.
const ECHO_CHARS: usize = 64;

impl Check {
    /// The request's top level.
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// The full path of `field`; an empty `field` is this structure itself.
    pub(crate) fn path(&self, field: &str) -> String {
        match (self.path.is_empty(), field.is_empty()) {
            (_, true) => self.path.clone(),
            (true, false) => field.to_string(),
            (false, false) => format!("{}.{field}", self.path),
        }
    }

    /// The structure in member `field`.
    pub(crate) fn at(&self, field: &str) -> Check {
        Check {
            path: self.path(field),
        }
    }

    /// Item `i` of list member `field`.
    pub(crate) fn item(&self, field: &str, i: usize) -> Check {
        Check {
            path: format!("{}[{i}]", self.path(field)),
        }
    }

    /// `InvalidArgumentException` naming `field`.
    pub(crate) fn fail(&self, field: &str, problem: impl Display) -> ApiError {
        let path = self.path(field);
        ApiError::invalid_argument(if path.is_empty() { "request" } else { &path }, problem)
    }

    pub(crate) fn required<T>(&self, field: &str, v: Option<T>) -> Result<T, ApiError> {
        v.ok_or_else(|| self.fail(field, "is required"))
    }

    /// An optional string member.
    pub(crate) fn str(
        &self,
        field: &str,
        v: Option<String>,
        shape: Str,
    ) -> Result<Option<String>, ApiError> {
        if let Some(s) = &v {
            self.check_str(field, s, shape)?;
        }
        Ok(v)
    }

    /// A required string member.
    pub(crate) fn req_str(
        &self,
        field: &str,
        v: Option<String>,
        shape: Str,
    ) -> Result<String, ApiError> {
        let s = self.required(field, v)?;
        self.check_str(field, &s, shape)?;
        Ok(s)
    }

    /// A string that is itself the item being checked (an item of a list of strings).
    pub(crate) fn item_str(&self, v: String, shape: Str) -> Result<String, ApiError> {
        self.check_str("", &v, shape)?;
        Ok(v)
    }

    pub(crate) fn check_str(&self, field: &str, s: &str, shape: Str) -> Result<(), ApiError> {
        let n = s.chars().count();
        if n < shape.min || n > shape.max {
            let bounds = match (shape.min, shape.max) {
                (min, max) if min == max => format!("exactly {min} characters long"),
                (0, max) => format!("at most {max} characters long"),
                (min, usize::MAX) => format!("at least {min} characters long"),
                (min, max) => format!("between {min} and {max} characters long"),
            };
            return Err(self.fail(field, format!("must be {bounds}, is {n}")));
        }
        match shape.pattern {
            Some(p) if !p.matches(s) => Err(self.fail(
                field,
                format!("{} does not match the pattern {}", echo(s), p.source()),
            )),
            _ => Ok(()),
        }
    }

    /// An optional integer or long member, within `min..=max`.
    pub(crate) fn int<T: Copy + Into<i64>>(
        &self,
        field: &str,
        v: Option<T>,
        min: i64,
        max: i64,
    ) -> Result<Option<T>, ApiError> {
        if let Some(n) = v.map(Into::into) {
            if n < min || n > max {
                let bounds = if max == i64::MAX {
                    format!("at least {min}")
                } else {
                    format!("between {min} and {max}")
                };
                return Err(self.fail(field, format!("must be {bounds}, is {n}")));
            }
        }
        Ok(v)
    }

    pub(crate) fn req_int<T: Copy + Into<i64>>(
        &self,
        field: &str,
        v: Option<T>,
        min: i64,
        max: i64,
    ) -> Result<T, ApiError> {
        let v = self.int(field, v, min, max)?;
        self.required(field, v)
    }

    /// An optional enum member, converted to the model's type.
    pub(crate) fn enumeration<E: WireEnum>(
        &self,
        field: &str,
        v: Option<String>,
    ) -> Result<Option<E>, ApiError> {
        v.map(|s| self.parse_enum(field, &s)).transpose()
    }

    pub(crate) fn req_enumeration<E: WireEnum>(
        &self,
        field: &str,
        v: Option<String>,
    ) -> Result<E, ApiError> {
        let s = self.required(field, v)?;
        self.parse_enum(field, &s)
    }

    fn parse_enum<E: WireEnum>(&self, field: &str, s: &str) -> Result<E, ApiError> {
        E::from_wire(s).ok_or_else(|| {
            let names: Vec<&str> = E::ALL.iter().map(|e| e.wire()).collect();
            self.fail(
                field,
                format!("{} is not one of {}", echo(s), names.join(", ")),
            )
        })
    }

    /// An enum member Weir has no model type for (it only appears in refused sections).
    pub(crate) fn req_keyword(
        &self,
        field: &str,
        v: Option<String>,
        names: &[&str],
    ) -> Result<String, ApiError> {
        let s = self.required(field, v)?;
        if !names.contains(&s.as_str()) {
            return Err(self.fail(
                field,
                format!("{} is not one of {}", echo(&s), names.join(", ")),
            ));
        }
        Ok(s)
    }

    /// An optional blob member of at most `max` bytes.
    pub(crate) fn blob(
        &self,
        field: &str,
        v: Option<Vec<u8>>,
        max: usize,
    ) -> Result<Option<Vec<u8>>, ApiError> {
        match v {
            Some(b) if b.len() > max => Err(self.fail(
                field,
                format!("must be at most {max} bytes, is {}", b.len()),
            )),
            v => Ok(v),
        }
    }

    /// The size of a list or map member.
    pub(crate) fn size(
        &self,
        field: &str,
        n: usize,
        min: usize,
        max: usize,
    ) -> Result<(), ApiError> {
        if n < min || n > max {
            let bounds = match (min, max) {
                (0, max) => format!("at most {max}"),
                (min, usize::MAX) => format!("at least {min}"),
                (min, max) => format!("between {min} and {max}"),
            };
            return Err(self.fail(field, format!("must have {bounds} entries, has {n}")));
        }
        Ok(())
    }

    /// An optional list member of `min..=max` items, each converted by `f`
    /// with the item's own path.
    pub(crate) fn list<T, U>(
        &self,
        field: &str,
        v: Option<Vec<T>>,
        min: usize,
        max: usize,
        mut f: impl FnMut(T, &Check) -> Result<U, ApiError>,
    ) -> Result<Option<Vec<U>>, ApiError> {
        let Some(items) = v else { return Ok(None) };
        self.size(field, items.len(), min, max)?;
        let out = items
            .into_iter()
            .enumerate()
            .map(|(i, t)| f(t, &self.item(field, i)))
            .collect::<Result<_, _>>()?;
        Ok(Some(out))
    }

    pub(crate) fn req_list<T, U>(
        &self,
        field: &str,
        v: Option<Vec<T>>,
        min: usize,
        max: usize,
        f: impl FnMut(T, &Check) -> Result<U, ApiError>,
    ) -> Result<Vec<U>, ApiError> {
        let v = self.list(field, v, min, max, f)?;
        self.required(field, v)
    }

    /// An optional structure member, converted by `f` with its own path.
    pub(crate) fn nested<T, U>(
        &self,
        field: &str,
        v: Option<T>,
        f: impl FnOnce(T, &Check) -> Result<U, ApiError>,
    ) -> Result<Option<U>, ApiError> {
        v.map(|t| f(t, &self.at(field))).transpose()
    }

    pub(crate) fn req_nested<T, U>(
        &self,
        field: &str,
        v: Option<T>,
        f: impl FnOnce(T, &Check) -> Result<U, ApiError>,
    ) -> Result<U, ApiError> {
        let t = self.required(field, v)?;
        f(t, &self.at(field))
    }
}

/// A value quoted for a message, shortened if long.
fn echo(s: &str) -> String {
    if s.chars().count() <= ECHO_CHARS {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(ECHO_CHARS).collect();
        format!("{head:?}...")
    }
}

/// For lists whose items have no constraints of their own.
pub(crate) fn keep<T>(v: T, _: &Check) -> Result<T, ApiError> {
    Ok(v)
}
