//! Integer fields of requests also read JSON numbers written with a zero fraction, such as `7.0`:
//! JSON Schema counts them as integers, so a client generated from the published schema may send
//! them. Anything with a fraction, or out of the field's range, is still refused.
//!
//! Use with `#[serde(deserialize_with = "crate::whole_number::one")]` (or `many`, `optional`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// One integer read leniently.
struct Whole<T>(T);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor(PhantomData))
    }
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> Visitor<'_> for WholeVisitor<T> {
    type Value = Whole<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a whole number in range")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Whole)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Whole)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        // ±2^63 bounds what an i64 holds; the cast below is exact for whole values inside it.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if value.fract() == 0.0 && value > -LIMIT && value < LIMIT {
            self.visit_i64(value as i64)
        } else {
            Err(E::invalid_type(de::Unexpected::Float(value), &self))
        }
    }
}

/// A required integer field.
pub fn one<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Whole::<T>::deserialize(deserializer).map(|whole| whole.0)
}

/// A list of integers.
pub fn many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Vec::<Whole<T>>::deserialize(deserializer)
        .map(|list| list.into_iter().map(|whole| whole.0).collect())
}

/// An optional integer field (use with `#[serde(default)]`); `null` is absent.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Option::<Whole<T>>::deserialize(deserializer).map(|whole| whole.map(|whole| whole.0))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Request {
        #[serde(deserialize_with = "super::one")]
        id: i64,
        #[serde(deserialize_with = "super::many")]
        ids: Vec<i64>,
        #[serde(default, deserialize_with = "super::optional")]
        days: Option<u32>,
    }

    fn read(json: &str) -> Result<Request, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn whole_numbers_read_however_they_are_written() {
        assert_eq!(
            read(r#"{"id": 7.0, "ids": [1, 2.0, -3e0], "days": 30.0}"#).expect("whole numbers"),
            Request {
                id: 7,
                ids: vec![1, 2, -3],
                days: Some(30)
            }
        );
        assert_eq!(
            read(r#"{"id": 1, "ids": [], "days": null}"#)
                .expect("null days")
                .days,
            None
        );
        assert_eq!(read(r#"{"id": 1, "ids": []}"#).expect("no days").days, None);
    }

    #[test]
    fn fractions_strings_and_out_of_range_numbers_are_refused() {
        for json in [
            r#"{"id": 7.5, "ids": []}"#,
            r#"{"id": "7", "ids": []}"#,
            r#"{"id": 1e19, "ids": []}"#,
            r#"{"id": 18446744073709551615, "ids": []}"#,
            r#"{"id": 1, "ids": [0.1]}"#,
            r#"{"id": 1, "ids": [], "days": -1}"#,
            r#"{"id": 1, "ids": [], "days": 4294967296}"#,
        ] {
            assert!(read(json).is_err(), "{json}");
        }
    }
}
