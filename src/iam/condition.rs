//! Condition blocks (G8, C1–C14): the model of one `operator: {key: values}` entry.
//! Evaluation lives in `crate::engine::conditions`.

/// A set qualifier for multivalued keys (C12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// No prefix.
    None,
    /// `ForAllValues:`.
    ForAllValues,
    /// `ForAnyValue:`.
    ForAnyValue,
}

/// The base condition operators (C3–C11), without set prefix or `IfExists` suffix.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CondOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl CondOp {
    /// Parses a base operator name (exact case, as AWS requires).
    pub fn parse(name: &str) -> Option<CondOp> {
        use CondOp::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// True for the negated family (C2): an absent key makes them true.
    pub fn is_negated(self) -> bool {
        use CondOp::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// True when policy variables are substituted in the values (M9): string and ARN operators.
    pub fn substitutes_variables(self) -> bool {
        use CondOp::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
                | Bool
        )
    }
}

/// One `operator: {key: values}` entry of a condition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    /// The base operator; `None` when the operator is not understood (C14: then `Unknown`).
    pub op: Option<CondOp>,
    /// `ForAllValues:` / `ForAnyValue:` prefix.
    pub set: SetQualifier,
    /// `…IfExists` suffix.
    pub if_exists: bool,
    /// The key as written (for explanations).
    pub key: String,
    /// The key lower-cased (G9: key names are case-insensitive).
    pub key_lc: String,
    /// Values in canonical string form (G5: booleans and numbers become strings).
    pub values: Vec<String>,
}

impl Condition {
    /// Builds a condition from an operator name as written, a key and its values.
    pub fn new(operator: &str, key: &str, values: Vec<String>) -> Condition {
        let (set, rest) = if let Some(r) = operator.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, r)
        } else if let Some(r) = operator.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, r)
        } else {
            (SetQualifier::None, operator)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) if b != "Null" => (b, true),
            _ => (rest, false),
        };
        Condition {
            operator: operator.to_string(),
            op: CondOp::parse(base),
            set,
            if_exists,
            key: key.to_string(),
            key_lc: key.to_ascii_lowercase(),
            values,
        }
    }

    /// The condition as policy text, e.g. `StringEquals aws:SourceAccount ["111111111111"]`,
    /// used as a residual in conditional answers.
    pub fn render(&self) -> String {
        // The pseudo-condition the IaC loaders put on statements that exist only when a
        // template condition holds (or does not) and that condition cannot be decided.
        if let Some(name) = self.key.strip_prefix(TEMPLATE_CONDITION_KEY) {
            return match self.values.first().map(String::as_str) {
                Some("false") => format!("template condition {name} is false"),
                _ => format!("template condition {name}"),
            };
        }
        let vals = if self.values.len() == 1 {
            format!("{:?}", self.values[0])
        } else {
            format!("{:?}", self.values)
        };
        format!("{} {} {}", self.operator, self.key, vals)
    }
}

/// Prefix of the condition key (`iamdl:TemplateCondition/NAME`, `StringEquals` `"true"` or
/// `"false"`) that marks a statement which exists only when the CloudFormation condition NAME
/// holds (or does not). No request carries the key, so the statement matches conditionally
/// unless `--context iamdl:TemplateCondition/NAME=true|false` decides it.
pub const TEMPLATE_CONDITION_KEY: &str = "iamdl:TemplateCondition/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_prefix_and_suffix() {
        let c = Condition::new(
            "ForAnyValue:StringLikeIfExists",
            "AWS:SourceArn",
            vec!["x".into()],
        );
        assert_eq!(c.set, SetQualifier::ForAnyValue);
        assert!(c.if_exists);
        assert_eq!(c.op, Some(CondOp::StringLike));
        assert_eq!(c.key_lc, "aws:sourcearn");
        let n = Condition::new("Null", "k", vec!["true".into()]);
        assert_eq!(n.op, Some(CondOp::Null));
        assert!(!n.if_exists);
        assert_eq!(Condition::new("StringEqualz", "k", vec![]).op, None);
    }
}
