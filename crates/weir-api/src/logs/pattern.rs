//! CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), the
//! subset Weir understands, matched against an event's message (the JSON
//! record of the application log).
//!
//! - **Terms**: `ERROR Exception` matches messages containing every term;
//!   `"switched from state"` is one term with its spaces; `?ERROR ?WARN`
//!   matches messages containing any of the `?` terms; `-DEBUG` excludes
//!   messages containing the term. Mixed, a message must contain every plain
//!   term, one of the `?` terms (if there are any) and none of the `-` terms.
//!   Matching is case-sensitive, as CloudWatch's is.
//! - **JSON**: `{ $.messageType = "ERROR" }` on the message parsed as JSON:
//!   selectors `$.a.b` and `$.a[0]`; `=` and `!=` against a string (with `*`
//!   wildcards) or a number; `<`, `<=`, `>`, `>=` against a number;
//!   `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&`, `||` and
//!   parentheses. A comparison on a member the message does not have is false
//!   (`!=` included); `NOT EXISTS` asks for exactly that.
//!
//! Space-delimited (`[ip, user, ...]`) and regular-expression (`%...%`)
//! patterns are refused with a message saying so.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    /// No pattern, or an empty one: every event matches.
    All,
    Terms(Terms),
    Json(Expr),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

/// A JSON filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Test(Vec<Step>, Test),
}

/// One step of a selector: a member name or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Member(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(Literal),
    Ne(Literal),
    Lt(f64),
    Le(f64),
    Gt(f64),
    Ge(f64),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, `*` matching any run of characters.
    Text(String),
    Number(f64),
}

impl FilterPattern {
    /// Parses a pattern; the error says what is wrong with it.
    pub fn parse(source: &str) -> Result<Self, String> {
        let s = source.trim();
        if s.is_empty() {
            return Ok(Self::All);
        }
        if s.starts_with('{') {
            return json_pattern(s).map(Self::Json);
        }
        if s.starts_with('[') {
            return Err(
                "space-delimited filter patterns ([...]) are not supported by Weir; \
                 use terms or a JSON pattern ({ $.member = \"value\" })"
                    .to_string(),
            );
        }
        if s.starts_with('%') {
            return Err(
                "regular-expression filter patterns (%...%) are not supported by Weir; \
                 use terms or a JSON pattern ({ $.member = \"value\" })"
                    .to_string(),
            );
        }
        terms(s).map(Self::Terms)
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            Self::All => true,
            Self::Terms(t) => t.matches(message),
            Self::Json(e) => serde_json::from_str::<Value>(message).is_ok_and(|v| e.eval(&v)),
        }
    }
}

impl Terms {
    fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
    }
}

fn terms(s: &str) -> Result<Terms, String> {
    let mut out = Terms::default();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let list = match first {
            '?' => {
                chars.next();
                &mut out.any
            }
            '-' => {
                chars.next();
                &mut out.none
            }
            _ => &mut out.all,
        };
        let term = match chars.peek() {
            Some('"') => {
                chars.next();
                quoted(&mut chars)?
            }
            Some(c) if !c.is_whitespace() => {
                let mut t = String::new();
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    t.push(c);
                }
                t
            }
            _ => return Err(format!("{first:?} must be followed by a term")),
        };
        list.push(term);
    }
    Ok(out)
}

/// The rest of a double-quoted string whose opening quote was read; `\"` and
/// `\\` are a quote and a backslash.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut t = String::new();
    loop {
        match chars.next() {
            None => return Err("a quoted term is not closed".to_string()),
            Some('"') => return Ok(t),
            Some('\\') => match chars.next() {
                Some(c @ ('"' | '\\')) => t.push(c),
                Some(c) => {
                    t.push('\\');
                    t.push(c);
                }
                None => return Err("a quoted term is not closed".to_string()),
            },
            Some(c) => t.push(c),
        }
    }
}

// ---------------------------------------------------------------------------
// JSON patterns

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Op(&'static str),
    Selector(String),
    Quoted(String),
    Word(String),
}

const OPERATORS: [&str; 6] = ["!=", "<=", ">=", "=", "<", ">"];

/// Characters that end a selector or a bare word.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '&' | '|' | '=' | '!' | '<' | '>' | '"')
}

