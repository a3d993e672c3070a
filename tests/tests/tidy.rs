//! House rules of the repository, checked on every `cargo test --workspace`.
//!
//! 1. Hand-written Rust spells no wire name: no string literal in a hand-written `.rs` file
//!    outside tests, examples and benches names an action, a parameter, an element, an
//!    attribute, an error code, a privacy family or attribute, or an envelope name of the
//!    spec. The runtime receives them as data from generated code.
//! 2. Every file path named in `ARCHITECTURE.md` exists.
//! 3. Every generated file starts with the `@generated` header, and every file with that
//!    header is one the generator writes.
//! 4. The sandbox's modules are layers: every `crate::…` (or `super::…`) path in
//!    `crates/papi-sandbox/src` names a lower layer or the file's own module, and no files
//!    of the crate import each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

fn root() -> PathBuf {
    papi_codegen::workspace_root()
}

/// How a wire name is looked for in string literals.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Actions and error names: made-up words, looked for as a word anywhere in a literal.
    Distinctive,
    /// Parameters, elements, attributes, privacy families and attributes, envelope names:
    /// often plain words (`id`, `type`, `page`) that hand-written code uses for its own
    /// ends (a `Debug` field, an HTML attribute, a spec key), so looked for only where a
    /// literal writes them as the wire does: `<name`, `</name>`, `name=`.
    Plain,
}

/// Every wire name of the spec: how it is looked for, and what it names (for the message).
fn wire_names(suite: &papi_codegen::ir::Suite) -> BTreeMap<String, (Kind, String)> {
    let mut names = BTreeMap::new();
    let mut add = |name: &str, kind: Kind, what: String| {
        let entry = names.entry(name.to_owned()).or_insert((kind, what));
        if kind == Kind::Distinctive {
            entry.0 = kind;
        }
    };
    let c = &suite.common;
    let e = &c.envelope;
    for n in [&e.root, &e.code, &e.detail, &e.url] {
        add(
            n,
            Kind::Plain,
            "an element of the general error envelope".into(),
        );
    }
    add(&c.action_param, Kind::Plain, "the action parameter".into());
    add(&c.token_param, Kind::Plain, "the token parameter".into());
    for code in &c.errors {
        if let Some(w) = &code.wire {
            add(
                w,
                Kind::Distinctive,
                format!("the wire name of general error {}", code.code),
            );
        }
    }
    for f in &c.families {
        add(
            &f.family,
            Kind::Plain,
            format!("the privacy family of {}", f.api),
        );
        for a in &f.attributes {
            add(
                a,
                Kind::Plain,
                format!("a privacy attribute of family {}", f.family),
            );
        }
    }
    for api in &suite.apis {
        api_wire_names(api, &mut add);
    }
    names
}

/// The wire names of one API.
fn api_wire_names(api: &papi_codegen::ir::Api, add: &mut impl FnMut(&str, Kind, String)) {
    for a in &api.actions {
        add(
            &a.wire,
            Kind::Distinctive,
            format!("an action of {}", api.title),
        );
        for p in &a.params {
            add(&p.wire, Kind::Plain, format!("a parameter of {}", a.wire));
        }
    }
    for t in &api.types {
        for f in &t.fields {
            let what = if f.attribute {
                "an attribute"
            } else {
                "an element"
            };
            for name in std::iter::once(&f.wire).chain(&f.aliases) {
                add(
                    name,
                    Kind::Plain,
                    format!("{what} of {} ({})", t.name, api.title),
                );
            }
        }
    }
    for code in &api.errors {
        if let Some(w) = &code.wire {
            add(
                w,
                Kind::Distinctive,
                format!("the wire name of error {} of {}", code.code, api.title),
            );
        }
    }
}

/// Whether the file starts with the generator's header.
fn is_generated(text: &str) -> bool {
    text.lines().take(3).any(|l| l.contains("@generated"))
}

/// `.rs` files under `dir`, recursively, outside `tests/`, `examples/` and `target/`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == "tests" || n == "examples")
            {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `attrs` mark test-only code.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.to_token_stream().to_string().contains("test"))
    })
}

/// A string literal and the line it starts on.
struct Lit {
    value: String,
    line: usize,
}

