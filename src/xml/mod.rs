//! libxml2, the ABI's XML: reading a caller's `xmlNode` tree (to put it on the wire), parsing
//! replies into libxml2 documents (owned here, or handed to a C caller), and reading them.
//! Only the stable public layout of `xmlNode`/`xmlAttr` (libxml2 2.x) and a handful of
//! functions are used; this module is the only place that dereferences them.

use crate::wire::{NodeKind, XmlNode};
use std::ffi::{c_char, c_int, c_void, CStr};

/// cbindgen:ignore
mod build;

/// The builder on `text`, held against libxml2's parser (the fuzz target); whether it built.
#[cfg(feature = "fuzzing")]
pub(crate) fn build_compare(text: &[u8]) -> bool {
    build::compare::check(text)
}

/// libxml2's `xmlNode` (public layout, `libxml/tree.h`).
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct xmlNode {
    _private: *mut c_void,
    kind: c_int,
    name: *const c_char,
    children: *mut xmlNode,
    last: *mut xmlNode,
    parent: *mut xmlNode,
    next: *mut xmlNode,
    prev: *mut xmlNode,
    /// The document the node belongs to.
    pub doc: *mut c_void,
    ns: *mut c_void,
    content: *mut c_char,
    properties: *mut XmlAttr,
    ns_def: *mut c_void,
    psvi: *mut c_void,
    line: u16,
    extra: u16,
}

/// libxml2's `xmlAttr`.
#[repr(C)]
pub struct XmlAttr {
    _private: *mut c_void,
    kind: c_int,
    name: *const c_char,
    children: *mut xmlNode,
    last: *mut xmlNode,
    parent: *mut xmlNode,
    next: *mut XmlAttr,
    prev: *mut XmlAttr,
    doc: *mut c_void,
    ns: *mut c_void,
    atype: c_int,
    psvi: *mut c_void,
}

const XML_ELEMENT_NODE: c_int = 1;
const XML_TEXT_NODE: c_int = 3;
const XML_CDATA_SECTION_NODE: c_int = 4;
const XML_COMMENT_NODE: c_int = 8;
const XML_PARSE_NOERROR: c_int = 1 << 5;
const XML_PARSE_NOWARNING: c_int = 1 << 6;
const XML_PARSE_NOBLANKS: c_int = 1 << 8;
const XML_PARSE_NONET: c_int = 1 << 11;
/// The options Pacemaker-like parsing uses: blank text dropped, nothing printed, no network.
const PARSE_OPTIONS: c_int =
    XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NONET;

#[link(name = "xml2")]
extern "C" {
    fn xmlNewParserCtxt() -> *mut c_void;
    fn xmlFreeParserCtxt(ctxt: *mut c_void);
    fn xmlCtxtReadMemory(
        ctxt: *mut c_void,
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut c_void;
    fn xmlCtxtReadDoc(
        ctxt: *mut c_void,
        text: *const u8,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut c_void;
    fn xmlCtxtGetLastError(ctxt: *mut c_void) -> *const c_void;
    fn xmlDocGetRootElement(doc: *const c_void) -> *mut xmlNode;
    fn xmlFreeDoc(doc: *mut c_void);
}

/// A node of a libxml2 tree, read through its pointers.
#[derive(Clone, Copy)]
pub struct Node<'a>(&'a xmlNode);

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", String::from_utf8_lossy(self.element_name()))
    }
}

