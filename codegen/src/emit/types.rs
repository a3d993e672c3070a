//! `src/types.rs` of a generated crate: the response structs and enumerations, with their
//! XML readers and writers.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::field::{card, field_base_ty, Card};
use super::util::{doc, ident, source_note};
use super::xml_read::emit_from_xml;
use super::xml_write::{emit_to_xml, emit_to_xml_split};
use crate::ir::*;

fn serde_name(f: &Field) -> String {
    if f.attribute {
        format!("@{}", f.wire)
    } else {
        f.wire.clone()
    }
}

/// Serde attributes of a field: serialization only (answers are decoded by the generated
/// pull parsers, see [`emit_from_xml`]).
fn serde_attrs(f: &Field, as_option: bool) -> TokenStream {
    let name = serde_name(f);
    if as_option {
        quote!(#[serde(rename = #name, skip_serializing_if = "Option::is_none")])
    } else {
        quote!(#[serde(rename = #name)])
    }
}

fn field_doc(f: &Field) -> TokenStream {
    let mut text = f.doc.clone();
    let place = if f.attribute {
        format!("attribute `{}`", f.wire)
    } else if f.wire == "$text" {
        "text content".to_string()
    } else {
        format!("element `<{}>`", f.wire)
    };
    text.push_str(&format!("\n\nWire: {place}"));
    if !f.aliases.is_empty() {
        text.push_str(&format!(
            " (also accepted: {})",
            f.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text.push('.');
    if let Some(s) = &f.source {
        text.push(' ');
        text.push_str(&source_note(s));
    }
    doc(&text)
}

pub(super) fn emit_types(api: &Api) -> TokenStream {
    let mut items = TokenStream::new();
    for e in &api.enums {
        items.extend(emit_enum(e));
    }
    for t in &api.types {
        items.extend(emit_struct(api, t));
    }
    quote! {
        //! Response shapes and enumerations of this API, decoded from its XML answers.

        #items
    }
}

fn emit_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let d = doc(&format!("{}\n\n{}", e.doc, source_note(&e.source)));
    let variants = e.values.iter().map(|v| {
        let i = ident(&v.variant);
        let d = doc(&format!("{} (`{}` on the wire)", v.doc, v.wire));
        quote!(#d #i,)
    });
    let wires = e.values.iter().map(|v| &v.wire);
    let to_wire = e.values.iter().map(|v| {
        let i = ident(&v.variant);
        let w = &v.wire;
        quote!(Self::#i => #w,)
    });
    let from_wire = e.values.iter().map(|v| {
        let i = ident(&v.variant);
        let w = &v.wire;
        quote!(#w => Self::#i,)
    });
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as received. Refused as a parameter.
            Other(String),
        }

        impl #name {
            /// Every documented value, as on the wire.
            pub const WIRE_VALUES: &'static [&'static str] = &[#(#wires),*];

            /// The value as on the wire.
            pub fn wire(&self) -> &str {
                match self {
                    #(#to_wire)*
                    Self::Other(value) => value,
                }
            }

            /// The variant for a wire value ([`Self::Other`] when undocumented).
            pub fn from_wire(value: &str) -> Self {
                match value.trim() {
                    #(#from_wire)*
                    other => Self::Other(other.to_string()),
                }
            }

            /// Whether the value is documented.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.wire())
            }
        }

        impl papi_core::serde::Serialize for #name {
            fn serialize<S: papi_core::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.wire())
            }
        }

        impl papi_core::encode::XmlText for #name {
            fn write_text(&self, out: &mut String, place: papi_core::encode::Place) {
                papi_core::encode::escape(out, self.wire(), place)
            }
        }
    }
}