/// The string literals of `tokens`, doc attributes left out.
fn literals(tokens: TokenStream, out: &mut Vec<Lit>) {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(g)) = iter.peek() {
                    let first = g.stream().into_iter().next();
                    if g.delimiter() == Delimiter::Bracket
                        && matches!(&first, Some(TokenTree::Ident(i)) if i == "doc")
                    {
                        iter.next();
                    }
                }
            }
            TokenTree::Group(g) => literals(g.stream(), out),
            TokenTree::Literal(l) => {
                let line = l.span().start().line;
                if let syn::Lit::Str(s) = syn::Lit::new(l) {
                    out.push(Lit {
                        value: s.value(),
                        line,
                    });
                }
            }
            _ => {}
        }
    }
}

/// The string literals of a hand-written file, its test items left out.
fn file_literals(text: &str) -> Result<Vec<Lit>, syn::Error> {
    let file = syn::parse_file(text)?;
    let mut out = Vec::new();
    for item in file.items {
        let attrs: &[syn::Attribute] = match &item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            _ => &[],
        };
        if !is_test(attrs) {
            // Tokens re-made from the syntax tree keep the spans of the text.
            literals(item.to_token_stream(), &mut out);
        }
    }
    Ok(out)
}

/// Whether `literal` writes `name` as XML or a query does: `<name` or `</name` followed by
/// `>`, `/` or a space, or `name=` at the start or after `?`, `&`, `;`, a space or a quote.
fn spelt_as_wire(literal: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(i) = literal[from..].find(name).map(|i| i + from) {
        let before = literal[..i].chars().next_back();
        let after = literal[i + name.len()..].chars().next();
        let before2 = literal[..i]
            .strip_suffix('/')
            .map(|l| l.chars().next_back());
        let tag = (before == Some('<') || before2 == Some(Some('<')))
            && matches!(after, Some('>' | '/' | ' '));
        let pair =
            matches!(before, None | Some('?' | '&' | ';' | ' ' | '"' | '\'')) && after == Some('=');
        if tag || pair {
            return true;
        }
        from = i + name.len();
    }
    false
}

/// The marker that lets a literal write plain words that are wire names too, as another
/// format does (an HTML page's `<form action=…>`), on the line the literal starts or the
/// line before, with the reason. Actions and error names are never let through.
const OTHER_FORMAT: &str = "tidy: not the API's wire format";

/// The wire names spelt in one hand-written file: `file:line: "name" (what) in "literal"`.
fn wire_names_in(shown: &str, text: &str, names: &BTreeMap<String, (Kind, String)>) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let marked = |line: usize| {
        let has = |n: usize| n >= 1 && lines.get(n - 1).is_some_and(|l| l.contains(OTHER_FORMAT));
        has(line) || has(line.saturating_sub(1))
    };
    let literals = match file_literals(text) {
        Ok(l) => l,
        Err(e) => return vec![format!("{shown}: does not parse: {e}")],
    };
    let mut hits = Vec::new();
    for lit in literals {
        let words: BTreeSet<&str> = lit
            .value
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '$'))
            .collect();
        for word in words {
            let hit = match names.get(word) {
                Some((Kind::Distinctive, what)) => Some(what),
                Some((Kind::Plain, what))
                    if spelt_as_wire(&lit.value, word) && !marked(lit.line) =>
                {
                    Some(what)
                }
                _ => None,
            };
            if let Some(what) = hit {
                hits.push(format!(
                    "{shown}:{}: {word:?} ({what}) in {:?}",
                    lit.line, lit.value
                ));
            }
        }
    }
    hits
}

/// Hand-written `.rs` files of the code that ships or builds it: the crates' sources,
/// the generator and xtask. Tests, examples and benches are not held to it, nor is
/// `xtask/src/bench/`, the harness that reports on the benches of `benches/` (baselines
/// written against one action by design).
fn hand_written_files(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["crates", "codegen/src", "xtask/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let harness = shown.starts_with("xtask/src/bench/");
            (!is_generated(&text) && !harness).then_some((shown, text))
        })
        .collect()
}

#[test]
fn hand_written_rust_spells_no_wire_name() {
    let root = root();
    let suite = papi_codegen::load(&root.join("api-spec")).expect("the spec loads");
    let names = wire_names(&suite);
    assert!(
        names.contains_key("findcontactlist"),
        "the spec's wire names are read"
    );
    let files = hand_written_files(&root);
    assert!(files.len() > 50, "hand-written files are found");
    let hits: Vec<String> = files
        .iter()
        .flat_map(|(shown, text)| wire_names_in(shown, text, &names))
        .collect();
    assert!(
        hits.is_empty(),
        "hand-written Rust spells wire names of api-spec/; take them from the generated code \
         (ApiDescriptor, Request, the generated tables):\n{}",
        hits.join("\n")
    );
}