impl<'a> Node<'a> {
    /// # Safety
    /// `p` must be NULL or point to a valid libxml2 node whose tree stays valid and unchanged
    /// for `'a`.
    pub unsafe fn from_ptr(p: *const xmlNode) -> Option<Node<'a>> {
        // SAFETY: see above.
        unsafe { p.as_ref() }.map(Node)
    }

    /// The node as a C pointer (valid as long as its document).
    pub fn as_ptr(&self) -> *mut xmlNode {
        self.0 as *const xmlNode as *mut xmlNode
    }

    /// Whether this is an element with this name.
    pub fn is(&self, name: &str) -> bool {
        self.0.kind == XML_ELEMENT_NODE && c_bytes(self.0.name) == name.as_bytes()
    }

    /// The element's name.
    pub fn element_name(&self) -> &'a [u8] {
        c_bytes(self.0.name)
    }

    /// The value of an attribute, as Pacemaker's `crm_element_value` finds it (the content of
    /// the attribute's text); `None` when absent or without value.
    pub fn attr(&self, name: &str) -> Option<&'a CStr> {
        let mut a = self.0.properties;
        // SAFETY: the attribute list of a valid node (see `from_ptr`); strings live with it.
        while let Some(attr) = unsafe { a.as_ref() } {
            if c_bytes(attr.name) == name.as_bytes() {
                // SAFETY: as above.
                let text = unsafe { attr.children.as_ref() }?;
                return (!text.content.is_null()).then(|| unsafe { CStr::from_ptr(text.content) });
            }
            a = attr.next;
        }
        None
    }

    /// An attribute as UTF-8 text.
    pub fn attr_str(&self, name: &str) -> Option<&'a str> {
        self.attr(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the element has the attribute at all (libxml2's `xmlHasProp`).
    pub fn has_attr(&self, name: &str) -> bool {
        let mut a = self.0.properties;
        // SAFETY: as in `attr`.
        while let Some(attr) = unsafe { a.as_ref() } {
            if c_bytes(attr.name) == name.as_bytes() {
                return true;
            }
            a = attr.next;
        }
        false
    }

    fn elements_from(mut p: *mut xmlNode, name: Option<&str>) -> Option<Node<'a>> {
        // SAFETY: siblings in a valid tree.
        while let Some(n) = unsafe { p.as_ref() } {
            if n.kind == XML_ELEMENT_NODE
                && name.map_or(true, |want| c_bytes(n.name) == want.as_bytes())
            {
                return Some(Node(n));
            }
            p = n.next;
        }
        None
    }

    /// The first child element (with this name, if given).
    pub fn first_element(&self, name: Option<&str>) -> Option<Node<'a>> {
        Self::elements_from(self.0.children, name)
    }

    /// The next sibling element (with this name, if given).
    pub fn next_element(&self, name: Option<&str>) -> Option<Node<'a>> {
        Self::elements_from(self.0.next, name)
    }
}

/// A parsed document, freed on drop unless handed over with [`Document::into_raw_root`].
///
/// In a process with Pacemaker's libcrmcommon 3.0 (see [`crate::crmcommon`]) it is
/// libcrmcommon's own tree, parsed by its `pcmk__xml_parse` (private data on every node, as
/// its XML functions expect) and freed by its `pcmk__xml_free`; elsewhere a plain libxml2
/// document.
pub struct Document {
    doc: *mut c_void,
    root: *mut xmlNode,
    /// libcrmcommon's free, for its trees.
    crm_free: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: a libxml2 document is plain heap memory owned by this value alone.
unsafe impl Send for Document {}

impl Document {
    /// Parse text as Pacemaker's `pcmk__xml_parse` does (blank text dropped); `None` if libxml2
    /// reports any error. Nothing is printed.
    pub fn parse(text: &[u8]) -> Option<Document> {
        if let Some(d) = Self::built(text) {
            return Some(d);
        }
        Self::parse_by_libxml2(text)
    }

    /// As [`Document::parse`], always with libxml2's parser.
    pub(crate) fn parse_by_libxml2(text: &[u8]) -> Option<Document> {
        let len = c_int::try_from(text.len()).ok()?;
        // SAFETY: libxml2 reads len bytes of text, which is valid for them.
        Self::parse_with(|ctxt, opts| unsafe {
            xmlCtxtReadMemory(
                ctxt,
                text.as_ptr().cast(),
                len,
                std::ptr::null(),
                std::ptr::null(),
                opts,
            )
        })
    }