fn emit_struct(api: &Api, t: &Type) -> TokenStream {
    let name = ident(&t.name);
    let mut text = format!("{}\n\n{}", t.doc, source_note(&t.source));
    if let Some(s) = &t.split {
        text.push_str(&format!(
            "\n\nEach consented field is granted (child of `<{}>`), protected (named in `<{}>`: the\nuser withheld consent) or not returned.",
            s.granted, s.protected
        ));
        if let Some(n) = &s.note {
            text.push_str(&format!(" Note: {n}"));
        }
    }
    let d = doc(&text);
    let picture = picture_impl(api, t);
    let Some(split) = &t.split else {
        let fields = t.fields.iter().map(|f| {
            let fname = ident(&f.rust);
            let base = field_base_ty(&f.ty);
            let (ty, as_option) = match card(f) {
                Card::Repeated => (quote!(Vec<#base>), false),
                Card::Optional => (quote!(Option<#base>), true),
                Card::Required => (base, false),
            };
            let attrs = serde_attrs(f, as_option);
            let d = field_doc(f);
            quote!(#d #attrs pub #fname: #ty,)
        });
        let from_xml = emit_from_xml(&name, &t.fields);
        let to_xml = emit_to_xml(&name, &t.fields);
        return quote! {
            #d
            #[derive(Debug, Clone, PartialEq, papi_core::serde::Serialize)]
            #[serde(crate = "papi_core::serde")]
            pub struct #name {
                #(#fields)*
            }
            #from_xml
            #to_xml
            #picture
        };
    };

    let wire_name = format_ident!("{}Wire", t.name);
    let granted_name = format_ident!("{}Granted", t.name);
    let protected_name = format_ident!("{}Protected", t.name);
    let (g_el, p_el) = (&split.granted, &split.protected);
    let mut public = Vec::new();
    let mut wire_fields = Vec::new();
    let mut granted = Vec::new();
    let mut protected = Vec::new();
    let mut assign = Vec::new();
    let mut split_back = Vec::new();
    let mut wire_back = Vec::new();
    // The three structs on the wire, as fields for their pull parsers.
    let as_optional = |f: &Field, ty: FieldTy| Field {
        ty,
        optional: true,
        repeated: false,
        consented: false,
        ..f.clone()
    };
    let part = |wire: &str, rust: &str, ty: &Ident| Field {
        wire: wire.to_owned(),
        rust: rust.to_owned(),
        ty: FieldTy::Struct(ty.to_string()),
        attribute: false,
        optional: true,
        repeated: false,
        consented: false,
        aliases: Vec::new(),
        doc: String::new(),
        source: None,
    };
    let mut wire_xml = vec![
        part(g_el, "granted", &granted_name),
        part(p_el, "protected", &protected_name),
    ];
    let mut granted_xml = Vec::new();
    let mut protected_xml = Vec::new();
    for f in &t.fields {
        let fname = ident(&f.rust);
        let base = field_base_ty(&f.ty);
        let d = field_doc(f);
        if f.consented {
            public.push(quote!(#d pub #fname: papi_core::Consented<#base>,));
            let ga = serde_attrs(f, true);
            granted.push(quote!(#ga #fname: Option<#base>,));
            granted_xml.push(as_optional(f, f.ty.clone()));
            let pa = serde_attrs(f, true);
            protected.push(quote!(#pa #fname: Option<papi_core::Present>,));
            protected_xml.push(as_optional(f, FieldTy::Empty));
            assign.push(quote!(#fname: papi_core::Consented::from_parts(granted.#fname, protected.#fname.is_some()),));
            split_back.push(quote! {
                match value.#fname {
                    papi_core::Consented::Granted(v) => {
                        granted.#fname = Some(v);
                        any_granted = true;
                    }
                    papi_core::Consented::Protected => {
                        protected.#fname = Some(papi_core::Present);
                        any_protected = true;
                    }
                    papi_core::Consented::NotReturned => {}
                }
            });
        } else {
            wire_xml.push(f.clone());
            let (ty, as_option) = match card(f) {
                Card::Repeated => (quote!(Vec<#base>), false),
                Card::Optional => (quote!(Option<#base>), true),
                Card::Required => (base, false),
            };
            let attrs = serde_attrs(f, as_option);
            public.push(quote!(#d pub #fname: #ty,));
            wire_fields.push(quote!(#attrs #fname: #ty,));
            assign.push(quote!(#fname: wire.#fname,));
            wire_back.push(quote!(#fname: value.#fname,));
        }
    }
    let wire_into = t.name.clone() + "Wire";
    let wire_from_xml = emit_from_xml(&wire_name, &wire_xml);
    let granted_from_xml = emit_from_xml(&granted_name, &granted_xml);
    let protected_from_xml = emit_from_xml(&protected_name, &protected_xml);
    let to_xml = emit_to_xml_split(&name, split, &t.fields);
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, papi_core::serde::Serialize)]
        #[serde(crate = "papi_core::serde", into = #wire_into)]
        pub struct #name {
            #(#public)*
        }

        impl papi_core::de::FromXml for #name {
            fn from_xml(x: &mut papi_core::de::Events<'_>, start: &papi_core::de::BytesStart<'_>, empty: bool) -> Result<Self, papi_core::de::DeError> {
                <#wire_name as papi_core::de::FromXml>::from_xml(x, start, empty).map(Self::from)
            }
        }
        #to_xml

        #[derive(papi_core::serde::Serialize)]
        #[serde(crate = "papi_core::serde")]
        struct #wire_name {
            #[serde(rename = #g_el, skip_serializing_if = "Option::is_none")]
            granted: Option<#granted_name>,
            #[serde(rename = #p_el, skip_serializing_if = "Option::is_none")]
            protected: Option<#protected_name>,
            #(#wire_fields)*
        }
        #wire_from_xml

        #[derive(Default, papi_core::serde::Serialize)]
        #[serde(crate = "papi_core::serde")]
        struct #granted_name {
            #(#granted)*
        }
        #granted_from_xml

        #[derive(Default, papi_core::serde::Serialize)]
        #[serde(crate = "papi_core::serde")]
        struct #protected_name {
            #(#protected)*
        }
        #protected_from_xml

        impl From<#name> for #wire_name {
            fn from(value: #name) -> Self {
                let mut granted = #granted_name::default();
                let mut protected = #protected_name::default();
                let mut any_granted = false;
                let mut any_protected = false;
                #(#split_back)*
                Self {
                    granted: any_granted.then_some(granted),
                    protected: any_protected.then_some(protected),
                    #(#wire_back)*
                }
            }
        }

        impl From<#wire_name> for #name {
            fn from(wire: #wire_name) -> Self {
                let granted = wire.granted.unwrap_or_default();
                let protected = wire.protected.unwrap_or_default();
                Self {
                    #(#assign)*
                }
            }
        }
        #picture
    }
}

fn picture_impl(api: &Api, t: &Type) -> TokenStream {
    let Some(action) = api.actions.iter().find(|a| {
        a.response.ty.as_deref() == Some(t.name.as_str()) && a.response.picture.is_some()
    }) else {
        return quote!();
    };
    let Some(p) = &action.response.picture else {
        return quote!();
    };
    let name = ident(&t.name);
    let content: Vec<Ident> = p.content.iter().map(|s| ident(s)).collect();
    let declared: Vec<Ident> = p.declared_type.iter().map(|s| ident(s)).collect();
    let declared_expr = if p.declared_optional {
        quote!(self.#(#declared).*.as_deref())
    } else {
        quote!(Some(self.#(#declared).*.as_str()))
    };
    quote! {
        impl #name {
            /// The decoded picture and its image type. The type is sniffed from the bytes;
            /// the declared type is kept for reference and only used when the bytes are of
            /// no known format.
            pub fn picture(&self) -> papi_core::Picture {
                papi_core::Picture::resolve(self.#(#content).*.as_bytes().to_vec(), #declared_expr)
            }
        }
    }
}

pub(super) fn response_ty(a: &Action) -> TokenStream {
    match &a.response.ty {
        Some(t) => {
            let t = ident(t);
            quote!(crate::types::#t)
        }
        None => quote!(papi_core::Undecoded),
    }
}
