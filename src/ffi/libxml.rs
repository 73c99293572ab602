//! The libxml2 side of the ABI: reading the caller's `xmlNode` tree (to put it on the wire) and
//! building trees from replies (for the caller to free with libxml2). Only the stable public
//! layout of `xmlNode`/`xmlAttr` (libxml2 2.x) and a handful of functions are used.

use crate::wire::{NodeKind, XmlNode};
use std::ffi::{c_char, c_int, c_void, CStr};

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
    fn xmlCtxtGetLastError(ctxt: *mut c_void) -> *const c_void;
    fn xmlDocGetRootElement(doc: *const c_void) -> *mut xmlNode;
    fn xmlFreeDoc(doc: *mut c_void);
}

/// A node of a caller's tree, read through its pointers.
#[derive(Clone, Copy)]
pub struct Node<'a>(&'a xmlNode);

impl<'a> Node<'a> {
    /// # Safety
    /// `p` must be NULL or point to a valid libxml2 node whose tree stays valid and unchanged
    /// for `'a`.
    pub unsafe fn from_ptr(p: *const xmlNode) -> Option<Node<'a>> {
        // SAFETY: see above.
        unsafe { p.as_ref() }.map(Node)
    }
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
            // an attribute without a value (no text child, or one without content) is not sent
            // SAFETY: as above.
            if let Some(text) = unsafe { attr.children.as_ref() } {
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

/// Parse XML text into a new libxml2 document and return its root element, as Pacemaker's
/// `pcmk__xml_parse` does (blank text dropped); NULL if libxml2 reports any error. Nothing is
/// printed. The caller owns the document (`xmlFreeDoc(root->doc)`).
pub fn parse(text: &[u8]) -> *mut xmlNode {
    let Ok(len) = c_int::try_from(text.len()) else {
        return std::ptr::null_mut();
    };
    // SAFETY: plain libxml2 calls on a context we own; text is valid for len bytes.
    unsafe {
        let ctxt = xmlNewParserCtxt();
        if ctxt.is_null() {
            return std::ptr::null_mut();
        }
        let opts = XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NONET;
        let doc = xmlCtxtReadMemory(
            ctxt,
            text.as_ptr().cast(),
            len,
            std::ptr::null(),
            std::ptr::null(),
            opts,
        );
        let failed = !xmlCtxtGetLastError(ctxt).is_null();
        xmlFreeParserCtxt(ctxt);
        if doc.is_null() {
            return std::ptr::null_mut();
        }
        let root = xmlDocGetRootElement(doc);
        if failed || root.is_null() {
            xmlFreeDoc(doc);
            return std::ptr::null_mut();
        }
        root
    }
}
