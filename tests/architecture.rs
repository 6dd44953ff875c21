//! The layer checks: every top-level module in `src/` is listed in ARCHITECTURE.md's
//! `layers` block, and a module only uses modules on lower lines of it. That rules out
//! upward imports and circles, and keeps the document true. Inside a module, the files
//! must not reference each other in a circle either (`files_inside_a_module_form_no_circles`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The layers, bottom first: one line per layer, modules separated by spaces.
fn layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md exists");
    let start = doc
        .find("```layers\n")
        .expect("ARCHITECTURE.md has a ```layers block")
        + "```layers\n".len();
    let end = start
        + doc[start..]
            .find("```")
            .expect("the layers block is closed");
    doc[start..end]
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code without its plain `//` comments. Doc comments (`///`, `//!`) stay: an intra-doc
/// link to a module is a reference rustdoc resolves, and a reader follows, so it obeys the
/// layers too. String literals are kept: `//` inside one (a URL) is not a comment.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string && c == '/' && prev == '/' {
                // A doc comment (`///`, `//!`) is kept whole; a plain one is cut.
                if !matches!(line[i + 1..].chars().next(), Some('/' | '!')) {
                    cut = i - 1;
                }
                break;
            }
            prev = c;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// The top-level modules a piece of code names through `crate::`, including
