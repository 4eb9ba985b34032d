//! YAML templates as JSON values: CloudFormation short-form tags (`!Ref X`, `!GetAtt A.B`,
//! `!Sub …`) become their long forms (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`,
//! `{"Fn::Sub": …}`), so one resolver serves YAML and JSON. Parse errors name the line and the
//! logical id they fall in.

use crate::iam::Diagnostic;
use serde_json::{Map, Number, Value};

/// The CloudFormation functions a short-form tag may name.
pub const KNOWN_TAGS: [&str; 22] = [
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "ImportValue",
    "FindInMap",
    "GetAZs",
    "Base64",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
    "ForEach",
    "Contains",
];

/// Parses YAML `text` from `file` into a JSON value with long-form intrinsics.
pub fn parse(text: &str, file: &str) -> Result<Value, Diagnostic> {
    let v: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let within = enclosing_key(text, line)
            .map(|k| format!(", in `{k}`"))
            .unwrap_or_default();
        Diagnostic {
            file: file.to_string(),
            location: format!("line {line} column {col}{within}"),
            message: format!("not valid YAML: {msg}"),
        }
    })?;
    convert(&v, "$").map_err(|(path, tag)| {
        let logical = path.split('.').nth(2).unwrap_or("").to_string();
        let line = find_after(text, &format!("!{tag}"), &logical);
        Diagnostic {
            file: file.to_string(),
            location: format!(
                "line {}, {}{}",
                line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()),
                path,
                if logical.is_empty() {
                    String::new()
                } else {
                    format!(" (logical id `{logical}`)")
                }
            ),
            message: format!(
                "unknown intrinsic function `!{tag}`: expected one of {}",
                KNOWN_TAGS
                    .iter()
                    .map(|t| format!("!{t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    })
}

/// The line (1-based) of the first `needle` after the line that starts `key:`.
pub fn find_after(text: &str, needle: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = if key.is_empty() {
        0
    } else {
        lines
            .iter()
            .position(|l| {
                let t = l.trim_start().trim_start_matches(['"', '\'']);
                t.strip_prefix(key)
                    .map(|r| {
                        r.trim_start_matches(['"', '\''])
                            .trim_start()
                            .starts_with(':')
                    })
                    .unwrap_or(false)
            })
            .unwrap_or(0)
    };
    lines
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

/// The second-level key (a logical id under `Resources:`, a function under `functions:`) that
/// encloses line `line` (1-based), found by indentation.
pub fn enclosing_key(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let upto = line.min(lines.len());
    // Indentation of the second level: the first indented key line in the file.
    let second = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .find(|&n| n > 0)?;
    for l in lines[..upto].iter().rev() {
        let ind = l.len() - l.trim_start().len();
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if ind == 0 {
            return None;
        }
        if ind == second && t.ends_with(':') && !t.starts_with('-') {
            return Some(
                t.trim_end_matches(':')
                    .trim_matches(['"', '\''])
                    .to_string(),
            );
        }
    }
    None
}

fn convert(v: &serde_yaml::Value, path: &str) -> Result<Value, (String, String)> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| convert(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                let p = format!("{path}.{key}");
                let val = convert(x, &p)?;
                out.insert(key, val);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            if name.starts_with("Rain::") {
                // A directive of the `rain` pre-processor: its result is not known here.
                return Ok(Value::String(format!("{{{{{name}}}}}")));
            }
            if !KNOWN_TAGS.contains(&name.as_str()) {
                return Err((path.to_string(), name));
            }
            let inner = convert(&t.value, path)?;
            match name.as_str() {
                "Ref" => single("Ref", inner),
                "Condition" => single("Condition", inner),
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let (a, b) = s.split_once('.').unwrap_or((&s, ""));
                        single(
                            "Fn::GetAtt",
                            Value::Array(vec![Value::String(a.into()), Value::String(b.into())]),
                        )
                    }
                    other => single("Fn::GetAtt", other),
                },
                other => single(&format!("Fn::{other}"), inner),
            }
        }
    })
}

fn single(k: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(k.to_string(), v);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_long_form() {
        let v = parse(
            "Resources:\n  R:\n    Type: X\n    Properties:\n      A: !GetAtt B.Arn\n      C: !Sub 'x-${AWS::Region}'\n      D: !Ref E\n",
            "t.yaml",
        )
        .unwrap();
        let p = &v["Resources"]["R"]["Properties"];
        assert_eq!(p["A"]["Fn::GetAtt"][1], "Arn");
        assert_eq!(p["C"]["Fn::Sub"], "x-${AWS::Region}");
        assert_eq!(p["D"]["Ref"], "E");
    }

    #[test]
    fn unknown_tag_names_line_and_logical_id() {
        let e = parse(
            "Resources:\n  Fn:\n    Type: X\n    Properties:\n      A: !Frobnicate B\n",
            "t.yaml",
        )
        .unwrap_err();
        assert!(e.location.starts_with("line 5"), "{e}");
        assert!(e.location.contains("`Fn`"), "{e}");
        assert!(e.message.contains("!Frobnicate"), "{e}");
    }
}
