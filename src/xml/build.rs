//! A received text turned straight into the libxml2 document that libxml2's own parser would
//! have made of it, for the texts Pacemaker's daemons send: elements and attributes, nothing
//! else. Any other text (character data, comments, CDATA, processing instructions, a DOCTYPE,
//! namespaces, entity or character references, control characters, names beyond ASCII, very
//! deep or unusual documents) is left to libxml2's parser: [`build`] returns `None` and the
//! caller parses as before. Nothing here decides what is well-formed beyond that subset.
//!
//! The document is libxml2's in every field a caller can see: the same nodes in the same
//! order, names interned in the document's dictionary, each attribute's value in one text
//! child (values of three bytes or fewer interned, as libxml2's SAX2 builder does), line
//! numbers, the document's version, flags and options. `tests` hold the two side by side on
//! generated and mutated texts, field by field. It is used only with the libxml2 releases it
//! was compared with (2.9); with any other the parser is always used.
//!
//! What it saves is the parser's machinery (its context, input buffers, the SAX callbacks,
//! character-by-character scanning and the DTD lookups made for every attribute); the tree's
//! own allocations are the same.

use super::{xmlFreeDoc, xmlNode, XmlAttr};
use std::ffi::{c_char, c_int, c_void, CStr};

/// libxml2's `xmlDoc` (public layout, `libxml/tree.h`, unchanged from 2.6 to 2.13).
#[repr(C)]
pub(super) struct XmlDoc {
    _private: *mut c_void,
    kind: c_int,
    name: *mut c_char,
    children: *mut xmlNode,
    last: *mut xmlNode,
    parent: *mut xmlNode,
    next: *mut xmlNode,
    prev: *mut xmlNode,
    doc: *mut XmlDoc,
    compression: c_int,
    standalone: c_int,
    int_subset: *mut c_void,
    ext_subset: *mut c_void,
    old_ns: *mut c_void,
    version: *const c_char,
    encoding: *const c_char,
    ids: *mut c_void,
    refs: *mut c_void,
    url: *const c_char,
    charset: c_int,
    dict: *mut c_void,
    psvi: *mut c_void,
    parse_flags: c_int,
    properties: c_int,
}

#[link(name = "xml2")]
extern "C" {
    static xmlStringText: [u8; 5];
    fn __xmlParserVersion() -> *const *const c_char;
    fn xmlNewDoc(version: *const u8) -> *mut XmlDoc;
    fn xmlDictCreate() -> *mut c_void;
    fn xmlDictSetLimit(dict: *mut c_void, limit: usize) -> usize;
    fn xmlDictLookup(dict: *mut c_void, name: *const u8, len: c_int) -> *const u8;
    fn xmlNewDocNodeEatName(
        doc: *mut XmlDoc,
        ns: *mut c_void,
        name: *const u8,
        content: *const u8,
    ) -> *mut xmlNode;
    fn xmlAddChild(parent: *mut xmlNode, cur: *mut xmlNode) -> *mut xmlNode;
    fn xmlNewNsPropEatName(
        node: *mut xmlNode,
        ns: *mut c_void,
        name: *const u8,
        value: *const u8,
    ) -> *mut XmlAttr;
    fn xmlNewDocText(doc: *const XmlDoc, content: *const u8) -> *mut xmlNode;
    fn xmlStrndup(s: *const u8, len: c_int) -> *mut u8;
    fn xmlFreeNode(node: *mut xmlNode);
}

/// `XML_DOC_WELLFORMED | XML_DOC_NSVALID | XML_DOC_DTDVALID`: what libxml2's parser records
/// on a document it parsed without error (no validation asked, so "valid" stays set).
const PARSED_PROPERTIES: c_int = 1 | 2 | 8;
const XML_PARSE_NOERROR: c_int = 1 << 5;
const XML_PARSE_NOWARNING: c_int = 1 << 6;
/// `XML_MAX_DICTIONARY_LIMIT`: the dictionary size libxml2's parser allows without
/// `XML_PARSE_HUGE` (a lookup beyond it fails, and so does the parse).
const DICT_LIMIT: usize = 10_000_000;
/// Deeper documents go to libxml2 (its own limit without `XML_PARSE_HUGE` is 256).
const MAX_DEPTH: usize = 128;
/// Longer names go to libxml2 (it has limits of its own).
const MAX_NAME: usize = 1000;
/// Longer values go to libxml2 (its limit without `XML_PARSE_HUGE` is 10,000,000 bytes).
const MAX_VALUE: usize = 1_000_000;
/// Elements with more attributes go to libxml2 (the duplicate check here is a linear scan).
const MAX_ATTRIBUTES: usize = 64;