/// The checker itself: an action anywhere in a literal, a plain name where the literal
/// writes it as XML or a query, and never in docs or test items.
#[test]
fn the_wire_name_check_finds_what_it_should() {
    let mut names = BTreeMap::new();
    names.insert(
        "findcontactlist".to_owned(),
        (Kind::Distinctive, "an action".to_owned()),
    );
    names.insert("page".to_owned(), (Kind::Plain, "an attribute".to_owned()));
    names.insert("id".to_owned(), (Kind::Plain, "an attribute".to_owned()));
    let text = r#"
/// Docs may say findcontactlist.
fn f() -> String {
    let a = "findcontactlist";
    let b = "page";
    let c = "the consent page answered";
    let d = format!("<contact id=\"{}\"><page>", b);
    let e = "ids=1&sidebar=page";
    // tidy: not the API's wire format: an HTML page
    let f = "<form id=\"x\"><input name=\"page\">";
    let g = "<form id=\"x\">"; // tidy: not the API's wire format: HTML
    let h = 0;
    format!("{a}{b}{c}{d}{e}{f}{g}{h} sent ?page=2 and findcontactlist")
}
#[cfg(test)]
mod tests {
    const X: &str = "findcontactlist?page=1";
}
"#;
    let hits = wire_names_in("f.rs", text, &names);
    let lines: Vec<&str> = hits
        .iter()
        .map(|h| h.split(" (").next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines,
        [
            "f.rs:4: \"findcontactlist\"",
            "f.rs:7: \"id\"",
            "f.rs:7: \"page\"",
            "f.rs:13: \"findcontactlist\"",
            "f.rs:13: \"page\""
        ],
        "{hits:#?}"
    );
}

/// Every file path `ARCHITECTURE.md` names (in prose, tables or the diagram) exists: a
/// word with a `/` that ends in a file extension, or starts with a top-level folder of the
/// workspace, found from the root, from `codegen/src/` (the generator's modules) or from
/// a crate's folder (a generated crate's `src/…`); placeholders (`<api>`, `*`) left out.
#[test]
fn every_path_in_architecture_md_exists() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let tops = [
        "api-spec/",
        "codegen/",
        "crates/",
        "xtask/",
        "tests/",
        "benches/",
        "examples/",
        "fuzz/",
        "openapi/",
        ".ci/",
    ];
    let extensions = [".rs", ".md", ".yaml", ".toml", ".py"];
    let mut bases = vec![root.clone(), root.join("codegen/src")];
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        bases.extend(entries.flatten().map(|e| e.path()));
    }
    let mut named = BTreeSet::new();
    let mut missing = Vec::new();
    let separators = |c: char| c.is_whitespace() || "`()[],;|\"'".contains(c);
    for word in text.split(separators) {
        let word = word.trim_end_matches([':', '.']);
        let is_path = tops.iter().any(|t| word.starts_with(t))
            || (extensions.iter().any(|e| word.ends_with(e))
                && (word.contains('/') || word.ends_with(".md")));
        if !is_path || word.contains(['<', '*', '{', '…']) || word.starts_with("http") {
            continue;
        }
        if named.insert(word.to_owned()) && !bases.iter().any(|b| b.join(word).exists()) {
            missing.push(word.to_owned());
        }
    }
    assert!(named.len() > 20, "paths are found: {named:?}");
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:#?}"
    );
}

/// First line of a file that has one, read as text (binary files have none).
fn first_line(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let head = &bytes[..bytes.len().min(300)];
    let text = std::str::from_utf8(head).ok()?;
    Some(text.lines().next().unwrap_or("").to_owned())
}

