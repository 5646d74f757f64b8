//! Console form bodies (`application/x-www-form-urlencoded`), kept as ordered pairs because
//! checkboxes and filter rows repeat names.

use actix_web::web::Bytes;

/// Largest console form accepted; the biggest real one (a subscription) is a few KiB.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

#[derive(Debug, Default, Clone)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn from_bytes(body: &Bytes) -> FormData {
        Self::parse(body)
    }

    /// The first value of `name`, trimmed; "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or("")
    }

    /// The first value of `name` exactly as sent (passwords keep their spaces).
    pub fn raw(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every non-empty value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    }

    /// Every value of `name`, empty ones included, so parallel row fields stay aligned.
    pub fn column(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "true" | "1" | "yes")
    }
}

/// A comma or newline separated list, trimmed, without empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_and_rows_keep_their_order() {
        let form = FormData::parse(b"events=a&events=b&key=priority&key=&values=1%2C+2&password=+x+");
        assert_eq!(form.all("events"), ["a", "b"]);
        assert_eq!(form.column("key"), ["priority", ""]);
        assert_eq!(form.get("values"), "1, 2");
        assert_eq!(form.raw("password"), " x ");
        assert_eq!(form.get("missing"), "");
        assert_eq!(split_list(" A, ,B\nC "), ["A", "B", "C"]);
    }
}
