//! The `papi_core::de::FromXml` impls of `src/types.rs`: one pull parser per struct.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::field::{card, field_base_ty, parsed_scalar, Card};
use super::util::ident;
use crate::ir::*;

/// The path of the runtime's decoding helpers, as the generated code names it.
fn de() -> TokenStream {
    quote!(papi_core::de)
}

/// `papi_core::de::FromXml` for a struct whose Rust fields are `fields` (as on the wire):
/// a pull parser reading the attributes, then the child elements (and the text, for a
/// `$text` field), unknown ones skipped, each field set once (repeated ones pushed), the
/// required ones checked at the end. Errors name the field (`Seg`), so that the caller
/// can build the XML path.
pub(super) fn emit_from_xml(name: &Ident, fields: &[Field]) -> TokenStream {
    if let Some(list) = list_wrapper_from_xml(name, fields) {
        return list;
    }
    let reads: Vec<FieldRead<'_>> = fields.iter().map(FieldRead::new).collect();
    let body = ReaderBody {
        slots: reads.iter().map(FieldRead::slot_decl).collect(),
        finish: reads.iter().map(FieldRead::finish).collect(),
        attr_arms: reads
            .iter()
            .filter(|r| r.f.attribute)
            .map(FieldRead::attr_arm)
            .collect(),
        // The text content is bound after the children (from the last text field).
        text_field: reads
            .iter()
            .filter(|r| r.is_text)
            .map(FieldRead::text_binding)
            .next_back(),
        child_arms: reads
            .iter()
            .filter(|r| !r.f.attribute && !r.is_text)
            .map(FieldRead::child_arm)
            .collect(),
    };
    body.into_impl(name)
}

/// A list wrapper (its only field the repeated child element, no alias) is read in one
/// call; `None` for any other struct.
fn list_wrapper_from_xml(name: &Ident, fields: &[Field]) -> Option<TokenStream> {
    let de = de();
    let [f] = fields else {
        return None;
    };
    if f.attribute
        || f.wire == "$text"
        || !f.aliases.is_empty()
        || card(f) != Card::Repeated
        || !matches!(f.ty, FieldTy::Struct(_) | FieldTy::Empty)
    {
        return None;
    }
    let fname = ident(&f.rust);
    let wire = f.wire.as_str();
    Some(quote! {
        impl #de::FromXml for #name {
            fn from_xml(x: &mut #de::Events<'_>, _: &#de::BytesStart<'_>, empty: bool) -> Result<Self, #de::DeError> {
                Ok(Self { #fname: #de::list(x, #wire, empty)? })
            }
        }
    })
}

/// How the parser reads one field.
struct FieldRead<'a> {
    f: &'a Field,
    /// The local holding the field: prefixed, so that no field name meets the parser's
    /// own locals (`x`, `value`, `text`…).
    slot: Ident,
    base: TokenStream,
    card: Card,
    /// An optional scalar parsed from text, for which an empty element means `None`.
    opt_parsed: bool,
    /// The field is the element's text content.
    is_text: bool,
    /// An element's required text is bound once after its children, with no slot.
    text_required: bool,
}

impl<'a> FieldRead<'a> {
    fn new(f: &'a Field) -> Self {
        let c = card(f);
        let is_text = !f.attribute && f.wire == "$text";
        FieldRead {
            f,
            slot: format_ident!("f_{}", f.rust),
            base: field_base_ty(&f.ty),
            card: c,
            opt_parsed: c == Card::Optional && parsed_scalar(&f.ty),
            is_text,
            text_required: is_text && c == Card::Required,
        }
    }