fn tokens(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let rest: String = chars.clone().take(2).collect();
        if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(*op)) {
            for _ in 0..op.len() {
                chars.next();
            }
            out.push(Token::Op(op));
            continue;
        }
        match c {
            '(' | ')' => {
                chars.next();
                out.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '&' | '|' => {
                chars.next();
                if chars.next() != Some(c) {
                    return Err(format!("{c:?} must be doubled ({c}{c})"));
                }
                out.push(if c == '&' { Token::And } else { Token::Or });
            }
            '"' => {
                chars.next();
                out.push(Token::Quoted(quoted(&mut chars)?));
            }
            _ => {
                let mut word = String::new();
                while let Some(c) = chars.next_if(|c| !is_delimiter(*c)) {
                    word.push(c);
                }
                if word.is_empty() {
                    return Err(format!("unexpected {c:?}"));
                }
                out.push(if word.starts_with('$') {
                    Token::Selector(word)
                } else {
                    Token::Word(word)
                });
            }
        }
    }
    Ok(out)
}

fn json_pattern(s: &str) -> Result<Expr, String> {
    let inner = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or("a JSON pattern must end with '}'")?;
    let tokens = tokens(inner)?;
    let mut p = Parser { tokens, at: 0 };
    let e = p.or()?;
    match p.tokens.get(p.at) {
        None => Ok(e),
        Some(t) => Err(format!(
            "unexpected {} after a complete expression",
            describe(t)
        )),
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::And => "'&&'".into(),
        Token::Or => "'||'".into(),
        Token::Op(op) => format!("'{op}'"),
        Token::Selector(s) | Token::Word(s) => format!("{s:?}"),
        Token::Quoted(s) => format!("\"{s}\""),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn eat(&mut self, t: &Token) -> bool {
        if self.tokens.get(self.at) == Some(t) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat(&Token::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.eat(&Token::And) {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                let e = self.or()?;
                if !self.eat(&Token::Close) {
                    return Err("a '(' is not closed".into());
                }
                Ok(e)
            }
            Some(Token::Selector(s)) => {
                let path = selector(&s)?;
                Ok(Expr::Test(path, self.test(&s)?))
            }
            Some(t) => Err(format!(
                "expected a selector ($.member), found {}",
                describe(&t)
            )),
            None => Err("expected a selector ($.member), found the end".into()),
        }
    }

    fn test(&mut self, selector: &str) -> Result<Test, String> {
        let keyword = |t: &Option<Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.eq_ignore_ascii_case(k));
        let t = self.next();
        if keyword(&t, "IS") {
            let what = self.next();
            return if keyword(&what, "NULL") {
                Ok(Test::IsNull)
            } else if keyword(&what, "TRUE") {
                Ok(Test::IsTrue)
            } else if keyword(&what, "FALSE") {
                Ok(Test::IsFalse)
            } else {
                Err(format!(
                    "{selector} IS must be followed by NULL, TRUE or FALSE"
                ))
            };
        }
        if keyword(&t, "NOT") {
            let what = self.next();
            return if keyword(&what, "EXISTS") {
                Ok(Test::NotExists)
            } else {
                Err(format!("{selector} NOT must be followed by EXISTS"))
            };
        }
        let Some(Token::Op(op)) = t else {
            return Err(format!(
                "{selector} must be followed by a comparison (=, !=, <, <=, >, >=, IS, NOT EXISTS)"
            ));
        };
        let literal = match self.next() {
            Some(Token::Quoted(s)) => Literal::Text(s),
            Some(Token::Word(w)) => match w.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Number(n),
                _ => Literal::Text(w),
            },
            Some(t) => {
                return Err(format!(
                    "expected a value after '{op}', found {}",
                    describe(&t)
                ))
            }
            None => return Err(format!("expected a value after '{op}', found the end")),
        };
        let number = |l: Literal| match l {
            Literal::Number(n) => Ok(n),
            Literal::Text(s) => Err(format!("'{op}' compares numbers; {s:?} is not one")),
        };
        Ok(match op {
            "=" => Test::Eq(literal),
            "!=" => Test::Ne(literal),
            "<" => Test::Lt(number(literal)?),
            "<=" => Test::Le(number(literal)?),
            ">" => Test::Gt(number(literal)?),
            _ => Test::Ge(number(literal)?),
        })
    }
}

