//! `src/types.rs` of a generated crate: the response structs and enumerations, with their
//! XML readers and writers.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::field::{card, field_base_ty, Card};
use super::util::{doc, ident, source_note};
use super::xml_read::emit_from_xml;
use super::xml_write::{emit_to_xml, emit_to_xml_split};
use crate::ir::*;

/// Serde attributes of a public field, for JSON and any other serde format (answers are
/// decoded by the generated pull parsers, see [`emit_from_xml`], and written by the generated
/// writers): Rust names, an absent option left out, and a missing option, list or consented
/// value read as empty. Serde is the crate's optional `serde` feature.
fn serde_attrs(f: &Field) -> TokenStream {
    if f.consented {
        return quote!(#[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "papi_core::Consented::is_not_returned"))]);
    }
    match card(f) {
        Card::Optional => {
            quote!(#[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))])
        }
        Card::Repeated => quote!(#[cfg_attr(feature = "serde", serde(default))]),
        Card::Required => quote!(),
    }
}

/// The derives of an answer struct: `Default` when it has one (`default`), serde's with the
/// `serde` feature.
fn struct_derives(default: &TokenStream) -> TokenStream {
    quote! {
        #[derive(Debug, Clone, PartialEq, #default)]
        #[cfg_attr(feature = "serde", derive(papi_core::serde::Serialize, papi_core::serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(crate = "papi_core::serde"))]
    }
}

/// The `with_*` method setting field `f` of a public struct, documented from the spec.
fn setter(f: &Field) -> TokenStream {
    let fname = ident(&f.rust);
    let with = format_ident!("with_{}", f.rust);
    let base = field_base_ty(&f.ty);
    let d = doc(&format!(
        "Sets [`Self::{}`] and returns the value, for chaining.\n\n{}",
        f.rust, f.doc
    ));
    let (arg, value) = if f.consented {
        (quote!(value: papi_core::Consented<#base>), quote!(value))
    } else {
        match card(f) {
            Card::Required => (quote!(value: impl Into<#base>), quote!(value.into())),
            Card::Optional => (quote!(value: impl Into<#base>), quote!(Some(value.into()))),
            Card::Repeated => (
                quote!(values: impl IntoIterator<Item = #base>),
                quote!(values.into_iter().collect()),
            ),
        }
    };
    quote! {
        #d
        pub fn #with(mut self, #arg) -> Self {
            self.#fname = #value;
            self
        }
    }
}

/// The setters of a public struct, and its `Default` when one field has no empty value to
/// derive it from (a required enumeration: `Other("")`, which no answer holds).
fn constructors(name: &Ident, t: &Type) -> (TokenStream, TokenStream) {
    let setters = t.fields.iter().map(setter);
    let ctors = quote! {
        impl #name {
            #(#setters)*
        }
    };
    let manual = t
        .fields
        .iter()
        .any(|f| !f.consented && card(f) == Card::Required && matches!(f.ty, FieldTy::Enum(_)));
    if !manual {
        return (quote!(Default,), ctors);
    }
    let inits = t.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        match &f.ty {
            FieldTy::Enum(e) if !f.consented && card(f) == Card::Required => {
                let e = ident(e);
                quote!(#fname: #e::Other(String::new()),)
            }
            _ => quote!(#fname: Default::default(),),
        }
    });
    let default = quote! {
        impl Default for #name {
            fn default() -> Self {
                Self { #(#inits)* }
            }
        }
    };
    (quote!(), quote!(#ctors #default))
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

        /// As its wire value, a string.
        #[cfg(feature = "serde")]
        impl papi_core::serde::Serialize for #name {
            fn serialize<S: papi_core::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.wire())
            }
        }

        /// From its wire value, a string: exactly a documented value gives its variant, any
        /// other string [`Self::Other`] as given (untrimmed, so that it round-trips).
        #[cfg(feature = "serde")]
        impl<'de> papi_core::serde::Deserialize<'de> for #name {
            fn deserialize<D: papi_core::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as papi_core::serde::Deserialize>::deserialize(deserializer)?;
                let known = Self::from_wire(&value);
                Ok(if known.wire() == value { known } else { Self::Other(value) })
            }
        }

        impl papi_core::encode::XmlText for #name {
            fn write_text(&self, out: &mut String, place: papi_core::encode::Place) {
                papi_core::encode::escape(out, self.wire(), place)
            }
        }
    }
}

/// A response struct with its reader, writer and picture accessor.
fn emit_struct(api: &Api, t: &Type) -> TokenStream {
    let name = ident(&t.name);
    let d = doc(&struct_doc_text(t));
    let picture = picture_impl(api, t);
    let embedded = embedded_impl(t);
    let picture = quote!(#picture #embedded);
    match &t.split {
        None => plain_struct(&name, d, t, picture),
        Some(split) => consent_struct(&name, d, t, split, picture),
    }
}

/// The documentation of a struct: its own, its source, and how consent splits its fields.
fn struct_doc_text(t: &Type) -> String {
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
    text.push_str(CONSTRUCTION_DOC);
    text
}

/// How every answer struct is built and serialized, in its documentation.
const CONSTRUCTION_DOC: &str = "

# Building and serializing

The struct is `#[non_exhaustive]`: a later version of the spec may add fields without
breaking your code. Read its public fields; build one (for tests, mocks or a server) from
[`Default`] with the `with_*` methods, or assign the fields of a default value. A field left
unset holds its empty value: `None`, an empty list or text, zero, `false`,
[`papi_core::Consented::NotReturned`].

With serde (the crate's `serde` feature; e.g. JSON) the fields have their Rust names. An
option that is `None` and a consented value not returned are left out; an absent option,
list or consented value reads as empty. An enumeration is its wire value, a string; a
consented value is `{\"status\": \"granted\", \"value\": …}` or `{\"status\":
\"protected\"}` (see [`papi_core::Consented`]).";

/// The Rust type of a field that is not consented (after its cardinality).
fn field_ty(f: &Field) -> TokenStream {
    let base = field_base_ty(&f.ty);
    match card(f) {
        Card::Repeated => quote!(Vec<#base>),
        Card::Optional => quote!(Option<#base>),
        Card::Required => base,
    }
}

/// A struct with no consented field: its fields as on the wire.
fn plain_struct(name: &Ident, d: TokenStream, t: &Type, picture: TokenStream) -> TokenStream {
    let fields = t.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let ty = field_ty(f);
        let attrs = serde_attrs(f);
        let d = field_doc(f);
        quote!(#d #attrs pub #fname: #ty,)
    });
    let from_xml = emit_from_xml(name, &t.fields);
    let to_xml = emit_to_xml(name, &t.fields);
    let (default, ctors) = constructors(name, t);
    let derives = struct_derives(&default);
    quote! {
        #d
        #derives
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
        #ctors
        #from_xml
        #to_xml
        #picture
    }
}

/// The private structs a struct with consented fields is read through: its wire form, and
/// the granted and protected containers inside it.
struct SplitNames {
    wire: Ident,
    granted: Ident,
    protected: Ident,
}

/// The pieces of a struct with consented fields, gathered over its fields in order.
#[derive(Default)]
struct SplitParts {
    /// Fields of the public struct.
    public: Vec<TokenStream>,
    /// Fields of the wire struct that are not consented.
    wire_fields: Vec<TokenStream>,
    /// Fields of the granted container.
    granted: Vec<TokenStream>,
    /// Fields of the protected container.
    protected: Vec<TokenStream>,
    /// Initializers of the public struct from the wire one.
    assign: Vec<TokenStream>,
    /// The three wire structs, as fields for their pull parsers.
    wire_xml: Vec<Field>,
    granted_xml: Vec<Field>,
    protected_xml: Vec<Field>,
}

impl SplitParts {
    fn new(t: &Type, split: &ConsentSplit, names: &SplitNames) -> Self {
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
            embedded: None,
        };
        let mut parts = SplitParts {
            wire_xml: vec![
                part(&split.granted, "granted", &names.granted),
                part(&split.protected, "protected", &names.protected),
            ],
            ..SplitParts::default()
        };
        for f in &t.fields {
            if f.consented {
                parts.add_consented(f);
            } else {
                parts.add_plain(f);
            }
        }
        parts
    }

    /// A consented field: `Consented<T>` in public, optional in both containers.
    fn add_consented(&mut self, f: &Field) {
        let as_optional = |ty: FieldTy| Field {
            ty,
            optional: true,
            repeated: false,
            consented: false,
            ..f.clone()
        };
        let fname = ident(&f.rust);
        let base = field_base_ty(&f.ty);
        let d = field_doc(f);
        let attrs = serde_attrs(f);
        self.public
            .push(quote!(#d #attrs pub #fname: papi_core::Consented<#base>,));
        self.granted.push(quote!(#fname: Option<#base>,));
        self.granted_xml.push(as_optional(f.ty.clone()));
        self.protected
            .push(quote!(#fname: Option<papi_core::Present>,));
        self.protected_xml.push(as_optional(FieldTy::Empty));
        self.assign.push(quote!(#fname: papi_core::Consented::from_parts(granted.#fname, protected.#fname.is_some()),));
    }

    /// A field that is not consented: the same in public and on the wire.
    fn add_plain(&mut self, f: &Field) {
        let fname = ident(&f.rust);
        let d = field_doc(f);
        self.wire_xml.push(f.clone());
        let ty = field_ty(f);
        let attrs = serde_attrs(f);
        self.public.push(quote!(#d #attrs pub #fname: #ty,));
        self.wire_fields.push(quote!(#fname: #ty,));
        self.assign.push(quote!(#fname: wire.#fname,));
    }
}

/// A struct with consented fields: the public struct, read through its wire form and
/// written as it.
fn consent_struct(
    name: &Ident,
    d: TokenStream,
    t: &Type,
    split: &ConsentSplit,
    picture: TokenStream,
) -> TokenStream {
    let names = SplitNames {
        wire: format_ident!("{}Wire", t.name),
        granted: format_ident!("{}Granted", t.name),
        protected: format_ident!("{}Protected", t.name),
    };
    let parts = SplitParts::new(t, split, &names);
    let public = &parts.public;
    let wire_name = &names.wire;
    let to_xml = emit_to_xml_split(name, split, &t.fields);
    let wire_structs = wire_structs(&names, &parts);
    let conversions = wire_conversion(name, &names, &parts);
    let (default, ctors) = constructors(name, t);
    let derives = struct_derives(&default);
    quote! {
        #d
        #derives
        #[non_exhaustive]
        pub struct #name {
            #(#public)*
        }
        #ctors

        impl papi_core::de::FromXml for #name {
            fn from_xml(x: &mut papi_core::de::Events<'_>, start: &papi_core::de::BytesStart<'_>, empty: bool) -> Result<Self, papi_core::de::DeError> {
                <#wire_name as papi_core::de::FromXml>::from_xml(x, start, empty).map(Self::from)
            }
        }
        #to_xml
        #wire_structs
        #conversions
        #picture
    }
}

/// The wire struct and its two containers, each with its pull parser.
fn wire_structs(names: &SplitNames, parts: &SplitParts) -> TokenStream {
    let SplitNames {
        wire: wire_name,
        granted: granted_name,
        protected: protected_name,
    } = names;
    let (wire_fields, granted, protected) = (&parts.wire_fields, &parts.granted, &parts.protected);
    let wire_from_xml = emit_from_xml(wire_name, &parts.wire_xml);
    let granted_from_xml = emit_from_xml(granted_name, &parts.granted_xml);
    let protected_from_xml = emit_from_xml(protected_name, &parts.protected_xml);
    quote! {
        struct #wire_name {
            granted: Option<#granted_name>,
            protected: Option<#protected_name>,
            #(#wire_fields)*
        }
        #wire_from_xml

        #[derive(Default)]
        struct #granted_name {
            #(#granted)*
        }
        #granted_from_xml

        #[derive(Default)]
        struct #protected_name {
            #(#protected)*
        }
        #protected_from_xml
    }
}

/// The public struct from its wire form (the writer writes the public struct directly).
fn wire_conversion(name: &Ident, names: &SplitNames, parts: &SplitParts) -> TokenStream {
    let wire_name = &names.wire;
    let assign = &parts.assign;
    quote! {
        impl From<#wire_name> for #name {
            fn from(wire: #wire_name) -> Self {
                let granted = wire.granted.unwrap_or_default();
                let protected = wire.protected.unwrap_or_default();
                Self {
                    #(#assign)*
                }
            }
        }
    }
}

/// For each field carrying an embedded document: a method decoding it and a `with_*`
/// method writing it.
fn embedded_impl(t: &Type) -> TokenStream {
    let methods = t.fields.iter().filter_map(|f| {
        let e = f.embedded.as_ref()?;
        let field = ident(&f.rust);
        let get = format_ident!("{}_document", f.rust);
        let with = format_ident!("with_{}_document", f.rust);
        let ty = ident(&e.ty);
        let root = &e.root;
        let get_doc = doc(&format!(
            "The XML document carried as the text of `{}` (a `<{root}>`), decoded; `None` when the\nfield is absent. The text is returned as received in the field itself.",
            f.wire
        ));
        let with_doc = doc(&format!(
            "Sets `{}` to `value` written as a `<{root}>` document (what a server sends).",
            f.wire
        ));
        Some(quote! {
            #get_doc
            pub fn #get(&self) -> Option<Result<crate::types::#ty, papi_core::DecodeError>> {
                self.#field
                    .as_deref()
                    .map(|text| papi_core::decode::fragment(#root, text.as_bytes()))
            }
            #with_doc
            pub fn #with(mut self, value: &crate::types::#ty) -> Result<Self, papi_core::encode::EncodeError> {
                self.#field = Some(papi_core::encode::document(#root, value)?);
                Ok(self)
            }
        })
    });
    let methods: Vec<TokenStream> = methods.collect();
    if methods.is_empty() {
        return quote!();
    }
    let name = ident(&t.name);
    quote! {
        impl #name {
            #(#methods)*
        }
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

/// The Rust type an action's answer decodes to (its operation's `Output`).
pub(super) fn response_ty(a: &Action) -> TokenStream {
    match (&a.response.ty, &a.response.inferred) {
        (Some(t), _) => {
            let t = ident(t);
            quote!(crate::types::#t)
        }
        (None, Some(inf)) => {
            let t = ident(&inf.ty);
            quote!(papi_core::InferredAnswer<crate::types::#t>)
        }
        (None, None) => quote!(papi_core::Undecoded),
    }
}

/// The declared type a server encodes an action's successful answer from: the answer type,
/// or the inferred one; `None` when the shape is unknown.
pub(super) fn encoded_ty(a: &Action) -> Option<TokenStream> {
    let t = a
        .response
        .ty
        .as_deref()
        .or(a.response.inferred.as_ref().map(|inf| inf.ty.as_str()))?;
    let t = ident(t);
    Some(quote!(crate::types::#t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(rust: &str, ty: FieldTy, optional: bool) -> Field {
        Field {
            wire: rust.to_owned(),
            rust: rust.to_owned(),
            ty,
            attribute: false,
            optional,
            repeated: false,
            consented: false,
            aliases: Vec::new(),
            doc: format!("The {rust}."),
            source: None,
            embedded: None,
        }
    }

    /// No spec of the repository has a required enumeration (the mini fixture neither):
    /// its struct gets a written `Default`, the enumeration `Other("")`, as no answer holds.
    #[test]
    fn a_required_enumeration_gets_a_written_default() {
        let t = Type {
            name: "Shape".to_owned(),
            doc: "A shape.".to_owned(),
            split: None,
            fields: vec![
                field("color", FieldTy::Enum("Color".to_owned()), false),
                field("size", FieldTy::Integer, true),
            ],
            source: "doc".to_owned(),
        };
        let (derive, ctors) = constructors(&ident("Shape"), &t);
        assert!(derive.is_empty());
        let code = ctors.to_string();
        assert!(code.contains("impl Default for Shape"), "{code}");
        assert!(
            code.contains("color : Color :: Other (String :: new ())"),
            "{code}"
        );
        assert!(code.contains("size : Default :: default ()"), "{code}");
        syn::parse2::<syn::File>(ctors).unwrap();

        let plain = Type {
            fields: vec![field("size", FieldTy::Integer, false)],
            ..t
        };
        let (derive, ctors) = constructors(&ident("Shape"), &plain);
        assert_eq!(derive.to_string(), "Default ,");
        assert!(!ctors.to_string().contains("impl Default"));
    }
}
