//! Which addresses jirabridge may call as Jira (SPEC §2.2 `jira.allow_loopback`).
//!
//! A Jira instance URL is typed by an admin, and Jira's answers can redirect: without a rule,
//! the install check and lookups would reach this host's own services or a cloud metadata
//! endpoint, and which of them answer would leak through the check's outcome. Loopback,
//! unspecified and link-local addresses are refused unless `jira.allow_loopback` is on (Jira
//! on the same host; tests). Private ranges are allowed: on-prem Jira lives there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The sentence an admin sees, naming the key that changes it.
pub fn refusal(target: &str) -> String {
    format!(
        "{target} is a loopback, unspecified or link-local address; jirabridge does not call such \
         addresses as Jira unless jira.allow_loopback = true (for a Jira on the same host)"
    )
}

/// Whether `ip` is one jirabridge must not call unless loopback is allowed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// Cloud metadata services outside the link-local range: Alibaba Cloud's.
const METADATA_V4: &[Ipv4Addr] = &[Ipv4Addr::new(100, 100, 100, 200)];

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    // 0.0.0.0/8 ("this network"): Linux connects 0.0.0.0 to the local host.
    ip.is_loopback()
        || ip.octets()[0] == 0
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || METADATA_V4.contains(&ip)
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let link_local = segments[0] & 0xffc0 == 0xfe80;
    // AWS's metadata service over IPv6 sits in the unique-local range, which is allowed.
    let metadata = segments[0] == 0xfd00 && segments[1] == 0x0ec2;
    let v4 = |high: u16, low: u16| Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8);
    // IPv4 written as IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64
    // (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002:aabb:ccdd::).
    let embedded = match segments {
        [0, 0, 0, 0, 0, 0xffff, a, b] | [0, 0, 0, 0, 0, 0, a, b] | [0x64, 0xff9b, 0, 0, 0, 0, a, b] => Some(v4(a, b)),
        [0x64, 0xff9b, 1, .., a, b] => Some(v4(a, b)),
        [0x2002, a, b, ..] => Some(v4(a, b)),
        _ => None,
    };
    ip.is_loopback()
        || ip.is_unspecified()
        || link_local
        || metadata
        || ip.is_multicast()
        || embedded.is_some_and(forbidden_v4)
}

/// Checks a URL's host as written, before any lookup: an address literal (in any spelling the
/// URL parser accepts: `127.1`, `2130706433`, `0x7f000001`, `[::1]`) or a `localhost` name.
/// Names that only resolve to such addresses are caught when they are resolved.
pub fn check_url(url: &url::Url) -> Result<(), String> {
    let forbidden = match url.host() {
        Some(url::Host::Ipv4(ip)) => forbidden_v4(ip),
        Some(url::Host::Ipv6(ip)) => forbidden_v6(ip),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    };
    if forbidden {
        return Err(refusal(url.as_str().trim_end_matches('/')));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_unspecified_and_link_local_are_refused_in_every_spelling() {
        let refused = [
            "http://127.0.0.1:8080",
            "http://127.1",
            "http://2130706433",
            "http://0x7f000001",
            "http://0177.0.0.1",
            "http://localhost",
            "http://LOCALHOST.:8080",
            "http://jira.localhost",
            "http://[::1]",
            "http://0.0.0.0",
            "http://0",
            "http://[::]",
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]",
            "http://[::ffff:127.0.0.1]",
            "http://[::ffff:169.254.169.254]",
            "http://[64:ff9b::7f00:1]",
            "http://[64:ff9b:1::7f00:1]",
            "http://[2002:7f00:1::]",
            "http://[fd00:ec2::254]",
            "http://100.100.100.200",
        ];
        for text in refused {
            let url = url::Url::parse(text).unwrap();
            let refusal = check_url(&url).expect_err(text);
            assert!(refusal.contains("jira.allow_loopback"), "{refusal}");
        }
    }

    #[test]
    fn private_and_public_addresses_are_allowed() {
        for text in ["http://10.0.0.5:8080", "http://192.168.1.20", "https://jira.example.com", "http://[fd00::5]"] {
            assert_eq!(check_url(&url::Url::parse(text).unwrap()), Ok(()), "{text}");
        }
        assert!(!is_forbidden("172.16.0.1".parse().unwrap()));
        assert!(is_forbidden("127.53.0.1".parse().unwrap()));
    }
}
