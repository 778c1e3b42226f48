//! The declarative message DSL: one declaration per struct, with Kafka's version notation, gives
//! the struct, its `Default`, and version-gated [`Field`](crate::primitives::Field) encode and
//! decode, including tagged fields and unknown-tag preservation.
//!
//! ```text
//! kafka_struct! {
//!     /// Doc comment.
//!     pub struct Topic {
//!         /// Field doc.
//!         pub name: Option<String> [versions = "0+", nullable = "10+"],
//!         pub topic_id: Uuid [versions = "10+"],
//!         pub operations: i32 [versions = "8+"] = i32::MIN,
//!         pub cluster_id: Option<String> [versions = "3+", tag = 0, nullable = "3+"],
//!     }
//! }
//! ```
//!
//! Options: `versions` (default `"0+"`), `nullable` (default `"none"`), `tag` with `tagged`
//! (tagged versions; defaults to `versions` when a tag is given), and `ignorable` (a field the
//! version cannot carry is silently dropped instead of being an encode error). Tagged fields
//! must be declared in ascending tag order. A nullable struct field (`Option<S>` with
//! `nullable`) is written as Kafka writes it: a presence byte (1, or -1 for null), then the
//! struct.

use crate::version::VersionRange;

/// A field's options as written in a declaration.
#[derive(Debug, Clone, Copy)]
pub struct FieldOpts {
    /// Versions in which the field exists.
    pub versions: &'static str,
    /// Versions in which the field may be null.
    pub nullable: &'static str,
    /// The tag, for tagged fields; -1 otherwise.
    pub tag: i32,
    /// Versions in which the field is a tagged field.
    pub tagged: &'static str,
    /// Whether a value the version cannot carry is dropped rather than rejected.
    pub ignorable: bool,
}

impl FieldOpts {
    /// The defaults: present in every version, never null, not tagged, not ignorable.
    pub const DEFAULT: FieldOpts = FieldOpts {
        versions: "0+",
        nullable: "none",
        tag: -1,
        tagged: "none",
        ignorable: false,
    };

    /// Compiles the options into ranges (evaluated at compile time).
    pub const fn compile(self) -> FieldSpec {
        let versions = VersionRange::parse(self.versions);
        let tagged = if self.tag >= 0 && VersionRange::parse(self.tagged).is_empty() {
            versions
        } else {
            VersionRange::parse(self.tagged)
        };
        FieldSpec {
            versions,
            nullable: VersionRange::parse(self.nullable),
            tag: if self.tag >= 0 {
                self.tag as u32
            } else {
                u32::MAX
            },
            tagged,
            ignorable: self.ignorable,
        }
    }
}

/// A field's compiled options.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Versions in which the field exists.
    pub versions: VersionRange,
    /// Versions in which the field may be null.
    pub nullable: VersionRange,
    /// The tag (`u32::MAX` when untagged).
    pub tag: u32,
    /// Versions in which the field is tagged.
    pub tagged: VersionRange,
    /// Whether a value the version cannot carry is dropped rather than rejected.
    pub ignorable: bool,
}