/// Files of the workspace, recursively; build output, VCS data and fuzz corpora left out.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let skip = ["target", ".git", "corpus", "artifacts"];
        if path.is_dir() {
            if !skip.iter().any(|s| name == *s) {
                all_files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// Every file the generator writes starts with the `@generated` header (the README's
/// coverage region aside: it is a region of a hand-written file), and every file of the
/// workspace with that header is one the generator writes (Cargo's own lock files aside).
#[test]
fn generated_files_and_the_generated_header_match() {
    let root = root();
    let files = papi_codegen::generate(&root.join("api-spec")).expect("the spec generates");
    let mut written = BTreeSet::new();
    let mut unmarked = Vec::new();
    for f in &files {
        written.insert(root.join(&f.path));
        let first = f.contents.lines().next().unwrap_or("");
        if f.path != Path::new("README.md") && !first.contains("@generated") {
            unmarked.push(f.path.display().to_string());
        }
    }
    assert!(
        unmarked.is_empty(),
        "generated files without the @generated header on their first line: {unmarked:#?}"
    );
    let mut on_disk = Vec::new();
    all_files(&root, &mut on_disk);
    let strays: Vec<String> = on_disk
        .iter()
        .filter(|p| !written.contains(*p))
        .filter(|p| {
            first_line(p)
                .is_some_and(|l| l.contains("@generated") && !l.contains("@generated by Cargo"))
        })
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    assert!(
        strays.is_empty(),
        "files marked @generated that the generator does not write (stale outputs of a \
         removed API or action? delete them): {strays:#?}"
    );
}

/// The layers of `crates/papi-sandbox/src`, bottom first, each with its top-level modules
/// (`""`: the items of `lib.rs`). A file may name (`crate::…`, `super::…`) its own
/// module's files and the layers below its own, never a layer above nor a sibling module
/// of its own layer. ARCHITECTURE.md draws the same table.
const SANDBOX_LAYERS: &[(&[&str], &str)] = &[
    (&["util", "generated"], "utilities and the generated tables"),
    (&["domain"], "the domain"),
    (&["store"], "the store"),
    (&["service"], "the service"),
    (
        &["api", "idp"],
        "the API pipeline and the identity provider",
    ),
    (&["web"], "the web"),
    (&[""], "lib.rs"),
    (&["user_agent"], "a client of the running sandbox"),
];

/// The layer order, for messages.
fn layer_rule() -> String {
    let names: Vec<String> = SANDBOX_LAYERS
        .iter()
        .map(|(modules, _)| {
            modules
                .iter()
                .map(|m| if m.is_empty() { "lib.rs" } else { m })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    format!(
        "a module imports only its own files and the layers below it ({})",
        names.join(" ← ")
    )
}

/// The layer of a top-level module (`""`: `lib.rs`), if it has one.
fn layer_of(top: &str) -> Option<(usize, &'static str)> {
    SANDBOX_LAYERS
        .iter()
        .enumerate()
        .find(|(_, (modules, _))| modules.contains(&top))
        .map(|(i, (_, name))| (i, *name))
}

/// The module path of a file of the crate from its path under `src/` (`web/pages.rs` →
/// `["web", "pages"]`, `web/mod.rs` → `["web"]`, `lib.rs` → `[]`).
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || (l == "lib" && parts.len() == 1))
    {
        parts.pop();
    }
    parts
}

/// A path a file names: where it points (from the crate root) and how it was written.
struct Named {
    target: Vec<String>,
    written: String,
    line: usize,
}

/// Collects the crate paths a file names, in `use` items and anywhere else in its code.
struct CratePaths {
    /// The module the code being read is in (the file's, then inline `mod`s).
    module: Vec<String>,
    /// Child modules declared by the file (`mod x;` and inline), by the module they are in:
    /// a `use x::…` naming one of them starts from there.
    children: BTreeSet<Vec<String>>,
    named: Vec<Named>,
}

impl CratePaths {
    /// Where a path of these segments points from the current module, if in this crate.
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" | "super" => self.module.clone(),
            _ => {
                let mut child = self.module.clone();
                child.push(first.clone());
                return self.children.contains(&child).then(|| {
                    child.extend(segments[1..].iter().cloned());
                    child
                });
            }
        };
        let mut rest = &segments[1..];
        if first == "super" {
            base.pop()?;
        }
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn name(&mut self, segments: Vec<String>, line: usize) {
        if let Some(target) = self.resolve(&segments) {
            self.named.push(Named {
                target,
                written: segments.join("::"),
                line,
            });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.use_leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.use_leaf(prefix, &r.ident),
            syn::UseTree::Glob(g) => {
                let line = g.star_token.span.start().line;
                self.name(prefix.clone(), line);
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn use_leaf(&mut self, prefix: &[String], ident: &proc_macro2::Ident) {
        let mut path = prefix.to_vec();
        // `use crate::x::{self}` names `crate::x`.
        if ident != "self" {
            path.push(ident.to_string());
        }
        self.name(path, ident.span().start().line);
    }
}

impl<'ast> syn::visit::Visit<'ast> for CratePaths {
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        let mut child = self.module.clone();
        child.push(i.ident.to_string());
        self.children.insert(child.clone());
        if i.content.is_some() {
            let outer = std::mem::replace(&mut self.module, child);
            syn::visit::visit_item_mod(self, i);
            self.module = outer;
        }
    }

    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        if i.leading_colon.is_none() {
            self.use_tree(&mut Vec::new(), &i.tree);
        }
    }

    fn visit_path(&mut self, i: &'ast syn::Path) {
        let first = i.segments.first().map(|s| s.ident.to_string());
        if i.leading_colon.is_none()
            && matches!(first.as_deref(), Some("crate" | "super" | "self"))
            && i.segments.len() > 1
        {
            let segments = i.segments.iter().map(|s| s.ident.to_string()).collect();
            let line = i
                .segments
                .first()
                .map_or(0, |s| s.ident.span().start().line);
            self.name(segments, line);
        }
        syn::visit::visit_path(self, i);
    }
}

/// The file a resolved path points into: the longest prefix of it that is a file's module.
fn file_of<'a>(target: &[String], modules: &'a BTreeMap<Vec<String>, String>) -> &'a str {
    (0..=target.len())
        .rev()
        .find_map(|n| modules.get(&target[..n]))
        .map_or("lib.rs", String::as_str)
}

