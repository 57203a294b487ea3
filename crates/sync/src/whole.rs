//! Reading a materialised document (`automerge::hydrate::Value`) with serde, straight into
//! the schema's types: no intermediate tree (as going through `serde_json::Value` would
//! make), so a first sync reads each of a firm's documents with one walk of its values.
//!
//! It reads what `serde_json` would read from the document's JSON form: maps as structs or
//! maps, lists and text as sequences and strings, integers and counters as integers, null
//! as `None` or unit, bytes as a sequence of numbers, a string as a unit enum variant.

use automerge::ScalarValue as S;
use automerge::hydrate::Value;
use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use std::fmt;

/// A document's value did not read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ReadError(msg.to_string())
    }
}

/// A value of a materialised document, as a serde deserializer.
#[derive(Clone, Copy)]
pub struct Whole<'a>(pub &'a Value);

impl<'de> IntoDeserializer<'de, ReadError> for Whole<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Whole<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Scalar(s) => match s {
                S::Str(t) => visitor.visit_borrowed_str(t),
                S::Int(i) | S::Timestamp(i) => visitor.visit_i64(*i),
                S::Uint(u) => visitor.visit_u64(*u),
                S::F64(f) => visitor.visit_f64(*f),
                S::Boolean(b) => visitor.visit_bool(*b),
                S::Counter(c) => visitor.visit_i64(i64::from(c)),
                S::Bytes(b) => visitor.visit_seq(SeqDeserializer::new(b.iter().copied())),
                S::Null | S::Unknown { .. } => visitor.visit_unit(),
            },
            Value::Map(m) => visitor.visit_map(MapDeserializer::new(
                m.iter()
                    .map(|(k, v)| (StrDeserializer::new(k.as_str()), Whole(&v.value))),
            )),
            Value::List(l) => {
                visitor.visit_seq(SeqDeserializer::new(l.iter().map(|v| Whole(&v.value))))
            }
            Value::Text(t) => visitor.visit_string(t.to_string()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Scalar(S::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Scalar(S::Str(t)) => visitor.visit_enum(StrDeserializer::new(t.as_str())),
            Value::Text(t) => visitor.visit_enum(t.to_string().into_deserializer()),
            _ => Err(de::Error::custom(format!(
                "{name} must be written as one of its names"
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Entry {
        id: String,
        minutes: u32,
        #[serde(default)]
        note: Option<String>,
        billable: bool,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Doc {
        title: String,
        count: i64,
        entries: Vec<Entry>,
        #[serde(default)]
        added_later: Vec<String>,
        missing: Option<i64>,
    }

    fn read<T: serde::de::DeserializeOwned>(doc: &mut AutoCommit) -> Result<T, ReadError> {
        T::deserialize(Whole(&doc.document().hydrate(None)))
    }

    #[test]
    fn a_document_reads_into_its_type_with_defaults_for_what_it_lacks() {
        let mut doc = AutoCommit::new();
        let title = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&title, 0, 0, "Purchase of 12 Acacia Avenue")
            .unwrap();
        doc.put(ROOT, "count", 3_i64).unwrap();
        doc.put(ROOT, "missing", ()).unwrap();
        let entries = doc.put_object(ROOT, "entries", ObjType::List).unwrap();
        for (i, note) in [(0_u64, None), (1, Some("call"))] {
            let e = doc
                .insert_object(&entries, i as usize, ObjType::Map)
                .unwrap();
            doc.put(&e, "id", format!("t{i}")).unwrap();
            doc.put(&e, "minutes", 6 * (i + 1)).unwrap();
            doc.put(&e, "billable", i == 1).unwrap();
            if let Some(n) = note {
                doc.put(&e, "note", n).unwrap();
            }
        }
        assert_eq!(doc.length(&entries), 2);
        let read: Doc = read(&mut doc).unwrap();
        assert_eq!(
            read,
            Doc {
                title: "Purchase of 12 Acacia Avenue".into(),
                count: 3,
                entries: vec![
                    Entry {
                        id: "t0".into(),
                        minutes: 6,
                        note: None,
                        billable: false
                    },
                    Entry {
                        id: "t1".into(),
                        minutes: 12,
                        note: Some("call".into()),
                        billable: true
                    },
                ],
                added_later: Vec::new(),
                missing: None,
            }
        );
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_in_words() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "A matter").unwrap();
        doc.put(ROOT, "count", "three").unwrap();
        doc.put_object(ROOT, "entries", ObjType::List).unwrap();
        let err = read::<Doc>(&mut doc).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        // A negative number where only a count of minutes can be.
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "id", "t1").unwrap();
        doc.put(ROOT, "minutes", -6_i64).unwrap();
        doc.put(ROOT, "billable", true).unwrap();
        assert!(read::<Entry>(&mut doc).is_err());
    }
}