impl FieldSpec {
    /// Whether the field is a regular (untagged) field at `version`.
    #[inline(always)]
    pub const fn regular(&self, version: i16) -> bool {
        self.versions.contains(version) && !self.tagged.contains(version)
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kw_default {
    () => {
        ::core::default::Default::default()
    };
    ($e:expr) => {
        $e
    };
}

/// Declares a versioned Kafka struct. See the [module docs](crate::dsl).
#[doc(hidden)]
#[macro_export]
macro_rules! kafka_struct {
    (
        $(#[$sm:meta])*
        pub struct $S:ident {
            $(
                $(#[$fm:meta])*
                pub $f:ident : $ty:ty [ $($k:ident = $val:expr),* $(,)? ] $(= $def:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$sm])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $S {
            $( $(#[$fm])* pub $f: $ty, )*
            /// Tagged fields this crate does not know, kept so that they survive a round trip.
            pub unknown_tagged_fields: ::std::collections::BTreeMap<u32, ::bytes::Bytes>,
        }

        impl ::core::default::Default for $S {
            fn default() -> Self {
                $S {
                    $( $f: $crate::__kw_default!($($def)?), )*
                    unknown_tagged_fields: ::std::collections::BTreeMap::new(),
                }
            }
        }

        #[cfg(feature = "test-util")]
        impl $crate::testing::arbitrary::Arbitrary for $S {
            #[allow(unused_variables, clippy::needless_update)]
            fn arbitrary(rng: &mut $crate::testing::arbitrary::Rng, ctx: $crate::primitives::Ctx) -> Self {
                use $crate::dsl::{FieldOpts, FieldSpec};
                let version = ctx.version;
                $S {
                    $(
                        $f: {
                            const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                            // Tagged fields are sometimes left at their default (absent).
                            if C.regular(version) || (C.tagged.contains(version) && !rng.one_in(3)) {
                                <$ty as $crate::testing::arbitrary::Arbitrary>::arbitrary(
                                    rng,
                                    $crate::primitives::Ctx { version, flexible: ctx.flexible, nullable: C.nullable.contains(version) },
                                )
                            } else {
                                $crate::__kw_default!($($def)?)
                            }
                        },
                    )*
                    unknown_tagged_fields: $crate::testing::arbitrary::arbitrary_unknown_tags(rng, ctx),
                }
            }
        }

        impl $crate::primitives::Nullable for $S {
            fn read_nullable(
                d: &mut $crate::primitives::Decoder<'_>,
                ctx: $crate::primitives::Ctx,
            ) -> ::core::result::Result<Option<Self>, $crate::DecodeError> {
                $crate::primitives::read_nullable_struct(d, ctx)
            }

            fn write_null(
                buf: &mut ::bytes::BytesMut,
                _ctx: $crate::primitives::Ctx,
            ) -> ::core::result::Result<(), $crate::EncodeError> {
                $crate::primitives::put_struct_presence(buf, false);
                Ok(())
            }

            fn write_present(
                &self,
                buf: &mut ::bytes::BytesMut,
                ctx: $crate::primitives::Ctx,
            ) -> ::core::result::Result<(), $crate::EncodeError> {
                $crate::primitives::put_struct_presence(buf, true);
                <Self as $crate::primitives::Field>::write(self, buf, ctx.non_null())
            }
        }

        impl $crate::primitives::Field for $S {
            #[allow(unused_variables, unused_mut, clippy::needless_update)]
            fn read(
                d: &mut $crate::primitives::Decoder<'_>,
                ctx: $crate::primitives::Ctx,
            ) -> ::core::result::Result<Self, $crate::DecodeError> {
                use $crate::dsl::{FieldOpts, FieldSpec};
                let version = ctx.version;
                let flexible = ctx.flexible;
                $( let mut $f: $ty = $crate::__kw_default!($($def)?); )*
                $(
                    {
                        const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                        if C.regular(version) {
                            $f = <$ty as $crate::primitives::Field>::read(
                                d,
                                $crate::primitives::Ctx { version, flexible, nullable: C.nullable.contains(version) },
                            )?;
                        }
                    }
                )*
                let mut unknown_tagged_fields = ::std::collections::BTreeMap::new();
                if flexible {
                    d.tagged_fields(&mut unknown_tagged_fields, |tag, sub| {
                        $(
                            {
                                const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                                if C.tag == tag && C.tagged.contains(version) {
                                    $f = <$ty as $crate::primitives::Field>::read(
                                        sub,
                                        $crate::primitives::Ctx { version, flexible, nullable: C.nullable.contains(version) },
                                    )?;
                                    return Ok(true);
                                }
                            }
                        )*
                        Ok(false)
                    })?;
                }
                Ok($S { $($f,)* unknown_tagged_fields })
            }

            #[allow(unused_variables, unused_mut, clippy::needless_update)]
            fn write(
                &self,
                buf: &mut ::bytes::BytesMut,
                ctx: $crate::primitives::Ctx,
            ) -> ::core::result::Result<(), $crate::EncodeError> {
                use $crate::dsl::{FieldOpts, FieldSpec};
                let version = ctx.version;
                let flexible = ctx.flexible;
                $(
                    {
                        const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                        if C.regular(version) {
                            <$ty as $crate::primitives::Field>::write(
                                &self.$f,
                                buf,
                                $crate::primitives::Ctx { version, flexible, nullable: C.nullable.contains(version) },
                            ).map_err(|e| e.in_field(stringify!($S), stringify!($f)))?;
                        } else if !C.tagged.contains(version) && !C.ignorable {
                            let default: $ty = $crate::__kw_default!($($def)?);
                            if self.$f != default {
                                return Err($crate::EncodeError::FieldNotSupported {
                                    message: stringify!($S),
                                    field: stringify!($f),
                                    version,
                                });
                            }
                        }
                    }
                )*
                if flexible {
                    let mut count = self.unknown_tagged_fields.len() as u32;
                    $(
                        {
                            const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                            if C.tagged.contains(version) {
                                let default: $ty = $crate::__kw_default!($($def)?);
                                if self.$f != default {
                                    count += 1;
                                }
                            }
                        }
                    )*
                    $crate::primitives::varint::put_uvarint(buf, count);
                    let mut unknown = self.unknown_tagged_fields.iter().peekable();
                    $(
                        {
                            const C: FieldSpec = FieldOpts { $($k: $val,)* ..FieldOpts::DEFAULT }.compile();
                            if C.tagged.contains(version) {
                                let default: $ty = $crate::__kw_default!($($def)?);
                                if self.$f != default {
                                    while let Some((t, b)) = unknown.next_if(|(t, _)| **t < C.tag) {
                                        $crate::primitives::put_raw_tag(buf, *t, b);
                                    }
                                    if unknown.peek().is_some_and(|(t, _)| **t == C.tag) {
                                        return Err($crate::EncodeError::FieldNotSupported {
                                            message: stringify!($S),
                                            field: "unknown_tagged_fields",
                                            version,
                                        });
                                    }
                                    let mut tmp = ::bytes::BytesMut::new();
                                    <$ty as $crate::primitives::Field>::write(
                                        &self.$f,
                                        &mut tmp,
                                        $crate::primitives::Ctx { version, flexible, nullable: C.nullable.contains(version) },
                                    ).map_err(|e| e.in_field(stringify!($S), stringify!($f)))?;
                                    $crate::primitives::put_raw_tag(buf, C.tag, &tmp);
                                }
                            }
                        }
                    )*
                    for (t, b) in unknown {
                        $crate::primitives::put_raw_tag(buf, *t, b);
                    }
                } else if !self.unknown_tagged_fields.is_empty() {
                    return Err($crate::EncodeError::FieldNotSupported {
                        message: stringify!($S),
                        field: "unknown_tagged_fields",
                        version,
                    });
                }
                Ok(())
            }
        }
    };
}

/// Declares a top-level Kafka message: a [`kafka_struct!`] plus its
/// [`Message`](crate::Message) impl (API key, valid and flexible versions).
#[doc(hidden)]
#[macro_export]
macro_rules! kafka_message {
    (
        $(#[$sm:meta])*
        pub struct $S:ident : $kind:ident(api_key = $key:expr, versions = $vers:expr, flexible = $flex:expr) {
            $($body:tt)*
        }
    ) => {
        $crate::kafka_struct! {
            $(#[$sm])*
            pub struct $S { $($body)* }
        }

        impl $crate::Message for $S {
            const API_KEY: $crate::ApiKey = $key;
            const KIND: $crate::MessageKind = $crate::MessageKind::$kind;
            const VERSIONS: $crate::VersionRange = $crate::VersionRange::parse($vers);
            const FLEXIBLE: $crate::VersionRange = $crate::VersionRange::parse($flex);
        }
    };
}