/// `use crate::{a, b::c}`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn modules_only_use_lower_layers() {
    let layers = layers();
    let mut level: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in layers.iter().enumerate() {
        for m in line {
            assert!(
                level.insert(m.clone(), i).is_none(),
                "{m} is listed twice in ARCHITECTURE.md"
            );
        }
    }
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    // A `#[macro_export]` macro is named `crate::name!` wherever it is used, but belongs to
    // the module that defines it (`query_request!` is `params`'s), and obeys its layer.
    let mut macros: BTreeMap<String, String> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(Path::new(ROOT).join("src")).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = module.trim_end_matches(".rs").to_owned();
        let text = std::fs::read_to_string(file).unwrap();
        for (i, _) in text.match_indices("macro_rules! ") {
            let name: String = text[i + "macro_rules! ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            macros.insert(name, module.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(Path::new(ROOT).join("src")).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        seen.insert(module.clone());
        let Some(&mine) = level.get(&module) else {
            violations.push(format!(
                "{module} ({}) is not in ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for used in crate_references(&code) {
            let used = macros.get(&used).cloned().unwrap_or(used);
            if used == module {
                continue;
            }
            match level.get(&used) {
                None => violations.push(format!(
                    "{} uses crate::{used}, which ARCHITECTURE.md does not list",
                    rel.display()
                )),
                Some(&theirs) if theirs >= mine => violations.push(format!(
                    "{} (layer {mine}: {module}) uses crate::{used} (layer {theirs}): only lower layers may be used",
                    rel.display()
                )),
                Some(_) => {}
            }
        }
    }
    for m in level.keys() {
        if !seen.contains(m) {
            violations.push(format!("ARCHITECTURE.md lists {m}, which is not in src/"));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_check_sees_imports_and_doc_links_and_ignores_plain_comments() {
    let code = code_of(
        "use crate::{db, catalog::LayerId};\n/// see [`crate::server`]\nlet u = \"http://x\"; crate::tiles::x(); // crate::ogc\n",
    );
    let refs: Vec<String> = crate_references(&code).into_iter().collect();
    assert_eq!(refs, ["catalog", "db", "server", "tiles"]);
}

// File-level circles. Inside one top-level module the files form a graph: `src/ogc/crs.rs`
// points at `src/ogc/features.rs` when it names `crate::ogc::features::…`, `super::features::…`,
// or `use super::{features, …}`. A `mod.rs` is a file like the others, but declaring a child
// (`mod x;`) is not a reference, and neither is re-exporting a descendant's item
// (`pub use x::Item;`) unless the `mod.rs` also uses that name in its own code: both only
// describe the module's face. An item reached through a `mod.rs`'s re-export or import
// (`super::Item`) is attributed to the file that defines it, so children that share a type
// through their parent's `pub use` do not make a circle with the parent.

/// One `.rs` file of a directory module: its name for messages (`src/ogc/crs.rs`), the
/// module path it defines (`ogc::crs`; a `mod.rs` defines its folder's module) and its text.
struct SourceFile {
    name: String,
    module: Vec<String>,
    text: String,
}

/// Code as the path scanner reads it: string and character literals blanked (a brace, quote
/// or `super::` inside one is text, not code), then plain comments cut by `code_of`. Every
/// line keeps its number, so references can be reported by line.
fn scanned_code(text: &str) -> String {
    code_of(&blank_literals(text))
}

/// String and character literals (raw strings too) replaced by spaces, with every line
/// break kept, so byte offsets and line numbers stay put. Their quotes go too, so
/// `code_of`, which follows strings line by line, never sees a string that spans lines.
/// Comments are copied as they are, for `code_of` to cut: a quote in prose must not open a
/// string.
fn blank_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |n| i + n);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let Some(end) = literal_end(&chars, i) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        for &c in &chars[i..end] {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        i = end;
    }
    out
}

/// Where the string or character literal starting at `chars[i]` ends (exclusive), if one
/// starts there.
fn literal_end(chars: &[char], i: usize) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = |back: usize| i.checked_sub(back).map(|j| chars[j]);
    let at = |j: usize| chars.get(j).copied();
    // `r"…"`, `r#"…"#`, `br"…"`: the `r` starts a word, or follows a `b` that does.
    let raw_prefix = chars[i] == 'r'
        && match before(1) {
            None => true,
            Some('b') => !before(2).is_some_and(is_word),
            Some(p) => !is_word(p),
        };
    match chars[i] {
        'r' if raw_prefix => {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            let open = i + 1 + hashes;
            if at(open) != Some('"') {
                return None;
            }
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            Some(
                chars[open + 1..]
                    .windows(closing.len())
                    .position(|w| w == closing.as_slice())
                    .map_or(chars.len(), |p| open + 1 + p + closing.len()),
            )
        }
        '"' => {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            Some((j + 1).min(chars.len()))
        }
        // `'x'` and `'\n'` are characters; `'a` in `&'a str` is a lifetime and stays.
        '\'' if at(i + 1) == Some('\\') => {
            let from = (i + 3).min(chars.len());
            let close = chars[from..].iter().position(|&q| q == '\'')?;
            Some(from + close + 1)
        }
        '\'' if at(i + 2) == Some('\'') => Some(i + 3),
        _ => None,
    }
}

/// A word or punctuation mark of code (`::` is one), and the byte where it starts.
struct Token<'a> {
    text: &'a str,
    at: usize,
}

fn tokens(code: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = at + c.len_utf8();
        if c.is_alphanumeric() || c == '_' {
            while let Some(&(i, d)) = chars.peek() {
                if !(d.is_alphanumeric() || d == '_') {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
        } else if c == ':' && chars.peek().is_some_and(|&(_, d)| d == ':') {
            chars.next();
            end += 1;
        }
        out.push(Token {
            text: &code[at..end],
            at,
        });
    }
    out
}

fn is_identifier(word: &str) -> bool {
    word.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// The byte ranges of inline modules (`mod tests { … }`): inside one, the first `super` is
/// the file itself. Doc comments are blanked before the braces are counted, so a brace in
/// prose cannot unbalance them.
fn inline_modules(code: &str) -> Vec<std::ops::Range<usize>> {
    let structure: String = code
        .lines()
        .map(|line| match line.find("//") {
            Some(doc) => format!("{}{}\n", &line[..doc], " ".repeat(line.len() - doc)),
            None => format!("{line}\n"),
        })
        .collect();
    let toks = tokens(&structure);
    let mut ranges = Vec::new();
    for (i, token) in toks.iter().enumerate() {
        let opens_block = token.text == "mod"
            && toks.get(i + 1).is_some_and(|t| is_identifier(t.text))
            && toks.get(i + 2).is_some_and(|t| t.text == "{");
        if !opens_block {
            continue;
        }
        let mut depth = 0usize;
        for close in &toks[i + 2..] {
            match close.text {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        ranges.push(toks[i + 2].at..close.at);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    ranges
}

/// One path a file names, with `use` groups expanded (`use super::{a, b::C}` names
/// `super::a` and `super::b::C`), the name it binds in a `use`, and where it is.
struct NamedPath {
    segments: Vec<String>,
    binding: Option<String>,
    at: usize,
}

/// Expands the path or use tree at `toks[i]` under `prefix` into `out`; returns the index
/// after it.
fn expand(toks: &[Token], mut i: usize, prefix: &[String], out: &mut Vec<NamedPath>) -> usize {
    let Some(token) = toks.get(i) else {
        return i;
    };
    match token.text {
        "{" => {
            i += 1;
            while let Some(t) = toks.get(i) {
                match t.text {
                    "}" => return i + 1,
                    "," => i += 1,
                    _ => i = expand(toks, i, prefix, out),
                }
            }
            i
        }
        "*" => {
            out.push(NamedPath {
                segments: prefix.to_vec(),
                binding: None,
                at: token.at,
            });
            i + 1
        }
        word if is_identifier(word) => {
            let mut segments = prefix.to_vec();
            // `self` inside a group (`use a::{self, B}`) is the group's own module.
            if word != "self" || prefix.is_empty() {
                segments.push(word.to_owned());
            }
            let continues = toks.get(i + 1).is_some_and(|t| t.text == "::")
                && toks
                    .get(i + 2)
                    .is_some_and(|t| t.text == "{" || t.text == "*" || is_identifier(t.text));
            if continues {
                return expand(toks, i + 2, &segments, out);
            }
            let mut binding = segments.last().cloned();
            i += 1;
            if toks.get(i).is_some_and(|t| t.text == "as") {
                binding = toks
                    .get(i + 1)
                    .map(|t| t.text.to_owned())
                    .filter(|alias| alias != "_");
                i += 2;
            }
            out.push(NamedPath {
                segments,
                binding,
                at: token.at,
            });
            i
        }
        _ => i + 1,
    }
}

/// A path a file names, and whether it is part of a `use` declaration (`Some(true)` for a
/// `pub use`, a re-export).
struct Reference {
    path: NamedPath,
    in_use: Option<bool>,
}

/// Whether the `use` at `toks[i]` re-exports: `pub use` and `pub(crate) use` do,
/// `#[cfg(test)] use` does not.
fn is_public_use(toks: &[Token], i: usize) -> bool {
    let before = |back: usize| i.checked_sub(back).map(|k| toks[k].text);
    if before(1) == Some("pub") {
        return true;
    }
    if before(1) != Some(")") {
        return false;
    }
    // `pub(in crate::a)`: the `(` is a few tokens back, and `pub` just before it.
    (2..8).any(|back| before(back) == Some("(") && before(back + 1) == Some("pub"))
}

/// Every path a file names (those with `::`, and every item of a `use`), and the words its
/// code uses outside `use` declarations (to tell a re-export the file also uses itself).
fn scan(code: &str) -> (Vec<Reference>, BTreeSet<String>) {
    let toks = tokens(code);
    let mut references = Vec::new();
    let mut words = BTreeSet::new();
    let mut i = 0;
    while i < toks.len() {
        let token = &toks[i];
        let previous = i.checked_sub(1).map(|p| toks[p].text);
        if token.text == "use" {
            let public = is_public_use(&toks, i);
            let mut paths = Vec::new();
            let start = if toks.get(i + 1).is_some_and(|t| t.text == "::") {
                i + 2
            } else {
                i + 1
            };
            i = expand(&toks, start, &[], &mut paths);
            references.extend(paths.into_iter().map(|path| Reference {
                path,
                in_use: Some(public),
            }));
            continue;
        }
        // A path starts at a word that does not follow `::` (`axum::http::…` is not ours) or
        // `in` (`pub(in crate::etl)` is a visibility, not a use).
        let starts_path = is_identifier(token.text)
            && previous != Some("::")
            && previous != Some("in")
            && toks.get(i + 1).is_some_and(|t| t.text == "::");
        if starts_path {
            let mut paths = Vec::new();
            i = expand(&toks, i, &[], &mut paths);
            references.extend(
                paths
                    .into_iter()
                    .map(|path| Reference { path, in_use: None }),
            );
            continue;
        }
        if is_identifier(token.text) {
            words.insert(token.text.to_owned());
        }
        i += 1;
    }
    (references, words)
}

/// Where a path named in a file of `module` points, from the crate root: `None` for another
/// crate or a local name. `depth` is how many inline modules the path sits in, and
/// `children` the child modules the file declares (named bare, like `features::Format` in
/// `ogc/mod.rs`).
fn absolute(
    segments: &[String],
    module: &[String],
    depth: usize,
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let first = segments.first()?.as_str();
    match first {
        "crate" => Some(segments[1..].to_vec()),
        "self" => Some([module, &segments[1..]].concat()),
        "super" => {
            let ups = segments.iter().take_while(|s| *s == "super").count();
            let leaving_the_file = ups.saturating_sub(depth);
            let base = &module[..module.len().checked_sub(leaving_the_file)?];
            Some([base, &segments[ups..]].concat())
        }
        child if children.contains(child) => Some([module, segments].concat()),
        _ => None,
    }
}

/// The file that defines what an absolute path names: the file of its longest module
/// prefix, or, when that file only imports or re-exports the next name, the file that
/// defines that. `None` when it is defined outside these files.
fn defining_file(
    path: &[String],
    files: &[SourceFile],
    imports: &[BTreeMap<String, Option<Vec<String>>>],
    hops: usize,
) -> Option<usize> {
    let (index, length) = (1..=path.len()).rev().find_map(|k| {
        files
            .iter()
            .position(|f| f.module == path[..k])
            .map(|f| (f, k))
    })?;
    if let Some(imported) = path.get(length).and_then(|name| imports[index].get(name)) {
        // An import of another crate, or a cycle of re-exports, is nobody's here.
        let target = imported.as_ref().filter(|_| hops < 8)?;
        return defining_file(
            &[target.as_slice(), &path[length + 1..]].concat(),
            files,
            imports,
            hops + 1,
        );
    }
    Some(index)
}

/// One reference from a file to another, for the failure message: `src/ogc/crs.rs:12
/// super::features::Format`.
type Evidence = Vec<String>;

/// The file → file references among the files of one module, with where each was found.
fn file_graph(files: &[SourceFile]) -> BTreeMap<(usize, usize), Evidence> {
    let scans: Vec<_> = files
        .iter()
        .map(|f| {
            let code = scanned_code(&f.text);
            let inline = inline_modules(&code);
            let (references, words) = scan(&code);
            (code, inline, references, words)
        })
        .collect();
    let children_of = |module: &[String]| -> BTreeSet<String> {
        files
            .iter()
            .filter(|f| f.module.len() == module.len() + 1 && f.module.starts_with(module))
            .map(|f| f.module.last().unwrap().clone())
            .collect()
    };
    let depth_at = |inline: &[std::ops::Range<usize>], at: usize| {
        inline.iter().filter(|r| r.contains(&at)).count()
    };
    // What each file's own `use` declarations bind, for `super::Item` through a parent.
    let imports: Vec<BTreeMap<String, Option<Vec<String>>>> = files
        .iter()
        .zip(&scans)
        .map(|(file, (_, inline, references, _))| {
            let children = children_of(&file.module);
            references
                .iter()
                .filter(|r| r.in_use.is_some() && depth_at(inline, r.path.at) == 0)
                .filter_map(|r| {
                    let target = absolute(&r.path.segments, &file.module, 0, &children);
                    Some((r.path.binding.clone()?, target))
                })
                .collect()
        })
        .collect();
    let mut graph: BTreeMap<(usize, usize), Evidence> = BTreeMap::new();
    for (from, (file, (code, inline, references, words))) in files.iter().zip(&scans).enumerate() {
        let children = children_of(&file.module);
        for reference in references {
            let path = &reference.path;
            let depth = depth_at(inline, path.at);
            let Some(target) = absolute(&path.segments, &file.module, depth, &children)
                .and_then(|absolute| defining_file(&absolute, files, &imports, 0))
            else {
                continue;
            };
            if target == from {
                continue;
            }
            let re_exports_a_descendant = reference.in_use == Some(true)
                && files[target].module.len() > file.module.len()
                && files[target].module.starts_with(&file.module);
            let used_here = path.binding.as_ref().is_some_and(|b| words.contains(b));
            if re_exports_a_descendant && !used_here {
                continue;
            }
            let line_start = code[..path.at].rfind('\n').map_or(0, |n| n + 1);
            let line = code[..path.at].matches('\n').count() + 1;
            let keyword = if reference.in_use.is_some() {
                "use "
            } else {
                ""
            };
            // Only doc comments survive `code_of`, and literals are blank, so a `//` before
            // the path on its line means the reference is a doc link or prose: the easiest
            // step of a circle to remove.
            let in_doc = code[line_start..path.at].contains("//");
            let evidence = graph.entry((from, target)).or_default();
            let place = format!("{}:{line} ", file.name);
            // One reference per line is enough to find it (`use super::{a, b}` names two).
            if !evidence.iter().any(|e| e.starts_with(&place)) {
                evidence.push(format!(
                    "{place}{keyword}{}{}",
                    path.segments.join("::"),
                    if in_doc { " (in a doc comment)" } else { "" }
                ));
            }
        }
    }
    graph
}

/// Every circle of a module's file graph, each once, as the files in order from its
/// first (lowest-numbered) file.
fn circles(graph: &BTreeMap<(usize, usize), Evidence>) -> Vec<Vec<usize>> {
    let mut next: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for &(from, to) in graph.keys() {
        next.entry(from).or_default().insert(to);
    }
    fn walk(
        start: usize,
        node: usize,
        next: &BTreeMap<usize, BTreeSet<usize>>,
        path: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        for &step in next.get(&node).into_iter().flatten() {
            if step == start {
                found.push(path.clone());
            } else if step > start && !path.contains(&step) && found.len() < 500 {
                path.push(step);
                walk(start, step, next, path, found);
                path.pop();
            }
        }
    }
    let mut found = Vec::new();
    for &start in next.keys() {
        walk(start, start, &next, &mut vec![start], &mut found);
    }
    found
}

/// The failure report for one module: a header naming the files caught in circles, each
/// circle as `a → b → a`, then each step of those circles once with up to three of the
/// references that make it. Empty when the module has no circle.
fn circle_report(files: &[SourceFile]) -> Vec<String> {
    let graph = file_graph(files);
    let found = circles(&graph);
    if found.is_empty() {
        return Vec::new();
    }
    let caught: BTreeSet<usize> = found.iter().flatten().copied().collect();
    let folder = format!("src/{}/", files[0].module[0]);
    let short = |i: usize| files[i].name.trim_start_matches(&folder).to_owned();
    let mut report = vec![format!(
        "{folder}: {} circle(s) through {}",
        found.len(),
        caught
            .iter()
            .map(|&i| short(i))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let mut steps = BTreeSet::new();
    for circle in &found {
        let mut names: Vec<&str> = circle.iter().map(|&i| files[i].name.as_str()).collect();
        names.push(&files[circle[0]].name);
        report.push(format!("  {}", names.join(" → ")));
        for (k, &from) in circle.iter().enumerate() {
            steps.insert((from, circle[(k + 1) % circle.len()]));
        }
    }
    report.push("  the steps of these circles:".to_owned());
    for (from, to) in steps {
        let evidence = &graph[&(from, to)];
        report.push(format!("    {} → {}:", short(from), short(to)));
        for reference in evidence.iter().take(3) {
            report.push(format!("      {reference}"));
        }
        if evidence.len() > 3 {
            report.push(format!("      … and {} more", evidence.len() - 3));
        }
    }
    report
}

/// The files of each directory module in `src/`, named and placed in their module.
fn directory_modules() -> Vec<Vec<SourceFile>> {
    let src = Path::new(ROOT).join("src");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders
        .iter()
        .map(|folder| {
            let mut paths = Vec::new();
            rust_files(folder, &mut paths);
            paths.sort();
            paths
                .iter()
                .map(|path| {
                    let rel = path.strip_prefix(&src).unwrap();
                    let mut module: Vec<String> = rel
                        .components()
                        .map(|c| {
                            c.as_os_str()
                                .to_string_lossy()
                                .trim_end_matches(".rs")
                                .to_owned()
                        })
                        .collect();
                    if module.last().is_some_and(|m| m == "mod") {
                        module.pop();
                    }
                    SourceFile {
                        name: format!("src/{}", rel.to_string_lossy().replace('\\', "/")),
                        module,
                        text: std::fs::read_to_string(path).unwrap(),
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn files_inside_a_module_form_no_circles() {
    let report: Vec<String> = directory_modules()
        .iter()
        .flat_map(|files| circle_report(files))
        .collect();
    assert!(
        report.is_empty(),
        "files inside a module use each other in a circle. Move what both sides need into \
         the lower file (or a small new file both use) so each step goes one way; a `mod.rs` \
         that calls its children should not also define what they use. Per module: its \
         circles, then the references that make each step (`file:line path`):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_file_check_follows_super_self_groups_and_re_exports() {
    let file = |name: &str, module: &[&str], text: &str| SourceFile {
        name: name.to_owned(),
        module: module.iter().map(|m| m.to_string()).collect(),
        text: text.to_owned(),
    };
    let files = [
        file(
            "m/a.rs",
            &["m", "a"],
            "use super::{b, Shared};\npub fn go() { b::x(); }\n",
        ),
        file("m/b.rs", &["m", "b"], "pub fn x() { crate::m::a::go(); }\n"),
        file(
            "m/c.rs",
            &["m", "c"],
            r##"pub struct Shared;
const BRACE: &str = r#"}"#;
const QUOTE: char = '"';
#[cfg(test)]
mod tests {
    use super::*;
    use super::super::d::D;
}
"##,
        ),
        file(
            "m/d.rs",
            &["m", "d"],
            "// super::c::Shared\npub struct D;\nconst S: &str = \"super::c::Shared\";\n\
             const M: &str = \"two\nlines\"; // super::c::Shared\n\
             const Q: char = '\"'; // super::c::Shared\n",
        ),
        file("m/e.rs", &["m", "e"], "pub fn run() { super::helper(); }\n"),
        file(
            "m/mod.rs",
            &["m"],
            "pub mod a;\npub mod b;\npub mod c;\npub mod d;\npub mod e;\npub(crate) use c::Shared;\n\
             fn helper() {}\n/// Calls [`d::D`]'s neighbours.\nfn f() { self::a::go(); e::run(); }\n",
        ),
    ];
    let graph = file_graph(&files);
    let edges: Vec<(&str, &str)> = graph
        .keys()
        .map(|&(from, to)| (files[from].name.as_str(), files[to].name.as_str()))
        .collect();
    assert_eq!(
        edges,
        [
            ("m/a.rs", "m/b.rs"),
            ("m/a.rs", "m/c.rs"),
            ("m/b.rs", "m/a.rs"),
            ("m/c.rs", "m/d.rs"),
            ("m/e.rs", "m/mod.rs"),
            ("m/mod.rs", "m/a.rs"),
            ("m/mod.rs", "m/d.rs"),
            ("m/mod.rs", "m/e.rs"),
        ]
    );
    let to_d = &graph[&(5, 3)];
    assert_eq!(to_d, &["m/mod.rs:8 d::D (in a doc comment)"]);
    let found: Vec<Vec<&str>> = circles(&graph)
        .iter()
        .map(|c| c.iter().map(|&i| files[i].name.as_str()).collect())
        .collect();
    assert_eq!(found, [["m/a.rs", "m/b.rs"], ["m/e.rs", "m/mod.rs"]]);
    let named_in_src: Vec<SourceFile> = files
        .into_iter()
        .map(|f| SourceFile {
            name: format!("src/{}", f.name),
            ..f
        })
        .collect();
    let report = circle_report(&named_in_src).join("\n");
    assert!(
        report.starts_with(
            "src/m/: 2 circle(s) through a.rs, b.rs, e.rs, mod.rs\n  \
             src/m/a.rs → src/m/b.rs → src/m/a.rs\n  src/m/e.rs → src/m/mod.rs → src/m/e.rs\n  \
             the steps of these circles:\n    a.rs → b.rs:\n      src/m/a.rs:1 use super::b\n"
        ),
        "{report}"
    );
}

/// The quick tier stays quick: a test that reaches for the test database (directly, through
/// `common`'s database helpers) is `#[ignore]`d with its reason, so that plain `cargo test`
/// without PostgreSQL passes, and `scripts/test.sh` runs it with `--include-ignored`.
#[test]
fn tests_that_need_postgis_are_marked() {
    const NEEDS_DB: [&str; 5] = [
        "loaded_pool(",
        "loaded_database(",
        "fresh_database(",
        "admin_url(",
        "common::serve(",
    ];
    let mut unmarked = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests")).unwrap() {
        let path = entry.unwrap().path();
        // This file names the helpers without calling them.
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("architecture.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Each test: its attributes, then its body up to the next test's attributes.
        let starts: Vec<usize> = text
            .match_indices("#[test]")
            .chain(text.match_indices("#[tokio::test"))
            .map(|(i, _)| i)
            .collect();
        let mut starts = starts;
        starts.sort_unstable();
        for (n, &start) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(text.len());
            let chunk = &text[start..end];
            let head_end = chunk.find("fn ").unwrap_or(0);
            let marked = chunk[..head_end].contains("#[ignore");
            if !marked && NEEDS_DB.iter().any(|call| chunk.contains(call)) {
                let name: String = chunk[head_end + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                unmarked.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "these tests use the test database but are not #[ignore = \"needs PostGIS …\"]:\n{}",
        unmarked.join("\n")
    );
}
