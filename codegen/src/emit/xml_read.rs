//! The `papi_core::de::FromXml` impls of `src/types.rs`: one pull parser per struct.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::field::{card, field_base_ty, parsed_scalar, Card};
use super::util::ident;
use crate::ir::*;

/// `papi_core::de::FromXml` for a struct whose Rust fields are `fields` (as on the wire):
/// a pull parser reading the attributes, then the child elements (and the text, for a
/// `$text` field), unknown ones skipped, each field set once (repeated ones pushed), the
/// required ones checked at the end. Errors name the field (`Seg`), so that the caller
/// can build the XML path.
pub(super) fn emit_from_xml(name: &Ident, fields: &[Field]) -> TokenStream {
    let de = quote!(papi_core::de);
    // A list wrapper (its only field the repeated child element, no alias): one call.
    if let [f] = fields {
        if !f.attribute
            && f.wire != "$text"
            && f.aliases.is_empty()
            && card(f) == Card::Repeated
            && matches!(f.ty, FieldTy::Struct(_) | FieldTy::Empty)
        {
            let fname = ident(&f.rust);
            let wire = f.wire.as_str();
            return quote! {
                impl #de::FromXml for #name {
                    fn from_xml(x: &mut #de::Events<'_>, _: &#de::BytesStart<'_>, empty: bool) -> Result<Self, #de::DeError> {
                        Ok(Self { #fname: #de::list(x, #wire, empty)? })
                    }
                }
            };
        }
    }
    let mut slots = Vec::new();
    let mut attr_arms = Vec::new();
    let mut child_arms = Vec::new();
    let mut text_field = None;
    let mut finish = Vec::new();
    for f in fields {
        let fname = ident(&f.rust);
        // The local holding the field: prefixed, so that no field name meets the
        // parser's own locals (`x`, `value`, `text`…).
        let slot = format_ident!("f_{}", f.rust);
        let base = field_base_ty(&f.ty);
        let c = card(f);
        let opt_parsed = c == Card::Optional && parsed_scalar(&f.ty);
        let is_text = !f.attribute && f.wire == "$text";
        // An element's required text is bound once after its children, with no slot.
        let text_required = is_text && c == Card::Required;
        let wire = f.wire.as_str();
        let seg = if f.attribute {
            quote!(#de::Seg::Attr(#wire))
        } else {
            quote!(#de::Seg::Child(#wire))
        };
        slots.push(match c {
            Card::Repeated => quote!(let mut #slot: Vec<#base> = Vec::new();),
            _ if opt_parsed => quote!(let mut #slot: Option<Option<#base>> = None;),
            // Bound after the children (see below): an element's required text is always
            // read, so it needs no slot.
            Card::Required if text_required => quote!(),
            _ => quote!(let mut #slot: Option<#base> = None;),
        });
        finish.push(match c {
            Card::Required if text_required => quote!(#fname: #slot,),
            Card::Required => quote!(#fname: #de::required(#slot, #seg)?,),
            Card::Optional if opt_parsed => quote!(#fname: #slot.flatten(),),
            _ => quote!(#fname: #slot,),
        });
        let names: Vec<&str> = std::iter::once(wire)
            .chain(f.aliases.iter().map(String::as_str))
            .collect();
        // Values read from text go through `papi_core::de::FromText` (strings, numbers,
        // booleans, dates — `Option<_>` of those for optional ones, empty meaning absent —,
        // base64, presence); an enumeration through its `from_wire`.
        let from_wire = match &f.ty {
            FieldTy::Enum(_) => Some(quote!(|t| Ok(#base::from_wire(&t)))),
            _ => None,
        };
        if f.attribute || is_text {
            // A structure is never read from an attribute nor from text: the validator
            // refuses such a field, so it does not reach here.
            if is_text {
                let value = match &from_wire {
                    Some(_) => quote!(#base::from_wire(&value)),
                    None => quote!(#de::FromText::from_text(value)?),
                };
                text_field = Some(if text_required {
                    // An element with no text holds the empty text (`<a></a>`, `<a/>`), as
                    // a text child does: what the encoders write for an empty value.
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
                });
            } else {
                attr_arms.push(match &from_wire {
                    Some(convert) => {
                        quote!(#(#names)|* => #de::attr_with(&mut #slot, #wire, value, #convert)?,)
                    }
                    None => quote!(#(#names)|* => #de::attr(&mut #slot, #wire, value)?,),
                });
            }
            continue;
        }
        let call = match (&f.ty, c, &from_wire) {
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
        child_arms.push(quote! {
            #(#names)|* => #call?,
        });
    }
    let attrs = if attr_arms.is_empty() {
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
    };
    let next_child = if text_field.is_some() {
        quote!(x.child_text(&mut text)?)
    } else {
        quote!(x.child()?)
    };
    let text_decl = if text_field.is_some() {
        quote!(let mut text = #de::Text::default();)
    } else {
        quote!()
    };
    let children = if child_arms.is_empty() {
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
