//! Java's `sasl.jaas.config` as a Kafka client reads it: exactly one login module,
//! `ModuleClass flag key=value ... ;`, values bare or double-quoted (with backslash escapes).

use std::collections::HashMap;

use super::SaslError;

/// One parsed login module. Its options hold passwords, so it has no `Debug`.
pub(crate) struct JaasModule {
    /// The login module class, e.g. `org.apache.kafka.common.security.plain.PlainLoginModule`.
    pub class: String,
    /// The options.
    pub options: HashMap<String, String>,
}

fn invalid(reason: &str) -> SaslError {
    SaslError::InvalidConfig {
        name: "sasl.jaas.config",
        reason: reason.to_owned(),
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || "._$-/:".contains(c)
}

struct Tokens<'a> {
    rest: &'a str,
}

impl Tokens<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn word(&mut self) -> Option<String> {
        self.skip_space();
        let end = self.rest.find(|c| !is_word(c)).unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(word.to_owned())
    }

    fn punct(&mut self, c: char) -> bool {
        self.skip_space();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn quoted(&mut self) -> Result<Option<String>, SaslError> {
        self.skip_space();
        let Some(body) = self.rest.strip_prefix('"') else {
            return Ok(None);
        };
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &body[i + 1..];
                    return Ok(Some(out));
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) => out.push(escaped),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(invalid("unterminated quoted value"))
    }
}

/// Parses a client's `sasl.jaas.config`. Error messages never repeat option values.
pub(crate) fn parse(text: &str) -> Result<JaasModule, SaslError> {
    let mut tokens = Tokens { rest: text };
    let class = tokens
        .word()
        .ok_or_else(|| invalid("expected a login module class"))?;
    let flag = tokens
        .word()
        .ok_or_else(|| invalid("expected a control flag"))?;
    if !["required", "requisite", "sufficient", "optional"]
        .contains(&flag.to_ascii_lowercase().as_str())
    {
        return Err(invalid(
            "the control flag must be required, requisite, sufficient or optional",
        ));
    }
    let mut options = HashMap::new();
    loop {
        if tokens.punct(';') {
            break;
        }
        let key = tokens
            .word()
            .ok_or_else(|| invalid("expected an option name or ';'"))?;
        if !tokens.punct('=') {
            return Err(invalid("expected '=' after an option name"));
        }
        let value = match tokens.quoted()? {
            Some(value) => value,
            None => tokens
                .word()
                .ok_or_else(|| invalid("expected an option value"))?,
        };
        options.insert(key, value);
    }
    tokens.skip_space();
    if !tokens.rest.is_empty() {
        return Err(invalid(
            "a client configuration holds exactly one login module",
        ));
    }
    Ok(JaasModule { class, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_and_bare_values() {
        let m = parse(
            r#" org.apache.kafka.common.security.scram.ScramLoginModule required
                username="alice" password="p\"w;d=1" tokenauth=true ; "#,
        )
        .unwrap();
        assert_eq!(
            m.class,
            "org.apache.kafka.common.security.scram.ScramLoginModule"
        );
        assert_eq!(m.options["username"], "alice");
        assert_eq!(m.options["password"], "p\"w;d=1");
        assert_eq!(m.options["tokenauth"], "true");
    }

    #[test]
    fn refuses_malformed_configs_without_echoing_values() {
        for bad in [
            "",
            "Module",
            "Module maybe;",
            "Module required username=\"alice\"",
            "Module required password=\"secret-value",
            "Module required username;",
            "Module required a=1; Other required b=2;",
        ] {
            let err = match parse(bad) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("accepted {bad:?}"),
            };
            assert!(
                !err.contains("secret-value") && !err.contains("alice"),
                "{err}"
            );
        }
    }
}