/// Whether the builder may be used: libxml2 2.9 (the releases it was compared with), unless
/// `PCMK_IPC_RS_XML=parser` asks for libxml2's parser always.
pub(super) fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        if std::env::var_os("PCMK_IPC_RS_XML").is_some_and(|v| v == "parser") {
            return false;
        }
        // SAFETY: libxml2's version string, a static NUL-terminated string.
        let version = unsafe {
            let p = __xmlParserVersion();
            if p.is_null() || (*p).is_null() {
                return false;
            }
            CStr::from_ptr(*p)
        };
        matches!(
            version.to_str().ok().and_then(|v| v.parse::<u32>().ok()),
            Some(20900..=20999)
        )
    })
}

/// The document libxml2's parser makes of `text` with `options` (which must include
/// `XML_PARSE_NOBLANKS` and leave out `XML_PARSE_COMPACT`, `XML_PARSE_NODICT`,
/// `XML_PARSE_HUGE`, `XML_PARSE_OLD10`, `XML_PARSE_NOENT`), or `None` when the text is not one
/// of those this module handles.
pub(super) fn build(text: &[u8], options: c_int) -> Option<*mut c_void> {
    // SAFETY: a new document owned by the builder until it is returned; freed on failure.
    unsafe {
        // (no c"" literal: cbindgen 0.24, which reads the crate, cannot parse one)
        #[allow(clippy::manual_c_str_literals)]
        let doc = xmlNewDoc(b"1.0\0".as_ptr());
        if doc.is_null() {
            return None;
        }
        let mut b = Builder {
            text,
            pos: 0,
            doc,
            dict: std::ptr::null_mut(),
        };
        if b.document(options).is_some() {
            Some(doc.cast())
        } else {
            xmlFreeDoc(doc.cast());
            None
        }
    }
}

struct Builder<'t> {
    text: &'t [u8],
    pos: usize,
    doc: *mut XmlDoc,
    dict: *mut c_void,
}

/// Bytes that may not stand in an attribute value of the subset: markup and references, and
/// every control character (libxml2 normalises whitespace in values, and refuses the others).
const VALUE_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'<' as usize] = true;
    t[b'&' as usize] = true;
    t
};

fn name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.'
}

