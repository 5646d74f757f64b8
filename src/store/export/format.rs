//! The backup file format, independent of sled:
//!
//! ```text
//! "jirabridge backup\n"        magic (18 bytes, so `head -1 FILE` names the file)
//! u32 BE                       format version (FORMAT_VERSION)
//! u32 BE, JSON                 header: schema version, created at, includes_key, id_floor
//! frames, each a tag byte:
//!   'T' u16 BE len, name       the entries that follow belong to this tree
//!   'E' u32 BE len, key, u32 BE len, value
//!   'K' u32 BE len, text       the master key (only with --include-key)
//!   'Z' 32 bytes               end: SHA-256 of every byte before these 32
//! ```
//!
//! The reader never trusts a length beyond [`MAX_FIELD`], so a damaged file gives an error,
//! not an allocation of gigabytes, and the checksum catches any other damage.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use super::{BackupError, BackupHeader};

pub(super) const MAGIC: &[u8; 18] = b"jirabridge backup\n";
/// Version of this framing; the store's own layout is the header's `schema_version`.
pub const FORMAT_VERSION: u32 = 1;
/// Largest header, tree name, key or value accepted (a stored event is at most a few MiB).
const MAX_FIELD: usize = 256 * 1024 * 1024;
const MAX_HEADER: usize = 64 * 1024;

/// Writes the frames, hashing everything it writes.
pub(super) struct FrameWriter<W: Write> {
    out: W,
    hash: Sha256,
}

impl<W: Write> FrameWriter<W> {
    pub(super) fn start(out: W, header: &BackupHeader) -> io::Result<Self> {
        let mut writer = FrameWriter { out, hash: Sha256::new() };
        let json = serde_json::to_vec(header).map_err(io::Error::other)?;
        writer.put(MAGIC)?;
        writer.put(&FORMAT_VERSION.to_be_bytes())?;
        writer.put_field(&json)?;
        Ok(writer)
    }

    pub(super) fn tree(&mut self, name: &str) -> io::Result<()> {
        let len = u16::try_from(name.len()).map_err(io::Error::other)?;
        self.put(b"T")?;
        self.put(&len.to_be_bytes())?;
        self.put(name.as_bytes())
    }

    pub(super) fn entry(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.put(b"E")?;
        self.put_field(key)?;
        self.put_field(value)
    }

    pub(super) fn master_key(&mut self, text: &str) -> io::Result<()> {
        self.put(b"K")?;
        self.put_field(text.as_bytes())
    }

    /// Writes the end marker and checksum, and flushes.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.put(b"Z")?;
        let digest = self.hash.finalize_reset();
        self.out.write_all(&digest)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn put_field(&mut self, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        self.put(&len.to_be_bytes())?;
        self.put(bytes)
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.out.write_all(bytes)
    }
}

/// One frame of a backup.
pub enum Item {
    Tree(String),
    Entry(Vec<u8>, Vec<u8>),
    MasterKey(String),
}

/// Reads the frames back, checking lengths, order and finally the checksum.
pub struct BackupReader<R: Read> {
    input: R,
    hash: Sha256,
    finished: bool,
}

impl<R: Read> BackupReader<R> {
    /// Reads and checks the magic, format version and header.
    pub fn open(input: R) -> Result<(Self, BackupHeader), BackupError> {
        let mut reader = BackupReader { input, hash: Sha256::new(), finished: false };
        let mut magic = [0u8; MAGIC.len()];
        match reader.take(&mut magic) {
            Err(BackupError::Truncated) => return Err(BackupError::NotABackup),
            other => other?,
        }
        if &magic != MAGIC {
            return Err(BackupError::NotABackup);
        }
        let found = reader.u32()?;
        if found > FORMAT_VERSION {
            return Err(BackupError::NewerFormat { found, known: FORMAT_VERSION });
        }
        let json = reader.field(MAX_HEADER)?;
        let header: BackupHeader =
            serde_json::from_slice(&json).map_err(|e| BackupError::Corrupt(format!("its header is not valid: {e}")))?;
        Ok((reader, header))
    }

    /// The next frame; `None` after the end marker, once the checksum matched.
    pub fn next_item(&mut self) -> Result<Option<Item>, BackupError> {
        if self.finished {
            return Ok(None);
        }
        let mut tag = [0u8; 1];
        self.take(&mut tag)?;
        match &tag {
            b"T" => {
                let mut len = [0u8; 2];
                self.take(&mut len)?;
                let mut name = vec![0u8; usize::from(u16::from_be_bytes(len))];
                self.take(&mut name)?;
                let name =
                    String::from_utf8(name).map_err(|_| BackupError::Corrupt("a tree name is not UTF-8".into()))?;
                Ok(Some(Item::Tree(name)))
            }
            b"E" => {
                let key = self.field(MAX_FIELD)?;
                let value = self.field(MAX_FIELD)?;
                Ok(Some(Item::Entry(key, value)))
            }
            b"K" => {
                let text = self.field(MAX_HEADER)?;
                let text =
                    String::from_utf8(text).map_err(|_| BackupError::Corrupt("the master key is not text".into()))?;
                Ok(Some(Item::MasterKey(text)))
            }
            b"Z" => self.end().map(|()| None),
            other => Err(BackupError::Corrupt(format!("unknown frame tag 0x{:02x}", other[0]))),
        }
    }

    fn end(&mut self) -> Result<(), BackupError> {
        let expected = self.hash.finalize_reset();
        let mut stored = [0u8; 32];
        self.input.read_exact(&mut stored).map_err(eof_is_truncation)?;
        if stored[..] != expected[..] {
            return Err(BackupError::Checksum);
        }
        let mut extra = [0u8; 1];
        if self.input.read(&mut extra)? != 0 {
            return Err(BackupError::Corrupt("there is data after its end marker".into()));
        }
        self.finished = true;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, BackupError> {
        let mut bytes = [0u8; 4];
        self.take(&mut bytes)?;
        Ok(u32::from_be_bytes(bytes))
    }

    fn field(&mut self, max: usize) -> Result<Vec<u8>, BackupError> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(BackupError::Corrupt(format!("a field claims {len} bytes, more than a backup holds")));
        }
        let mut bytes = vec![0u8; len];
        self.take(&mut bytes)?;
        Ok(bytes)
    }

    fn take(&mut self, buf: &mut [u8]) -> Result<(), BackupError> {
        self.input.read_exact(buf).map_err(eof_is_truncation)?;
        self.hash.update(&*buf);
        Ok(())
    }
}

fn eof_is_truncation(e: io::Error) -> BackupError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        BackupError::Truncated
    } else {
        BackupError::Io(e)
    }
}
