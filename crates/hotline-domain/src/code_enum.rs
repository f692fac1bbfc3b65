//! Enums with stable snake_case codes: the same string in JSON, in the database and in logs.

/// Declares an enum whose variants each carry a stable code, with `ALL`, `as_str`, `parse`,
/// `Display` and serde in that code; with the `sea-orm` feature, a column of it stores the code.
#[macro_export]
macro_rules! code_enum {
    // The leading doc comments are peeled off one by one: they describe the schema too.
    (@docs [$($doc:literal)*] #[doc = $next:literal] $($rest:tt)*) => {
        $crate::code_enum!(@docs [$($doc)* $next] $($rest)*);
    };
    (
        @docs [$($doc:literal)*]
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)?
        }
    ) => {
        $crate::code_enum_definition! {
            $(#[doc = $doc])*
            $(#[$meta])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
            $vis enum $name {
                $($(#[$vmeta])* $variant = $code),+
            }
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),+
                }
            }

            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        // By hand: utoipa's derive cannot read the codes through this macro's fragments and
        // documented the variant names instead of the wire's codes.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let docs: &[&str] = &[$($doc.trim()),*];
                let description = docs.join("\n");
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .description((!description.is_empty()).then_some(description))
                        .enum_values(Some([$($code),+]))
                        .build(),
                ))
            }
        }

        impl utoipa::ToSchema for $name {}

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    ($($body:tt)*) => {
        $crate::code_enum!(@docs [] $($body)*);
    };
}

/// The enum itself. With the `sea-orm` feature (chosen when this crate is built, whichever crate
/// declares the enum) a column of it stores the code.
#[cfg(feature = "sea-orm")]
#[doc(hidden)]
#[macro_export]
macro_rules! code_enum_definition {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ }
    ) => {
        $(#[$meta])*
        #[derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter)]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $code)]
                #[sea_orm(string_value = $code)]
                $variant
            ),+
        }
    };
}

#[cfg(not(feature = "sea-orm"))]
#[doc(hidden)]
#[macro_export]
macro_rules! code_enum_definition {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }
    };
}
