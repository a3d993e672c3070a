//! The `papi_core::encode::ToXml` impls of `src/types.rs`: each struct written back as on
//! the wire.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::field::{card, Card};
use super::util::ident;
use crate::ir::*;

/// What a field's value is handed to the `papi_core::encode` helpers as: an iterable of
/// references (`&Option<T>`, `&Vec<T>`, or `[&T]` for a required field).
fn to_xml_values(f: &Field) -> TokenStream {
    let fname = ident(&f.rust);
    match card(f) {
        Card::Required => quote!([&self.#fname]),
        Card::Optional | Card::Repeated => quote!(&self.#fname),
    }
}

/// The call writing the values `values` of field `f` as its element(s) or text content.
fn to_xml_child(f: &Field, values: TokenStream) -> TokenStream {
    let en = quote!(papi_core::encode);
    let wire = f.wire.as_str();
    if wire == "$text" {
        quote!(#en::text(out, #values);)
    } else if matches!(f.ty, FieldTy::Struct(_)) {
        quote!(#en::elements(out, #wire, #values);)
    } else {
        quote!(#en::text_elements(out, #wire, #values);)
    }
}

/// The two methods of `papi_core::encode::ToXml`, given the statements writing the
/// attributes and the content.
fn to_xml_impl(name: &Ident, attrs: &[TokenStream], content: &[TokenStream]) -> TokenStream {
    let en = quote!(papi_core::encode);
    let attrs_fn = if attrs.is_empty() {
        quote!(
            fn write_attributes(&self, _: &mut String) {}
        )
    } else {
        quote!(fn write_attributes(&self, out: &mut String) { #(#attrs)* })
    };
    let content_fn = if content.is_empty() {
        quote!(
            fn write_content(&self, _: &mut String) {}
        )
    } else {
        quote!(fn write_content(&self, out: &mut String) { #(#content)* })
    };
    quote! {
        impl #en::ToXml for #name {
            #attrs_fn
            #content_fn
        }
    }
}

/// `papi_core::encode::ToXml` for a struct whose Rust fields are `fields` (as on the wire):
/// the attributes in the start tag, then the child elements and text in field order (what
/// quick-xml's serde serializer wrote for the `Serialize` derive: it gathered the
/// attributes whatever their place among the fields). Wire names are literals: the spec
/// loader checked that they are XML names.
pub(super) fn emit_to_xml(name: &Ident, fields: &[Field]) -> TokenStream {
    let en = quote!(papi_core::encode);
    let mut attrs = Vec::new();
    let mut content = Vec::new();
    for f in fields {
        let values = to_xml_values(f);
        if f.attribute {
            let wire = f.wire.as_str();
            attrs.push(quote!(#en::attribute(out, #wire, #values);));
        } else {
            content.push(to_xml_child(f, values));
        }
    }
    to_xml_impl(name, &attrs, &content)
}

/// `papi_core::encode::ToXml` for a type with consented fields, written as its wire form
/// (the `…Wire` struct that serde serialized): the granted values inside the granted
/// container (when any is granted), the protected ones as empty elements inside the
/// protected container (when any is protected), then the other fields.
pub(super) fn emit_to_xml_split(
    name: &Ident,
    split: &ConsentSplit,
    fields: &[Field],
) -> TokenStream {
    let en = quote!(papi_core::encode);
    let (g_el, p_el) = (split.granted.as_str(), split.protected.as_str());
    let consented: Vec<&Field> = fields.iter().filter(|f| f.consented).collect();
    let mut attrs = Vec::new();
    let mut content = Vec::new();
    if !consented.is_empty() {
        let any_granted = consented.iter().map(|f| {
            let fname = ident(&f.rust);
            quote!(self.#fname.granted().is_some())
        });
        let granted = consented.iter().map(|f| {
            let fname = ident(&f.rust);
            to_xml_child(f, quote!(self.#fname.granted()))
        });
        let any_protected = consented.iter().map(|f| {
            let fname = ident(&f.rust);
            quote!(self.#fname.is_protected())
        });
        let protected = consented.iter().map(|f| {
            let fname = ident(&f.rust);
            let wire = f.wire.as_str();
            quote!(#en::text_elements(out, #wire, self.#fname.is_protected().then_some(&papi_core::Present));)
        });
        content.push(quote! {
            if #(#any_granted)||* {
                #en::start_tag(out, #g_el);
                #(#granted)*
                #en::end_tag(out, #g_el);
            }
            if #(#any_protected)||* {
                #en::start_tag(out, #p_el);
                #(#protected)*
                #en::end_tag(out, #p_el);
            }
        });
    }
    for f in fields.iter().filter(|f| !f.consented) {
        let values = to_xml_values(f);
        if f.attribute {
            let wire = f.wire.as_str();
            attrs.push(quote!(#en::attribute(out, #wire, #values);));
        } else {
            content.push(to_xml_child(f, values));
        }
    }
    to_xml_impl(name, &attrs, &content)
}
