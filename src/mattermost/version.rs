//! Which Mattermost answers: its version, from the `X-Version-Id` header every API response
//! carries (`11.0.2.11.0.2.<config hash>.<licensed>`; the build number may itself hold
//! dots, so only the first three parts are read). Features of newer servers (the dynamic
//! select of Mattermost 11.0) are offered only when it is new enough.

use super::client::{send, MattermostClient, MmError};

/// A server version: major, minor, patch.
pub type Version = (u32, u32, u32);

impl MattermostClient {
    /// The server's version, from `GET /api/v4/system/ping`; `None` when the header is
    /// missing or unreadable.
    pub async fn server_version(&self) -> Result<Option<Version>, MmError> {
        let response = send(self.request(reqwest::Method::GET, "/api/v4/system/ping")?).await?;
        let header = response.headers().get("x-version-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(parse(header))
    }
}

/// The version in an `X-Version-Id` header.
pub fn parse(header: &str) -> Option<Version> {
    let mut parts = header.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_three_parts_are_the_version() {
        assert_eq!(parse("11.0.2.11.0.2.57fb31b889bf81d99d8af8176d4bbaaa.true"), Some((11, 0, 2)));
        assert_eq!(parse("5.30.0.5.30.1.57fb31b889bf81d99d8af8176d4bbaaa.false"), Some((5, 30, 0)));
        assert_eq!(parse("4.7.1.dev.12799cd77e172e8a2eba0f9091ec1471.false"), Some((4, 7, 1)));
        for unreadable in ["", "dev", "11.x.0", "11.0"] {
            assert_eq!(parse(unreadable), None, "{unreadable}");
        }
    }
}