    /// As [`Document::parse`], for a NUL-terminated text: libxml2 then reads it in place, as
    /// `pcmk__xml_parse` has it do (`xmlCtxtReadDoc`), instead of copying it into a buffer of
    /// its own first.
    pub fn parse_cstr(text: &CStr) -> Option<Document> {
        if let Some(d) = Self::built(text.to_bytes()) {
            return Some(d);
        }
        // SAFETY: libxml2 reads the string up to its NUL.
        Self::parse_with(|ctxt, opts| unsafe {
            xmlCtxtReadDoc(
                ctxt,
                text.as_ptr().cast(),
                std::ptr::null(),
                std::ptr::null(),
                opts,
            )
        })
    }

    /// The document libxml2's parser would make, built directly when the text is of the kind
    /// daemons send (see [`build`]).
    fn built(text: &[u8]) -> Option<Document> {
        if !build::enabled() {
            return None;
        }
        let doc = build::build(text, PARSE_OPTIONS)?;
        // SAFETY: a document just built, with a root element.
        let root = unsafe { xmlDocGetRootElement(doc) };
        Some(Document {
            doc,
            root,
            crm_free: None,
        })
    }

    fn parse_with(read: impl FnOnce(*mut c_void, c_int) -> *mut c_void) -> Option<Document> {
        // SAFETY: plain libxml2 calls on a context we own.
        unsafe {
            let ctxt = xmlNewParserCtxt();
            if ctxt.is_null() {
                return None;
            }
            let doc = read(ctxt, PARSE_OPTIONS);
            let failed = !xmlCtxtGetLastError(ctxt).is_null();
            xmlFreeParserCtxt(ctxt);
            if doc.is_null() {
                return None;
            }
            let root = xmlDocGetRootElement(doc);
            if failed || root.is_null() {
                xmlFreeDoc(doc);
                return None;
            }
            Some(Document {
                doc,
                root,
                crm_free: None,
            })
        }
    }

    /// Parse the text of a received message as Pacemaker 3.0.0 does (`pcmk__xml_parse`): with
    /// libcrmcommon's own parser when the process has it (the tree is then exactly what
    /// libcrmcommon would hand over), else as [`Document::parse`].
    pub fn parse_received(text: &CStr) -> Option<Document> {
        heap_hint(text.to_bytes().len());
        let Some(crm) = crate::crmcommon::xml() else {
            return Document::parse_cstr(text);
        };
        // SAFETY: libcrmcommon's parser on a NUL-terminated string; it returns NULL or the root
        // element of a new document that it owns.
        let root = unsafe { (crm.parse)(text.as_ptr()) }.cast::<xmlNode>();
        // SAFETY: a root element libcrmcommon just made.
        let node = unsafe { root.as_ref() }?;
        Some(Document {
            doc: node.doc,
            root,
            crm_free: Some(crm.free),
        })
    }

    /// The root element.
    pub fn root(&self) -> Node<'_> {
        // SAFETY: the root of a document this value owns.
        Node(unsafe { &*self.root })
    }

    /// Give the document to a C caller: its root element, to be freed with
    /// `xmlFreeDoc(root->doc)` (libcrmcommon's trees with `pcmk__xml_free(root)`, as its own).
    pub fn into_raw_root(self) -> *mut xmlNode {
        let root = self.root;
        std::mem::forget(self);
        root
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        match self.crm_free {
            // SAFETY: the root of a tree libcrmcommon made; freeing it frees the document.
            Some(free) => unsafe { free(self.root.cast()) },
            // SAFETY: a document this value owns.
            None => unsafe { xmlFreeDoc(self.doc) },
        }
    }
}

