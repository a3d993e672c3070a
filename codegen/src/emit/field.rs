//! How a response field is typed in Rust and how often it may appear: shared by the types,
//! their XML readers and their XML writers. Writes no output of its own.

use proc_macro2::TokenStream;
use quote::quote;

use super::util::ident;
use crate::ir::*;

pub(super) fn field_base_ty(ty: &FieldTy) -> TokenStream {
    match ty {
        FieldTy::String => quote!(String),
        FieldTy::Integer => quote!(i64),
        FieldTy::Bool => quote!(bool),
        FieldTy::Date => quote!(papi_core::chrono::NaiveDate),
        FieldTy::Base64 => quote!(papi_core::Base64Binary),
        FieldTy::Empty => quote!(papi_core::Present),
        FieldTy::Enum(n) | FieldTy::Struct(n) => {
            let i = ident(n);
            quote!(#i)
        }
    }
}

/// Scalars parsed from text, for which an empty optional element means `None`.
pub(super) fn parsed_scalar(ty: &FieldTy) -> bool {
    matches!(ty, FieldTy::Integer | FieldTy::Bool | FieldTy::Date)
}

/// How many times a field may appear.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Card {
    Required,
    Optional,
    Repeated,
}

pub(super) fn card(f: &Field) -> Card {
    if f.repeated {
        Card::Repeated
    } else if f.optional {
        Card::Optional
    } else {
        Card::Required
    }
}
