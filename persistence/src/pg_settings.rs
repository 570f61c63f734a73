//! Extra server settings for the embedded cluster, whatever their values hold: from
//! `SHEBA_PG_SETTINGS_FILE` (postgresql.conf syntax, one `name = value` a line) and then
//! `SHEBA_PG_SETTINGS` (`name=value` words separated by spaces, quoted as a shell quotes:
//! `archive_command='cp %p /mnt/wal/%f' work_mem=64MB`). A later setting of the same name
//! wins, as in postgresql.conf.

use std::path::Path;

/// A setting's name: PostgreSQL's are letters, digits, `_` and `.` (for an extension's).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Splits `text` into words as a POSIX shell does (without expansions): whitespace separates,
/// `'...'` keeps everything literally, `"..."` keeps everything but `\"` and `\\`, and a
/// backslash outside quotes escapes the next character.
pub fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("a single quote (') is not closed".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("a double quote (\") is not closed".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("a double quote (\") is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("a backslash ends the text".into()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(w) = word {
        words.push(w);
    }
    Ok(words)
}

/// `SHEBA_PG_SETTINGS`: `name=value` words (shell quoting).
pub fn parse_words(text: &str) -> Result<Vec<(String, String)>, String> {
    shell_words(text)?
        .into_iter()
        .map(|w| {
            let (name, value) =
                w.split_once('=').ok_or_else(|| format!("{w:?} is not name=value (quote a value that holds spaces)"))?;
            let name = name.trim();
            if !valid_name(name) {
                return Err(format!("{name:?} is not a setting's name"));
            }
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A settings file in postgresql.conf's syntax: `name = value` or `name value` a line, `#`
/// starts a comment, a value with spaces is single-quoted (`''` or `\'` for a quote inside).
pub fn parse_conf(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |m: String| format!("line {}: {m}", n + 1);
        let line = line.trim_start();
        let name_end = line.find(|c: char| c.is_whitespace() || c == '=' || c == '#').unwrap_or(line.len());
        let name = &line[..name_end];
        let mut rest = line[name_end..].trim_start();
        if name.is_empty() {
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            return Err(at(format!("{line:?} does not start with a setting's name")));
        }
        if !valid_name(name) {
            return Err(at(format!("{name:?} is not a setting's name")));
        }
        if let Some(r) = rest.strip_prefix('=') {
            rest = r.trim_start();
        }
        let mut value = String::new();
        if let Some(quoted) = rest.strip_prefix('\'') {
            let mut chars = quoted.chars().peekable();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    '\'' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => value.push('\n'),
                        Some('t') => value.push('\t'),
                        Some(c) => value.push(c),
                        None => break,
                    },
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(at("a quoted value is not closed".into()));
            }
            let after: String = chars.collect();
            let after = after.trim_start();
            if !(after.is_empty() || after.starts_with('#')) {
                return Err(at(format!("{after:?} follows the quoted value")));
            }
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '#').unwrap_or(rest.len());
            value.push_str(&rest[..end]);
            let after = rest[end..].trim_start();
            if !(after.is_empty() || after.starts_with('#')) {
                return Err(at(format!("quote a value with spaces: {name} = '{}'", rest.trim_end())));
            }
            if value.is_empty() {
                return Err(at(format!("{name} has no value")));
            }
        }
        out.push((name.to_owned(), value));
    }
    Ok(out)
}

/// The settings the environment asks for: the file's first, then `SHEBA_PG_SETTINGS`.
pub fn from_env() -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    if let Some(file) = std::env::var_os("SHEBA_PG_SETTINGS_FILE").filter(|f| !f.is_empty()) {
        let path = Path::new(&file);
        let text = std::fs::read_to_string(path).map_err(|e| format!("SHEBA_PG_SETTINGS_FILE {}: {e}", path.display()))?;
        out.extend(parse_conf(&text).map_err(|e| format!("SHEBA_PG_SETTINGS_FILE {}: {e}", path.display()))?);
    }
    if let Ok(text) = std::env::var("SHEBA_PG_SETTINGS") {
        out.extend(parse_words(&text).map_err(|e| format!("SHEBA_PG_SETTINGS: {e}"))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn words_keep_quoted_spaces() {
        assert_eq!(
            parse_words("work_mem=64MB  archive_command='cp %p \"/mnt/wal dir/%f\"' auto_explain.log_min_duration=0").unwrap(),
            pairs(&[
                ("work_mem", "64MB"),
                ("archive_command", "cp %p \"/mnt/wal dir/%f\""),
                ("auto_explain.log_min_duration", "0")
            ])
        );
        assert_eq!(
            parse_words(r#"archive_command="test ! -f /a/%f && cp %p /a/%f" x=a\ b"#).unwrap(),
            pairs(&[("archive_command", "test ! -f /a/%f && cp %p /a/%f"), ("x", "a b")])
        );
        assert_eq!(parse_words("  ").unwrap(), vec![]);
        assert_eq!(parse_words("a=''").unwrap(), pairs(&[("a", "")]));
        assert!(parse_words("archive_command=cp %p /x").unwrap_err().contains("\"%p\" is not name=value"));
        assert!(parse_words("a='open").is_err());
        assert!(parse_words("1a=b").is_err());
        assert!(parse_words("a;b=c").is_err());
    }

    #[test]
    fn conf_lines_as_postgresql_reads_them() {
        let text = "# the archive\narchive_command = 'gzip < %p > ''/mnt/wal/%f.gz''' # quoted\n\
                    work_mem 64MB\n\n   shared_buffers=1GB\nrecovery_target_time = '2026-11-28 16:00:00+06'\n";
        assert_eq!(
            parse_conf(text).unwrap(),
            pairs(&[
                ("archive_command", "gzip < %p > '/mnt/wal/%f.gz'"),
                ("work_mem", "64MB"),
                ("shared_buffers", "1GB"),
                ("recovery_target_time", "2026-11-28 16:00:00+06"),
            ])
        );
        assert!(parse_conf("archive_command = cp %p /x\n").unwrap_err().starts_with("line 1: quote a value"));
        assert!(parse_conf("a = 'x\n").is_err());
        assert!(parse_conf("a =\n").is_err());
        assert!(parse_conf("= 3\n").is_err());
    }
}