/// How much heap a parsed tree takes per byte of its text, at most (measured: some 11 bytes for
/// a CIB section of `nvpair`s, less for long values).
const TREE_BYTES_PER_TEXT_BYTE: usize = 8;
/// The largest block glibc's dynamic thresholds follow (`DEFAULT_MMAP_THRESHOLD_MAX`, 64-bit).
const GLIBC_DYNAMIC_MAX: usize = 32 << 20;
/// Texts shorter than this make trees that glibc's default trim threshold (128 KiB) keeps.
const HINT_FROM: usize = 64 << 10;
static HINTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Before a tree is built from a received text of `len` bytes: let glibc's allocator know that
/// this process handles temporary data of that size, so that the heap the tree takes is reused
/// for the next reply instead of being handed back to the kernel when the caller frees the tree
/// and faulted in again, page by page, for the next one (measured with `scripts/bench`: 3,000
/// page faults and half the time of a 1 MiB round trip, the same for libxml2 alone).
///
/// The means is glibc's own adaptation (mallopt(3), `M_MMAP_THRESHOLD`): freeing a block that
/// was mapped raises the mmap threshold to its size and the trim threshold to twice that.
/// libcrmcommon 3.0.0 gets the same effect from the large buffers it allocates and frees for
/// every message; this library allocates none, so it frees one untouched block, once per new
/// largest size (`8 ×` the text, at most 32 MiB; no page of it is touched, so it costs one
/// mmap and one munmap). A process that set its thresholds (mallopt, `GLIBC_TUNABLES`) has
/// glibc's adaptation turned off and is left as it is; another allocator just frees a block.
fn heap_hint(len: usize) {
    use std::sync::atomic::Ordering;
    if len < HINT_FROM {
        return;
    }
    let want = len
        .saturating_mul(TREE_BYTES_PER_TEXT_BYTE)
        .min(GLIBC_DYNAMIC_MAX);
    if HINTED.fetch_max(want, Ordering::Relaxed) >= want {
        return;
    }
    // SAFETY: a block allocated and freed at once, never read or written; black_box keeps the
    // pair from being optimised away.
    unsafe {
        let p = std::hint::black_box(libc::malloc(want));
        libc::free(p);
    }
}

/// The wire text of a node and everything below it.
pub fn to_text(node: Node<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    crate::wire::write_xml(node, &mut out);
    out
}

fn c_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        b""
    } else {
        // SAFETY: libxml2 strings are NUL-terminated and live as long as their node.
        unsafe { CStr::from_ptr(p) }.to_bytes()
    }
}

impl XmlNode for Node<'_> {
    fn kind(&self) -> NodeKind {
        match self.0.kind {
            XML_ELEMENT_NODE => NodeKind::Element,
            XML_TEXT_NODE => NodeKind::Text,
            XML_CDATA_SECTION_NODE => NodeKind::CData,
            XML_COMMENT_NODE => NodeKind::Comment,
            _ => NodeKind::Other,
        }
    }
    fn name(&self) -> &[u8] {
        c_bytes(self.0.name)
    }
    fn content(&self) -> &[u8] {
        c_bytes(self.0.content)
    }
    fn attributes(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        let mut a = self.0.properties;
        // SAFETY: the attribute list of a valid node (see `from_ptr`).
        while let Some(attr) = unsafe { a.as_ref() } {
            // an attribute without a value (no text child, or one without content) is not sent,
            // nor one that Pacemaker keeps only to track its deletion
            // SAFETY: as above; `_private` is the attribute's own.
            let deleted = unsafe { crate::crmcommon::attribute_is_deleted(attr._private) };
            // SAFETY: as above.
            if let Some(text) = unsafe { attr.children.as_ref() }.filter(|_| !deleted) {
                if !text.content.is_null() {
                    f(c_bytes(attr.name), c_bytes(text.content));
                }
            }
            a = attr.next;
        }
    }
    fn first_child(&self) -> Option<Self> {
        // SAFETY: a child of a valid node.
        unsafe { self.0.children.as_ref() }.map(Node)
    }
    fn next_sibling(&self) -> Option<Self> {
        // SAFETY: a sibling of a valid node.
        unsafe { self.0.next.as_ref() }.map(Node)
    }
}

/// Parse a received message's text into a new tree (see [`Document::parse_received`]) and
/// return its root element (NULL on error), for a C caller to free.
pub fn parse_received(text: &CStr) -> *mut xmlNode {
    Document::parse_received(text).map_or(std::ptr::null_mut(), Document::into_raw_root)
}