impl<'t> Builder<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        self.pos > start
    }

    /// An ASCII name at the current position (no colon: namespaces go to libxml2).
    fn name(&mut self) -> Option<&'t [u8]> {
        let text: &'t [u8] = self.text;
        let start = self.pos;
        if !name_start(self.peek()?) {
            return None;
        }
        self.pos += 1;
        while self.peek().is_some_and(name_char) {
            self.pos += 1;
        }
        let n = &text[start..self.pos];
        (n.len() <= MAX_NAME).then_some(n)
    }

    /// `s` interned in the document's dictionary (`None` past the dictionary's limit).
    unsafe fn intern(&self, s: &[u8]) -> Option<*const u8> {
        // SAFETY: the dictionary is the document's; s is valid for its length (< MAX_VALUE).
        let p = unsafe { xmlDictLookup(self.dict, s.as_ptr(), s.len() as c_int) };
        (!p.is_null()).then_some(p)
    }

    /// The whole document; `None` leaves the partial tree to the caller to free.
    unsafe fn document(&mut self, options: c_int) -> Option<()> {
        // as xmlInitParserCtxt and xmlSAX2StartDocument: the document shares a dictionary
        // with the names libxml2's parser puts in it first
        // SAFETY: plain libxml2 calls on the document this builder owns.
        unsafe {
            let dict = xmlDictCreate();
            if dict.is_null() {
                return None;
            }
            xmlDictSetLimit(dict, DICT_LIMIT);
            (*self.doc).dict = dict;
            self.dict = dict;
            self.intern(b"xml")?;
            self.intern(b"xmlns")?;
            self.intern(b"http://www.w3.org/XML/1998/namespace")?;
            (*self.doc).properties = 0;
            // the parser keeps in its options those it acts on later, not the error switches
            (*self.doc).parse_flags = options & !(XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            (*self.doc).encoding = std::ptr::null();
            (*self.doc).standalone = -1;
        }
        if self.peek() != Some(b'<') {
            return None;
        }
        // the open elements, innermost last, with their names
        let mut open: Vec<(*mut xmlNode, &'t [u8])> = Vec::new();
        let mut names: Vec<&'t [u8]> = Vec::new();
        loop {
            // at a '<': a start tag or, with elements open, an end tag
            self.pos += 1;
            if self.peek() == Some(b'/') {
                let (_, name) = open.pop()?;
                self.pos += 1;
                if self.name()? != name {
                    return None;
                }
                self.skip_spaces();
                if self.peek() != Some(b'>') {
                    return None;
                }
                self.pos += 1;
            } else {
                if open.len() >= MAX_DEPTH {
                    return None;
                }
                let name = self.name()?;
                // SAFETY: libxml2 calls on nodes of this builder's document.
                let node = unsafe {
                    let interned = self.intern(name)?;
                    let node = xmlNewDocNodeEatName(
                        self.doc,
                        std::ptr::null_mut(),
                        interned,
                        std::ptr::null(),
                    );
                    if node.is_null() {
                        return None;
                    }
                    (*node).line = 1;
                    let parent = match open.last() {
                        Some(&(p, _)) => p,
                        None => self.doc.cast(),
                    };
                    xmlAddChild(parent, node);
                    node
                };
                names.clear();
                let empty = loop {
                    let spaced = self.skip_spaces();
                    match self.peek()? {
                        b'/' => {
                            self.pos += 1;
                            if self.peek() != Some(b'>') {
                                return None;
                            }
                            break true;
                        }
                        b'>' => break false,
                        _ if !spaced => return None,
                        _ => {}
                    }
                    let attr = self.name()?;
                    if names.len() >= MAX_ATTRIBUTES
                        || names.contains(&attr)
                        || attr == b"xmlns".as_slice()
                    {
                        return None;
                    }
                    names.push(attr);
                    self.skip_spaces();
                    if self.peek() != Some(b'=') {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_spaces();
                    let quote = self.peek()?;
                    if quote != b'"' && quote != b'\'' {
                        return None;
                    }
                    self.pos += 1;
                    let start = self.pos;
                    let len = self.text[start..]
                        .iter()
                        .position(|&c| c == quote || VALUE_STOP[c as usize])?;
                    let text: &'t [u8] = self.text;
                    let value = &text[start..start + len];
                    self.pos = start + len;
                    if self.peek() != Some(quote) || len > MAX_VALUE {
                        return None;
                    }
                    self.pos += 1;
                    if !value.is_ascii() && !valid_chars(value) {
                        return None;
                    }
                    // SAFETY: as above.
                    unsafe { self.attribute(node, attr, value)? };
                };
                self.pos += 1; // the '>'
                if !empty {
                    open.push((node, name));
                }
            }
            if open.is_empty() {
                // the root is closed: nothing may follow
                if self.pos != self.text.len() {
                    return None;
                }
                break;
            }
            // inside an element only markup (character data goes to libxml2)
            if self.peek() != Some(b'<') {
                return None;
            }
            if matches!(self.text.get(self.pos + 1), Some(b'!' | b'?')) {
                return None;
            }
        }
        // SAFETY: the finished document.
        unsafe { (*self.doc).properties = PARSED_PROPERTIES };
        Some(())
    }

    /// One attribute with its value in a text child, as xmlSAX2AttributeNs and
    /// xmlSAX2TextNode make them.
    unsafe fn attribute(&mut self, node: *mut xmlNode, name: &[u8], value: &[u8]) -> Option<()> {
        // SAFETY: libxml2 calls on a node of this builder's document.
        unsafe {
            let interned = self.intern(name)?;
            let attr = xmlNewNsPropEatName(node, std::ptr::null_mut(), interned, std::ptr::null());
            if attr.is_null() {
                return None;
            }
            let text = xmlNewDocText(self.doc, std::ptr::null());
            if text.is_null() {
                return None;
            }
            // libxml2 reads an ASCII value in place and makes its text node with
            // xmlSAX2TextNode (line set, a short value interned); any other value it copies
            // first and gives to xmlStringLenGetNodeList (no line, never interned)
            let ascii = value.is_ascii();
            (*text).content = if ascii && value.len() <= 3 {
                self.intern(value)?.cast_mut().cast()
            } else {
                let copy = xmlStrndup(value.as_ptr(), value.len() as c_int);
                if copy.is_null() {
                    xmlFreeNode(text);
                    return None;
                }
                copy.cast()
            };
            (*text).line = u16::from(ascii);
            (*text).parent = attr.cast();
            (*attr).children = text;
            (*attr).last = text;
            debug_assert!(std::ptr::eq((*text).name.cast(), xmlStringText.as_ptr()));
        }
        Some(())
    }
}

/// Whether UTF-8 text holds only characters XML 1.0 allows (the control characters were
/// refused before): no U+FFFE or U+FFFF. Invalid UTF-8 is `false`.
fn valid_chars(value: &[u8]) -> bool {
    std::str::from_utf8(value).is_ok_and(|s| !s.contains(['\u{fffe}', '\u{ffff}']))
}

/// The builder held against libxml2's parser, field by field (the unit tests, and the fuzz
/// target of the `fuzzing` feature).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod compare {
    use super::super::Document;
    use super::*;

    extern "C" {
        fn xmlDictOwns(dict: *mut c_void, s: *const c_char) -> c_int;
    }

    fn text(p: *const c_char) -> Option<Vec<u8>> {
        // SAFETY: a libxml2 string of a live tree, or NULL.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
    }

    /// Every field of two documents that a caller can see, side by side; panics on a
    /// difference. Strings are compared by value and by where they live (the document's
    /// dictionary or not); links by shape.
    unsafe fn same_document(a: *mut XmlDoc, b: *mut XmlDoc, input: &[u8]) {
        let ctx = || String::from_utf8_lossy(input).into_owned();
        // SAFETY: two live documents.
        let (x, y) = unsafe { (&*a, &*b) };
        assert_eq!(x.kind, y.kind, "{}", ctx());
        assert_eq!(text(x.name), text(y.name), "{}", ctx());
        assert_eq!(x.compression, y.compression, "{}", ctx());
        assert_eq!(x.standalone, y.standalone, "{}", ctx());
        assert!(x.int_subset.is_null() && y.int_subset.is_null());
        assert!(x.ext_subset.is_null() && y.ext_subset.is_null());
        assert!(x.old_ns.is_null() && y.old_ns.is_null());
        assert_eq!(text(x.version), text(y.version), "{}", ctx());
        assert_eq!(text(x.encoding), text(y.encoding), "{}", ctx());
        assert_eq!(x.ids.is_null(), y.ids.is_null(), "{}", ctx());
        assert_eq!(x.refs.is_null(), y.refs.is_null(), "{}", ctx());
        assert_eq!(text(x.url), text(y.url), "{}", ctx());
        assert_eq!(x.charset, y.charset, "{}", ctx());
        assert!(!x.dict.is_null() && !y.dict.is_null(), "{}", ctx());
        assert_eq!(x.psvi, y.psvi);
        assert_eq!(x.parse_flags, y.parse_flags, "{}", ctx());
        assert_eq!(x.properties, y.properties, "{}", ctx());
        assert!(x._private.is_null() && y._private.is_null());
        assert!(x.parent.is_null() && y.parent.is_null() && x.next.is_null() && y.next.is_null());
        assert!(std::ptr::eq(x.doc, a) == std::ptr::eq(y.doc, b));
        // SAFETY: the children of two live documents.
        unsafe { same_nodes(x.children, y.children, a, b, a.cast(), b.cast(), input) };
        assert_eq!(x.last.is_null(), y.last.is_null());
    }

    unsafe fn owned(doc: *mut XmlDoc, s: *const c_char) -> bool {
        // SAFETY: a live document's dictionary.
        !s.is_null() && unsafe { xmlDictOwns((*doc).dict, s) } == 1
    }

    #[allow(clippy::too_many_arguments)]
    unsafe fn same_nodes(
        mut p: *mut xmlNode,
        mut q: *mut xmlNode,
        da: *mut XmlDoc,
        db: *mut XmlDoc,
        pa: *mut xmlNode,
        pb: *mut xmlNode,
        input: &[u8],
    ) {
        let ctx = || String::from_utf8_lossy(input).into_owned();
        let (mut prev_a, mut prev_b) = (std::ptr::null_mut(), std::ptr::null_mut());
        loop {
            // SAFETY: siblings in two live trees.
            let (x, y) = match unsafe { (p.as_ref(), q.as_ref()) } {
                (None, None) => break,
                (Some(x), Some(y)) => (x, y),
                _ => panic!("different numbers of children: {}", ctx()),
            };
            assert_eq!(x.kind, y.kind, "{}", ctx());
            assert_eq!(text(x.name), text(y.name), "{}", ctx());
            // SAFETY: strings of the two documents.
            unsafe {
                assert_eq!(
                    owned(da, x.name),
                    owned(db, y.name),
                    "name's home: {}",
                    ctx()
                );
                assert_eq!(text(x.content), text(y.content), "{}", ctx());
                assert_eq!(
                    owned(da, x.content),
                    owned(db, y.content),
                    "content's home: {}",
                    ctx()
                );
            }
            assert_eq!(
                x.line,
                y.line,
                "line of {:?} {:?}: {}",
                text(x.name),
                text(x.content),
                ctx()
            );
            assert_eq!(x.extra, y.extra, "{}", ctx());
            assert!(x.ns.is_null() && y.ns.is_null() && x.ns_def.is_null() && y.ns_def.is_null());
            assert!(
                x.psvi.is_null()
                    && y.psvi.is_null()
                    && x._private.is_null()
                    && y._private.is_null()
            );
            assert!(
                std::ptr::eq(x.doc.cast::<XmlDoc>(), da)
                    && std::ptr::eq(y.doc.cast::<XmlDoc>(), db)
            );
            assert!(std::ptr::eq(x.parent, pa) && std::ptr::eq(y.parent, pb));
            assert!(std::ptr::eq(x.prev, prev_a) && std::ptr::eq(y.prev, prev_b));
            // attributes
            let (mut s, mut t) = (x.properties, y.properties);
            let (mut sp, mut tp): (*mut XmlAttr, *mut XmlAttr) =
                (std::ptr::null_mut(), std::ptr::null_mut());
            loop {
                // SAFETY: attribute lists of two live nodes.
                let (u, v) = match unsafe { (s.as_ref(), t.as_ref()) } {
                    (None, None) => break,
                    (Some(u), Some(v)) => (u, v),
                    _ => panic!("different numbers of attributes: {}", ctx()),
                };
                assert_eq!(u.kind, v.kind, "{}", ctx());
                assert_eq!(text(u.name), text(v.name), "{}", ctx());
                // SAFETY: as above.
                unsafe {
                    assert_eq!(owned(da, u.name), owned(db, v.name), "{}", ctx());
                }
                assert_eq!(u.atype, v.atype, "{}", ctx());
                assert!(u.ns.is_null() && v.ns.is_null() && u.psvi.is_null() && v.psvi.is_null());
                assert!(std::ptr::eq(u.parent, p) && std::ptr::eq(v.parent, q));
                assert!(std::ptr::eq(u.prev, sp) && std::ptr::eq(v.prev, tp));
                assert!(
                    std::ptr::eq(u.doc.cast::<XmlDoc>(), da)
                        && std::ptr::eq(v.doc.cast::<XmlDoc>(), db)
                );
                // SAFETY: the attributes' children.
                unsafe {
                    same_nodes(u.children, v.children, da, db, s.cast(), t.cast(), input);
                    assert!(u.last.is_null() == v.last.is_null());
                    if !u.last.is_null() {
                        assert!((*u.last).next.is_null() && (*v.last).next.is_null());
                    }
                }
                sp = s;
                tp = t;
                s = u.next;
                t = v.next;
            }
            // SAFETY: the children of the two nodes.
            unsafe { same_nodes(x.children, y.children, da, db, p, q, input) };
            assert_eq!(x.last.is_null(), y.last.is_null(), "{}", ctx());
            prev_a = p;
            prev_b = q;
            p = x.next;
            q = y.next;
        }
    }

    /// The builder on `input`, held against libxml2's parser: whatever it builds, the parser
    /// builds the same; whatever the parser refuses, it refuses. Returns whether it built.
    pub(crate) fn check(input: &[u8]) -> bool {
        let by_parser = Document::parse_by_libxml2(input);
        let Some(built) = build(input, super::super::PARSE_OPTIONS) else {
            return false;
        };
        let parsed = by_parser.unwrap_or_else(|| {
            panic!(
                "built what libxml2 refuses: {:?}",
                String::from_utf8_lossy(input)
            )
        });
        // SAFETY: two live documents, the built one freed here.
        unsafe {
            same_document(built.cast(), parsed.doc.cast(), input);
            xmlFreeDoc(built);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::compare::check;
    use super::*;

    /// A small deterministic generator (xorshift).
    use crate::test_rng::Rng;

    /// A message shaped like Pacemaker's: random elements, attributes and values.
    fn message(rng: &mut Rng, depth: usize, out: &mut String) {
        const NAMES: &[&str] = &[
            "cib",
            "nvpair",
            "lrm_rsc_op",
            "a",
            "node_state",
            "x-y.z",
            "_u",
            "crm_feature_set",
            "id",
            "value",
            "name",
            "B9",
        ];
        const VALUES: &[&str] = &[
            "",
            "1",
            "ab",
            "abc",
            "abcd",
            "value-000123-xxxxxxxx",
            "don't",
            "a>b",
            "sp ace",
            "ünï€😀",
            "3.20.0",
            "  ",
            "\u{7f}",
            "x\u{fffd}y",
        ];
        let name = rng.pick(NAMES);
        out.push('<');
        out.push_str(name);
        let n = rng.below(5);
        let mut used = Vec::new();
        for _ in 0..n {
            let a = rng.pick(NAMES);
            if used.contains(&a) {
                continue;
            }
            used.push(a);
            let v = rng.pick(VALUES);
            let q = if !v.contains('\'') && rng.below(8) == 0 {
                '\''
            } else {
                '"'
            };
            out.push_str(&" ".repeat(1 + rng.below(2)));
            out.push_str(a);
            out.push_str(if rng.below(10) == 0 { " = " } else { "=" });
            out.push(q);
            out.push_str(v);
            out.push(q);
        }
        if depth == 0 || rng.below(3) == 0 {
            out.push_str(if rng.below(6) == 0 { " />" } else { "/>" });
            return;
        }
        out.push('>');
        for _ in 0..rng.below(4) {
            message(rng, depth - 1, out);
        }
        out.push_str("</");
        out.push_str(name);
        out.push_str(if rng.below(8) == 0 { " >" } else { ">" });
    }

    #[test]
    fn libxml2_2_9_is_in_use_here() {
        assert!(enabled(), "the builder is off: libxml2 is not 2.9 here?");
    }

    #[test]
    fn what_pacemaker_sends_is_built_as_libxml2_parses_it() {
        for t in [
            r#"<ack function="x" line="1" status="112"/>"#,
            r#"<cib_command t="cib" cib_op="register" cib_callid="1" cib_callopt="4096"/>"#,
            r#"<create_reply_adv origin="handle_ping" t="crmd" version="3.20.0" subt="response" reference="ping-x-1" crm_task="ping" crm_sys_to="pcmkrs" crm_sys_from="crmd" crm_host_from="node1" src="node1" acl_target="root" crm_user="root"><crm_xml><ping_response crm_subsystem="crmd" crmd_state="S_IDLE" result="ok"/></crm_xml></create_reply_adv>"#,
            r#"<cib crm_feature_set="3.20.0" validate-with="pacemaker-4.0" epoch="8" num_updates="6" admin_epoch="0"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="o-1" name="dc-deadtime" value="1s"/></cluster_property_set></crm_config><nodes><node id="1" uname="node1"/></nodes><resources/><constraints/></configuration><status/></cib>"#,
            "<a b='x\"y' c=\"it's\"/>",
            "<a></a>",
            "<a ></a >",
            "<a/>",
        ] {
            assert!(check(t.as_bytes()), "not built: {t}");
        }
    }

    #[test]
    fn what_the_builder_leaves_to_libxml2() {
        for t in [
            "",
            " <a/>",
            "<a/> ",
            "<a/>\n",
            "<?xml version=\"1.0\"?><a/>",
            "<!-- c --><a/>",
            "<a><!-- c --></a>",
            "<a><![CDATA[x]]></a>",
            "<a><?pi x?></a>",
            "<!DOCTYPE a><a/>",
            "<a>text</a>",
            "<a> </a>",
            "<a>\n<b/></a>",
            "<a b=\"&amp;\"/>",
            "<a b=\"&#x41;\"/>",
            "<a b=\"x\ty\"/>",
            "<a\tb=\"x\"/>",
            "<p:a/>",
            "<a p:b=\"x\"/>",
            "<a xmlns=\"u\"/>",
            "<a b=\"1\" b=\"2\"/>",
            "<a b=\"1\"c=\"2\"/>",
            "<a b=\"<\"/>",
            "<a b=1/>",
            "<a b/>",
            "<a></b>",
            "<a>",
            "<a/><b/>",
            "<é/>",
            "<a b=\"\u{fffe}\"/>",
            "<1a/>",
        ] {
            let built = check(t.as_bytes());
            assert!(!built, "built, but meant for libxml2: {t:?}");
        }
        // invalid UTF-8, and a depth beyond the builder's limit
        assert!(!check(b"<a b=\"\xff\"/>"));
        assert!(!check(b"<a b=\"\xc3\"/>"));
        let deep = format!(
            "{}{}",
            "<d>".repeat(MAX_DEPTH + 1),
            "</d>".repeat(MAX_DEPTH + 1)
        );
        assert!(!check(deep.as_bytes()));
        let ok = format!("{}{}", "<d>".repeat(MAX_DEPTH), "</d>".repeat(MAX_DEPTH));
        assert!(check(ok.as_bytes()));
    }

    /// Generated messages per run (`PCMKRS_XML_ROUNDS` for a longer search).
    fn pcmkrs_rounds() -> usize {
        std::env::var("PCMKRS_XML_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000)
    }

    #[test]
    fn generated_and_mutated_messages_agree_with_libxml2() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut built, mut left) = (0, 0);
        let specials: &[u8] = b"<>/=\"' \t\n&;!?-:x\x00\x80\xc3\xa9\xef\xbf\xbe";
        for _ in 0..pcmkrs_rounds() {
            let mut s = String::new();
            message(&mut rng, 4, &mut s);
            assert!(
                check(s.as_bytes()),
                "a generated message was not built: {s}"
            );
            built += 1;
            // mutations: a byte replaced, inserted or removed, or the text cut short
            for _ in 0..4 {
                let mut m = s.clone().into_bytes();
                let at = rng.below(m.len());
                match rng.below(4) {
                    0 => m[at] = specials[rng.below(specials.len())],
                    1 => m.insert(at, specials[rng.below(specials.len())]),
                    2 => {
                        m.remove(at);
                    }
                    _ => m.truncate(at),
                }
                if check(&m) {
                    built += 1;
                } else {
                    left += 1;
                }
            }
        }
        assert!(built > 3000 && left > 1000, "built {built}, left {left}");
    }
}