/// The layering problems of a crate's files (`(path under src/, text)`): imports against
/// the layer order, and import circles between files. Each names the file, the import and
/// the rule.
fn sandbox_layer_problems(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|(rel, _)| (module_of(rel), rel.clone()))
        .collect();
    let tops: BTreeSet<&str> = modules
        .keys()
        .filter_map(|m| m.first().map(String::as_str))
        .collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for (rel, text) in files {
        let file = match syn::parse_file(text) {
            Ok(file) => file,
            Err(e) => {
                problems.push(format!("{rel}: does not parse: {e}"));
                continue;
            }
        };
        let module = module_of(rel);
        let mut paths = CratePaths {
            module: module.clone(),
            children: BTreeSet::new(),
            named: Vec::new(),
        };
        syn::visit::Visit::visit_file(&mut paths, &file);
        let own = module.first().map_or("", String::as_str);
        let Some((own_layer, own_name)) = layer_of(own) else {
            problems.push(format!(
                "{rel}: the module `{own}` is in no layer of SANDBOX_LAYERS (tests/tests/tidy.rs); \
                 place it there and in ARCHITECTURE.md"
            ));
            continue;
        };
        for named in &paths.named {
            let top = named
                .target
                .first()
                .map(String::as_str)
                .filter(|t| tops.contains(t))
                .unwrap_or("");
            let target_file = file_of(&named.target, &modules);
            if target_file != rel {
                edges
                    .entry(rel.as_str())
                    .or_default()
                    .entry(target_file)
                    .or_insert_with(|| format!("`{}` (line {})", named.written, named.line));
            }
            if top == own {
                continue;
            }
            let shown = if top.is_empty() { "lib.rs" } else { top };
            match layer_of(top) {
                Some((layer, _)) if layer < own_layer => {}
                Some((_, name)) => problems.push(format!(
                    "{rel}:{}: `{}` names `{shown}` ({name}) from `{}` ({own_name}); rule: {}",
                    named.line,
                    named.written,
                    if own.is_empty() { "lib.rs" } else { own },
                    layer_rule()
                )),
                None => problems.push(format!(
                    "{rel}:{}: `{}` names `{shown}`, which is in no layer of SANDBOX_LAYERS",
                    named.line, named.written
                )),
            }
        }
    }
    problems.extend(import_circles(&edges));
    problems
}