    /// The declaration of the field's slot.
    fn slot_decl(&self) -> TokenStream {
        let (slot, base) = (&self.slot, &self.base);
        match self.card {
            Card::Repeated => quote!(let mut #slot: Vec<#base> = Vec::new();),
            _ if self.opt_parsed => quote!(let mut #slot: Option<Option<#base>> = None;),
            // Bound after the children (see `text_binding`): an element's required text is
            // always read, so it needs no slot.
            Card::Required if self.text_required => quote!(),
            _ => quote!(let mut #slot: Option<#base> = None;),
        }
    }

    /// The field's initializer in the struct built at the end.
    fn finish(&self) -> TokenStream {
        let de = de();
        let fname = ident(&self.f.rust);
        let slot = &self.slot;
        let wire = self.f.wire.as_str();
        let seg = if self.f.attribute {
            quote!(#de::Seg::Attr(#wire))
        } else {
            quote!(#de::Seg::Child(#wire))
        };
        match self.card {
            Card::Required if self.text_required => quote!(#fname: #slot,),
            Card::Required => quote!(#fname: #de::required(#slot, #seg)?,),
            Card::Optional if self.opt_parsed => quote!(#fname: #slot.flatten(),),
            _ => quote!(#fname: #slot,),
        }
    }

    /// The wire name and its aliases, as a match pattern.
    fn names(&self) -> Vec<&'a str> {
        std::iter::once(self.f.wire.as_str())
            .chain(self.f.aliases.iter().map(String::as_str))
            .collect()
    }

    /// Values read from text go through `papi_core::de::FromText` (strings, numbers,
    /// booleans, dates — `Option<_>` of those for optional ones, empty meaning absent —,
    /// base64, presence); an enumeration through its `from_wire`, returned here.
    fn enum_convert(&self) -> Option<TokenStream> {
        let base = &self.base;
        match &self.f.ty {
            FieldTy::Enum(_) => Some(quote!(|t| Ok(#base::from_wire(&t)))),
            _ => None,
        }
    }

    /// The statements binding the text content, after the children. A structure is never
    /// read from text: the validator refuses such a field, so it does not reach here.
    fn text_binding(&self) -> TokenStream {
        let de = de();
        let (slot, base) = (&self.slot, &self.base);
        let value = match self.enum_convert() {
            Some(_) => quote!(#base::from_wire(&value)),
            None => quote!(#de::FromText::from_text(value)?),
        };
        if self.text_required {
            // An element with no text holds the empty text (`<a></a>`, `<a/>`), as a text
            // child does: what the encoders write for an empty value.
            quote! {
                let value = text.into_value().unwrap_or_default();
                let #slot = #value;
            }
        } else {
            quote! {
                if let Some(value) = text.into_value() {
                    #slot = Some(#value);
                }
            }
        }
    }

    /// The match arm reading the field from an attribute. A structure is never read from
    /// an attribute: the validator refuses such a field, so it does not reach here.
    fn attr_arm(&self) -> TokenStream {
        let de = de();
        let slot = &self.slot;
        let wire = self.f.wire.as_str();
        let names = self.names();
        match self.enum_convert() {
            Some(convert) => {
                quote!(#(#names)|* => #de::attr_with(&mut #slot, #wire, value, #convert)?,)
            }
            None => quote!(#(#names)|* => #de::attr(&mut #slot, #wire, value)?,),
        }
    }

    /// The match arm reading the field from a child element.
    fn child_arm(&self) -> TokenStream {
        let de = de();
        let slot = &self.slot;
        let wire = self.f.wire.as_str();
        let names = self.names();
        let call = match (&self.f.ty, self.card, &self.enum_convert()) {
            (FieldTy::Struct(_) | FieldTy::Empty, Card::Repeated, _) => {
                quote!(#de::push_child(&mut #slot, #wire, x, &child, child_empty))
            }
            (FieldTy::Struct(_) | FieldTy::Empty, _, _) => {
                quote!(#de::child(&mut #slot, #wire, x, &child, child_empty))
            }
            (_, Card::Repeated, Some(convert)) => {
                quote!(#de::push_text_child_with(&mut #slot, #wire, x, child_empty, #convert))
            }
            (_, Card::Repeated, None) => {
                quote!(#de::push_text_child(&mut #slot, #wire, x, child_empty))
            }
            (_, _, Some(convert)) => {
                quote!(#de::text_child_with(&mut #slot, #wire, x, child_empty, #convert))
            }
            (_, _, None) => quote!(#de::text_child(&mut #slot, #wire, x, child_empty)),
        };
        quote! {
            #(#names)|* => #call?,
        }
    }
}

/// The pieces of a pull parser, gathered over the fields in order.
struct ReaderBody {
    slots: Vec<TokenStream>,
    finish: Vec<TokenStream>,
    attr_arms: Vec<TokenStream>,
    text_field: Option<TokenStream>,
    child_arms: Vec<TokenStream>,
}

impl ReaderBody {
    /// The `FromXml` impl: slots, attributes, children (and text), then the struct.
    fn into_impl(self, name: &Ident) -> TokenStream {
        let de = de();
        let attrs = self.attrs_loop();
        let children = self.children_loop();
        let Self {
            slots,
            finish,
            attr_arms,
            text_field,
            ..
        } = self;
        let text_decl = if text_field.is_some() {
            quote!(let mut text = #de::Text::default();)
        } else {
            quote!()
        };
        let unused_start = if attr_arms.is_empty() {
            quote!(let _ = start;)
        } else {
            quote!()
        };
        quote! {
            impl #de::FromXml for #name {
                fn from_xml(x: &mut #de::Events<'_>, start: &#de::BytesStart<'_>, empty: bool) -> Result<Self, #de::DeError> {
                    #unused_start
                    #(#slots)*
                    #attrs
                    #text_decl
                    if !empty {
                        #children
                    }
                    #text_field
                    Ok(Self { #(#finish)* })
                }
            }
        }
    }

    /// The loop over the start tag's attributes, if any field is an attribute.
    fn attrs_loop(&self) -> TokenStream {
        let de = de();
        let attr_arms = &self.attr_arms;
        if attr_arms.is_empty() {
            quote!()
        } else {
            quote! {
                let mut attrs = #de::Attrs::new(start);
                while let Some((name, value)) = attrs.next()? {
                    match name {
                        #(#attr_arms)*
                        _ => continue,
                    }
                }
            }
        }
    }

    /// The loop over the child elements (gathering the text when a field holds it).
    fn children_loop(&self) -> TokenStream {
        let child_arms = &self.child_arms;
        let next_child = if self.text_field.is_some() {
            quote!(x.child_text(&mut text)?)
        } else {
            quote!(x.child()?)
        };
        if child_arms.is_empty() {
            quote! {
                while let Some((_, child_empty)) = #next_child {
                    x.skip(child_empty)?;
                }
            }
        } else {
            quote! {
                while let Some((child, child_empty)) = #next_child {
                    match child.local_name().as_ref() {
                        #(#child_arms)*
                        _ => x.skip(child_empty)?,
                    }
                }
            }
        }
    }
}
