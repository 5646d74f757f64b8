//! A Mattermost message's files carried to a Jira issue (SPEC §10.1, §10.2): each file (at
//! most 5, each at most `jira.max_attachment_size`) is read from Mattermost and uploaded to
//! the issue with the user's own credentials. A file that cannot be carried is told in a DM:
//! "Failed to attach to issue: KEY, file: <name>. Please notify your system administrator."

use super::{Acting, Connections};
use crate::jira::rest;
use crate::mattermost::wire::Post;

/// Mattermost allows 5 files per post.
const MOST_FILES: usize = 5;
/// The longest error text a failure DM quotes.
const LONGEST_ERROR: usize = 2048;

/// A file now attached to the issue.
pub(super) struct Carried {
    pub name: String,
    pub image: bool,
}

impl Carried {
    /// How a comment points at it: `!name!` shows an image, `[^name]` links a file. A name
    /// that would break the markup gets no pointer (the file is on the issue all the same).
    pub(super) fn markup(&self) -> Option<String> {
        if self.name.is_empty() || self.name.contains(['!', '[', ']', '|', '^', '\n']) {
            return None;
        }
        Some(if self.image { format!("!{}!", self.name) } else { format!("[^{}]", self.name) })
    }
}

impl Connections {
    /// Uploads `post`'s files to `key`; answers those that arrived.
    pub(super) async fn carry_files(&self, user: &str, acting: &Acting, key: &str, post: &Post) -> Vec<Carried> {
        let configured = self.settings.current().jira.max_attachment_size.clone();
        let most = crate::config::parse_byte_size(&configured).unwrap_or(100 * 1024 * 1024);
        let mut carried = Vec::new();
        for file_id in post.file_ids.iter().take(MOST_FILES) {
            let info = match self.mattermost.file_info(file_id).await {
                Ok(info) => info,
                Err(e) => {
                    self.tell_file_failed(user, key, file_id, &e.to_string()).await;
                    continue;
                }
            };
            if info.size > most {
                let why = format!("the file has {} bytes; jira.max_attachment_size allows {configured}", info.size);
                self.tell_file_failed(user, key, &info.name, &why).await;
                continue;
            }
            let uploaded = match self.mattermost.file_bytes(file_id, most).await {
                Ok(bytes) => {
                    let file = (info.name.as_str(), bytes, info.mime_type.as_str());
                    rest::add_attachment(&self.jira, &acting.base, key, file, &acting.auth)
                        .await
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            match uploaded {
                Ok(()) => carried.push(Carried { image: info.mime_type.starts_with("image/"), name: info.name }),
                Err(why) => self.tell_file_failed(user, key, &info.name, &why).await,
            }
        }
        carried
    }

    async fn tell_file_failed(&self, user: &str, key: &str, name: &str, why: &str) {
        tracing::warn!(issue = %key, file = %name, reason = %why, "a message's file could not be attached to its issue");
        let why: String = super::issues::safe(why).chars().take(LONGEST_ERROR).collect();
        let name = super::issues::safe(name);
        let text =
            format!("Failed to attach to issue: {key}, file: {name}. Please notify your system administrator.\n{why}");
        self.direct_message(user, &text).await;
    }
}

#[cfg(test)]
mod tests {
    use super::Carried;

    #[test]
    fn images_show_files_link_and_odd_names_are_left_alone() {
        let carried = |name: &str, image| Carried { name: name.into(), image };
        assert_eq!(carried("crash.png", true).markup().as_deref(), Some("!crash.png!"));
        assert_eq!(carried("log.txt", false).markup().as_deref(), Some("[^log.txt]"));
        assert_eq!(carried("a]b.txt", false).markup(), None);
    }
}