/// Every import circle of the file graph (`file → imported file → why`), one message each,
/// found by Tarjan's strongly connected components.
fn import_circles(edges: &BTreeMap<&str, BTreeMap<&str, String>>) -> Vec<String> {
    struct Tarjan<'a, 'e> {
        edges: &'e BTreeMap<&'a str, BTreeMap<&'a str, String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    impl<'a> Tarjan<'a, '_> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for &w in self.edges.get(v).into_iter().flat_map(|m| m.keys()) {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let at = self.stack.iter().rposition(|&x| x == v).unwrap_or(0);
                let component = self.stack.split_off(at);
                if component.len() > 1 {
                    self.components.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for &v in edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.components
        .iter()
        .map(|component| {
            let ties: Vec<String> = component
                .iter()
                .flat_map(|&from| {
                    edges[from]
                        .iter()
                        .filter(|(to, _)| component.contains(to))
                        .map(move |(to, why)| format!("{from} → {to} by {why}"))
                })
                .collect();
            format!(
                "import circle between {}: {}; rule: no files of the crate import each other in a circle",
                component.join(", "),
                ties.join("; ")
            )
        })
        .collect()
}

/// The `.rs` files under `dir` (as [`rust_files`] finds them), as (path under `dir`, text).
fn crate_sources(dir: &Path) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    rust_files(dir, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(dir).ok()?.to_str()?.replace('\\', "/");
            Some((rel, std::fs::read_to_string(&path).ok()?))
        })
        .collect()
}

#[test]
fn the_sandbox_is_in_layers_without_an_import_circle() {
    let files = crate_sources(&root().join("crates/papi-sandbox/src"));
    assert!(files.len() > 30, "the sandbox's files are found");
    assert!(
        files.iter().any(|(rel, _)| rel == "store/mod.rs"),
        "the sandbox's folders are read"
    );
    let problems = sandbox_layer_problems(&files);
    assert!(
        problems.is_empty(),
        "crates/papi-sandbox/src breaks its layers:\n{}",
        problems.join("\n")
    );
}

/// The checker itself: an import up, across siblings, through `super::super`, into
/// `lib.rs`, or to an unknown module is found, and so is a circle; imports down and
/// within a module are not.
#[test]
fn the_layer_check_finds_what_it_should() {
    let files: Vec<(String, String)> = [
        ("lib.rs", "mod api; pub struct Sandbox;"),
        ("util/mod.rs", "pub(crate) mod sync;"),
        ("util/sync.rs", "fn f() -> crate::Sandbox { todo!() }"),
        ("domain/mod.rs", "pub(crate) mod user;"),
        (
            "domain/user.rs",
            "use crate::util::sync::lock;\nuse crate::web::pages::{escape, Page};\nfn f() { super::super::web::x(); }\n#[cfg(test)] mod tests { use super::*; use crate::domain::user::X; }",
        ),
        ("api/mod.rs", "pub(crate) mod a; pub(crate) mod b;"),
        ("api/a.rs", "use crate::api::b::B;\nuse crate::util::sync;\npub struct A;"),
        ("api/b.rs", "pub struct B;\nfn f() -> crate::api::a::A { todo!() }"),
        ("idp/x.rs", "use crate::{api::a::A, domain};"),
        ("web/mod.rs", "pub(crate) mod pages;"),
        ("web/pages.rs", "use crate::idp::x; use crate::api::{self, a::A};"),
        ("extra/thing.rs", "use crate::util::sync;"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let problems = sandbox_layer_problems(&files);
    let short: Vec<&str> = problems
        .iter()
        .map(|p| p.split("; rule").next().unwrap_or(""))
        .collect();
    assert_eq!(
        short,
        [
            "util/sync.rs:1: `crate::Sandbox` names `lib.rs` (lib.rs) from `util` (utilities and the generated tables)",
            "domain/user.rs:2: `crate::web::pages::escape` names `web` (the web) from `domain` (the domain)",
            "domain/user.rs:2: `crate::web::pages::Page` names `web` (the web) from `domain` (the domain)",
            "domain/user.rs:3: `super::super::web::x` names `web` (the web) from `domain` (the domain)",
            "idp/x.rs:1: `crate::api::a::A` names `api` (the API pipeline and the identity provider) from `idp` (the API pipeline and the identity provider)",
            "extra/thing.rs: the module `extra` is in no layer of SANDBOX_LAYERS (tests/tests/tidy.rs); place it there and in ARCHITECTURE.md",
            "import circle between api/a.rs, api/b.rs: api/a.rs → api/b.rs by `crate::api::b::B` (line 1); api/b.rs → api/a.rs by `crate::api::a::A` (line 2)",
        ],
        "{problems:#?}"
    );
    assert!(
        problems[0].ends_with(
            "rule: a module imports only its own files and the layers below it \
             (util, generated ← domain ← store ← service ← api, idp ← web ← lib.rs ← user_agent)"
        ),
        "{}",
        problems[0]
    );
}