/// `$.a.b[0].c` into its steps.
fn selector(s: &str) -> Result<Vec<Step>, String> {
    let bad = || format!("{s:?} is not a selector ($.member, $.member[0])");
    let mut rest = s.strip_prefix('$').ok_or_else(bad)?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err(bad());
            }
            steps.push(Step::Member(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let (index, r) = r.split_once(']').ok_or_else(bad)?;
            steps.push(Step::Index(index.parse().map_err(|_| bad())?));
            rest = r;
        } else {
            return Err(bad());
        }
    }
    if steps.is_empty() {
        return Err(bad());
    }
    Ok(steps)
}

impl Expr {
    fn eval(&self, v: &Value) -> bool {
        match self {
            Self::And(a, b) => a.eval(v) && b.eval(v),
            Self::Or(a, b) => a.eval(v) || b.eval(v),
            Self::Test(path, test) => {
                let found = path.iter().try_fold(v, |v, step| match step {
                    Step::Member(m) => v.get(m.as_str()),
                    Step::Index(i) => v.get(*i),
                });
                match (found, test) {
                    (None, Test::NotExists) => true,
                    (None, _) | (Some(_), Test::NotExists) => false,
                    (Some(v), Test::IsNull) => v.is_null(),
                    (Some(v), Test::IsTrue) => v == &Value::Bool(true),
                    (Some(v), Test::IsFalse) => v == &Value::Bool(false),
                    (Some(v), Test::Eq(l)) => equals(v, l),
                    (Some(v), Test::Ne(l)) => !equals(v, l),
                    (Some(v), Test::Lt(n)) => number(v).is_some_and(|x| x < *n),
                    (Some(v), Test::Le(n)) => number(v).is_some_and(|x| x <= *n),
                    (Some(v), Test::Gt(n)) => number(v).is_some_and(|x| x > *n),
                    (Some(v), Test::Ge(n)) => number(v).is_some_and(|x| x >= *n),
                }
            }
        }
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn equals(v: &Value, l: &Literal) -> bool {
    match l {
        Literal::Number(n) => number(v) == Some(*n),
        Literal::Text(pattern) => match v {
            Value::String(s) => glob(pattern, s),
            Value::Number(_) | Value::Bool(_) => glob(pattern, &v.to_string()),
            _ => false,
        },
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole text.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = r#"{"logger":"com.weir.supervisor","message":"Application orders status changed from STARTING to RUNNING","threadName":"weir-supervisor","applicationARN":"arn:aws:kinesisanalytics:us-east-1:000000000000:application/orders","applicationVersionId":"3","messageSchemaVersion":"1","messageType":"INFO"}"#;
    const ERROR: &str = r#"{"logger":"org.apache.flink.runtime.executiongraph.ExecutionGraph","message":"Job orders (ab12) switched from state RUNNING to FAILING.","threadName":"weir-supervisor","applicationARN":"arn:aws:kinesisanalytics:us-east-1:000000000000:application/orders","applicationVersionId":"3","messageSchemaVersion":"1","messageType":"ERROR","latency":250,"tags":["a","b"],"ok":false,"none":null}"#;
    const PLAIN: &str = "WARN disk is 91% full";

    #[test]
    fn patterns_match_as_cloudwatch_does() {
        // (pattern, matches INFO, matches ERROR, matches PLAIN)
        let table: &[(&str, bool, bool, bool)] = &[
            ("", true, true, true),
            ("   ", true, true, true),
            // Terms: all must appear, case-sensitive.
            ("RUNNING", true, true, false),
            ("RUNNING FAILING", false, true, false),
            ("running", false, false, false),
            ("\"switched from state\"", false, true, false),
            ("\"status changed\" STARTING", true, false, false),
            ("\"a \\\"quoted\\\" b\"", false, false, false),
            // ?terms: any of them.
            ("?FAILING ?WARN", false, true, true),
            ("?\"from STARTING\" ?disk", true, false, true),
            // -terms: none of them.
            ("RUNNING -FAILING", true, false, false),
            ("-\"91%\"", true, true, false),
            ("messageType ?INFO ?ERROR -com.weir", false, true, false),
            // JSON: the message parsed as JSON.
            (r#"{ $.messageType = "ERROR" }"#, false, true, false),
            (r#"{$.messageType="INFO"}"#, true, false, false),
            (r#"{ $.messageType = ERROR }"#, false, true, false),
            (r#"{ $.messageType != "INFO" }"#, false, true, false),
            (r#"{ $.message = "Job *" }"#, false, true, false),
            (r#"{ $.message = "*to RUNNING" }"#, true, false, false),
            (
                r#"{ $.message = "*switched*FAILING*" }"#,
                false,
                true,
                false,
            ),
            (r#"{ $.applicationVersionId = 3 }"#, true, true, false),
            (r#"{ $.applicationVersionId = "3" }"#, true, true, false),
            (r#"{ $.latency > 100 }"#, false, true, false),
            (r#"{ $.latency >= 251 }"#, false, false, false),
            (
                r#"{ $.latency < 250 || $.messageType = "INFO" }"#,
                true,
                false,
                false,
            ),
            (
                r#"{ $.latency <= 250 && $.messageType = "ERROR" }"#,
                false,
                true,
                false,
            ),
            (
                r#"{ ($.messageType = "INFO" || $.messageType = "ERROR") && $.logger = "com.weir.*" }"#,
                true,
                false,
                false,
            ),
            (r#"{ $.tags[1] = "b" }"#, false, true, false),
            (r#"{ $.tags[2] = "b" }"#, false, false, false),
            (r#"{ $.ok IS FALSE }"#, false, true, false),
            (r#"{ $.ok IS TRUE }"#, false, false, false),
            (r#"{ $.none IS NULL }"#, false, true, false),
            (r#"{ $.latency NOT EXISTS }"#, true, false, false),
            // A comparison on a missing member is false, `!=` included.
            (r#"{ $.missing != "x" }"#, false, false, false),
            (r#"{ $.message.inner = "x" }"#, false, false, false),
        ];
        for (pattern, info, error, plain) in table {
            let p = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(p.matches(INFO), *info, "{pattern:?} on INFO");
            assert_eq!(p.matches(ERROR), *error, "{pattern:?} on ERROR");
            assert_eq!(p.matches(PLAIN), *plain, "{pattern:?} on PLAIN");
        }
    }

    #[test]
    fn malformed_patterns_are_refused_saying_why() {
        let table: &[(&str, &str)] = &[
            ("\"open", "not closed"),
            ("? ERROR", "must be followed by a term"),
            ("[ip, user]", "space-delimited"),
            ("%ERR.*%", "regular-expression"),
            ("{ $.a = \"x\"", "must end with '}'"),
            ("{ }", "found the end"),
            ("{ $.a }", "must be followed by a comparison"),
            ("{ $.a = }", "expected a value after '='"),
            ("{ $.a > \"x\" }", "compares numbers"),
            ("{ $.a = 1 & $.b = 2 }", "must be doubled"),
            ("{ $.a = 1 $.b = 2 }", "after a complete expression"),
            ("{ ($.a = 1 }", "not closed"),
            ("{ a = 1 }", "expected a selector"),
            ("{ $..a = 1 }", "is not a selector"),
            ("{ $.a[x] = 1 }", "is not a selector"),
            ("{ $ = 1 }", "is not a selector"),
            ("{ $.a IS MAYBE }", "NULL, TRUE or FALSE"),
            ("{ $.a NOT THERE }", "EXISTS"),
        ];
        for (pattern, why) in table {
            let err = FilterPattern::parse(pattern).expect_err(pattern);
            assert!(err.contains(why), "{pattern:?}: {err:?}");
        }
    }

    #[test]
    fn globs_match_whole_values() {
        let table: &[(&str, &str, bool)] = &[
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("*b*", "abc", true),
            ("a*c", "ac", true),
            ("a*b*c", "abc", true),
            ("a*bc", "abc", true),
            ("ab*bc", "abc", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
        ];
        for (pattern, text, ok) in table {
            assert_eq!(glob(pattern, text), *ok, "{pattern:?} vs {text:?}");
        }
    }
}
