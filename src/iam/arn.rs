//! Amazon Resource Names (M3): `arn:partition:service:region:account:resource`, where the
//! sixth part keeps its own colons and slashes.

/// A parsed ARN. The fields borrow nothing; the resource part keeps its colons.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// Service namespace, e.g. `s3`, `iam`.
    pub service: String,
    /// Region, empty for global services.
    pub region: String,
    /// Twelve-digit account id, empty for S3 buckets and objects, `aws` for AWS-managed policies.
    pub account: String,
    /// Everything after the fifth colon.
    pub resource: String,
}

impl Arn {
    /// Parses `text` as an ARN; `None` when it does not have the six parts.
    pub fn parse(text: &str) -> Option<Arn> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?.to_string();
        let service = parts.next()?.to_string();
        let region = parts.next()?.to_string();
        let account = parts.next()?.to_string();
        let resource = parts.next()?.to_string();
        if partition.is_empty() || service.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The resource type: the part of the resource before the first `/` or `:`.
    pub fn resource_type(&self) -> &str {
        let end = self
            .resource
            .find(['/', ':'])
            .unwrap_or(self.resource.len());
        &self.resource[..end]
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// True when `s` is a twelve-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Arn {
    /// True when any part contains `*` or `?`.
    pub fn contains_wildcard(&self) -> bool {
        [
            &self.partition,
            &self.service,
            &self.region,
            &self.account,
            &self.resource,
        ]
        .iter()
        .any(|p| p.contains(['*', '?']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resource_with_colons() {
        let a =
            Arn::parse("arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/F:*").unwrap();
        assert_eq!(a.service, "logs");
        assert_eq!(a.resource, "log-group:/aws/lambda/F:*");
        assert_eq!(a.resource_type(), "log-group");
    }

    #[test]
    fn s3_arn_has_empty_account() {
        let a = Arn::parse("arn:aws:s3:::b1/x").unwrap();
        assert_eq!(a.account, "");
        assert_eq!(a.resource, "b1/x");
        assert!(Arn::parse("not-an-arn").is_none());
        assert!(Arn::parse("arn:aws:s3").is_none());
    }
}
