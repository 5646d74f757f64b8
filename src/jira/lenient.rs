//! serde building blocks for reading Jira's JSON the tolerant way, straight from the bytes:
//! a field of an unexpected type reads as missing, never as an error, and everything not
//! asked for is skipped by the parser without being built.
//!
//! Why: a webhook payload is 1–50 KB, of which normalizing needs a few dozen fields. Building
//! a whole `serde_json::Value` tree (and freeing it) was the largest cost of receiving a
//! webhook; these types borrow strings from the body where they can.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Visitor methods that accept a JSON type without reading it and answer `$default`
/// (maps and arrays are skipped element by element, as the parser must).
macro_rules! accept_as {
    ($default:expr; $($kind:ident)*) => { $( accept_as!(@one $default; $kind); )* };
    (@one $d:expr; bool) => { fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($d) } };
    (@one $d:expr; i64) => { fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $d:expr; u64) => { fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $d:expr; f64) => { fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $d:expr; str) => { fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($d) } };
    (@one $d:expr; null) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok($d) }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> { Ok($d) }
    };
    (@one $d:expr; seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
    (@one $d:expr; map) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
}

/// A JSON string; "" for anything else.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor { numbers: false }).map(Str)
    }
}

/// A JSON string or number, as text (Jira sends ids as either); "" for anything else.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct IdText<'a>(pub Cow<'a, str>);

impl IdText<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for IdText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor { numbers: true }).map(IdText)
    }
}

/// Reads a string (borrowed from the body when it has no escapes) and, with `numbers`, a
/// number as text; anything else reads as "".
struct TextVisitor {
    numbers: bool,
}

impl TextVisitor {
    fn number<'de>(&self, text: impl FnOnce() -> String) -> Cow<'de, str> {
        if self.numbers {
            Cow::Owned(text())
        } else {
            Cow::Borrowed("")
        }
    }
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_string()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(self.number(|| n.to_string()))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(self.number(|| n.to_string()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // Written as serde_json writes numbers, so an id reads the same either way.
        Ok(self.number(|| serde_json::Number::from_f64(n).map(|n| n.to_string()).unwrap_or_default()))
    }
    accept_as!(Cow::Borrowed(""); bool null seq map);
}

/// Whether a field holds something other than `null` (a missing field reads `false`).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct NotNull(pub bool);

impl<'de> Deserialize<'de> for NotNull {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NotNullVisitor;
        impl<'de> Visitor<'de> for NotNullVisitor {
            type Value = NotNull;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            accept_as!(NotNull(true); bool i64 u64 f64 str seq map);
            accept_as!(NotNull(false); null);
        }
        deserializer.deserialize_any(NotNullVisitor)
    }
}

/// A field that holds an object of shape `T`, or something else, or is missing: the
/// difference matters (a `user` that is present but empty still names "Someone").
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Slot<T> {
    #[default]
    Missing,
    /// Present but not an object (`null`, a string…).
    NotObject,
    Object(T),
}

impl<T> Slot<T> {
    pub fn object(&self) -> Option<&T> {
        match self {
            Slot::Object(value) => Some(value),
            _ => None,
        }
    }
}

impl<T: Default> Slot<T> {
    /// The object when present, an empty `T` when present but not an object.
    pub fn present(&self) -> Option<std::borrow::Cow<'_, T>>
    where
        T: Clone,
    {
        match self {
            Slot::Missing => None,
            Slot::NotObject => Some(std::borrow::Cow::Owned(T::default())),
            Slot::Object(value) => Some(std::borrow::Cow::Borrowed(value)),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SlotVisitor<T> {
            type Value = Slot<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Slot::Object)
            }
            accept_as!(Slot::NotObject; bool i64 u64 f64 str null seq);
        }
        deserializer.deserialize_any(SlotVisitor(PhantomData))
    }
}

/// The objects of a JSON array (other elements are skipped); empty when not an array.
#[derive(Debug, Clone, PartialEq)]
pub struct Objects<T>(pub Vec<T>);

impl<T> Default for Objects<T> {
    fn default() -> Self {
        Objects(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Objects<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectsVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectsVisitor<T> {
            type Value = Objects<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut objects = Vec::new();
                while let Some(element) = seq.next_element::<Slot<T>>()? {
                    if let Slot::Object(object) = element {
                        objects.push(object);
                    }
                }
                Ok(Objects(objects))
            }
            accept_as!(Objects::default(); bool i64 u64 f64 str null map);
        }
        deserializer.deserialize_any(ObjectsVisitor(PhantomData))
    }
}

/// A description or comment body as Jira sent it: wiki markup (Server/DC, REST v2) or an
/// Atlassian Document Format tree (some Cloud payloads).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Text {
    #[default]
    Empty,
    Wiki(String),
    Adf(serde_json::Value),
}

/// Read from any JSON value: a string is wiki markup (blank is nothing), an object an ADF
/// tree, kept whole for rendering; anything else is nothing.
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(if s.trim().is_empty() { Text::Empty } else { Text::Wiki(s.to_string()) })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                serde_json::Value::deserialize(MapAccessDeserializer::new(map)).map(Text::Adf)
            }
            accept_as!(Text::Empty; bool i64 u64 f64 null seq);
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default, Debug, Clone, PartialEq)]
    struct Probe<'a> {
        #[serde(default, borrow)]
        s: Str<'a>,
        #[serde(default, borrow)]
        id: IdText<'a>,
        #[serde(default)]
        set: NotNull,
        #[serde(default, borrow)]
        inner: Slot<Box<Probe<'a>>>,
        #[serde(default, borrow)]
        list: Objects<Probe<'a>>,
        #[serde(default)]
        body: Text,
    }

    fn probe(json: &str) -> Probe<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn wrong_types_read_as_missing_and_unknown_fields_are_skipped() {
        let p = probe(r#"{"s":5,"id":[1],"set":null,"inner":"x","list":{"a":1},"body":3,"other":{"deep":[{}]}}"#);
        assert_eq!((p.s.as_str(), p.id.as_str(), p.set, &p.inner), ("", "", NotNull(false), &Slot::NotObject));
        assert_eq!((p.list.0.len(), &p.body), (0, &Text::Empty));
        assert_eq!(probe("{}").inner, Slot::Missing);
        assert!(!probe("{}").set.0);
    }

    #[test]
    fn right_types_are_read_and_strings_borrowed_when_unescaped() {
        let p = probe(
            r#"{"s":"plain","id":10.5,"set":{},"inner":{"s":"a\"b","id":-3},"list":[1,{"id":"x"},null],"body":"  "}"#,
        );
        assert!(matches!(p.s.0, Cow::Borrowed("plain")));
        assert_eq!((p.id.as_str(), p.set), ("10.5", NotNull(true)));
        let inner = p.inner.object().unwrap();
        assert_eq!((inner.s.as_str(), inner.id.as_str()), ("a\"b", "-3"));
        assert_eq!(p.list.0.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["x"]);
        assert_eq!(p.body, Text::Empty, "a blank body is no body");
        assert_eq!(probe(r#"{"body":{"type":"doc"}}"#).body, Text::Adf(serde_json::json!({"type":"doc"})));
        assert_eq!(probe(r#"{"body":"*hi*"}"#).body, Text::Wiki("*hi*".into()));
    }

    #[test]
    fn numbers_read_as_serde_json_writes_them() {
        for n in ["0", "12345678901234567890", "-7", "1.5", "1e3"] {
            let value: serde_json::Value = serde_json::from_str(n).unwrap();
            let id: IdText = serde_json::from_str(n).unwrap();
            assert_eq!(id.as_str(), value.to_string(), "{n}");
        }
    }
}
