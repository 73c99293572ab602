//! XML text as Pacemaker 3.0.0 puts it on the wire (`pcmk__xml_string` without options): no
//! declaration, no whitespace; elements with their attributes in order; text nodes dropped;
//! comments and CDATA kept verbatim; attribute values escaped.

/// The kinds of node the writer tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// An element.
    Element,
    /// Text (not sent).
    Text,
    /// A comment (sent as `<!--...-->`).
    Comment,
    /// A CDATA section (sent as `<![CDATA[...]]>`).
    CData,
    /// Anything else (not sent).
    Other,
}

/// A read-only view of a node of some XML tree (a libxml2 tree, or a Rust one).
pub trait XmlNode: Sized {
    /// What kind of node this is.
    fn kind(&self) -> NodeKind;
    /// An element's name.
    fn name(&self) -> &[u8];
    /// A comment's or CDATA section's content.
    fn content(&self) -> &[u8];
    /// Call `f(name, value)` for each attribute with a value, in order.
    fn attributes(&self, f: &mut dyn FnMut(&[u8], &[u8]));
    /// The first child node.
    fn first_child(&self) -> Option<Self>;
    /// The next sibling node.
    fn next_sibling(&self) -> Option<Self>;
}

/// Append an attribute value, escaped as Pacemaker escapes them: `< > & "` as entities, every
/// ASCII control character (TAB, LF, CR and DEL included) as `&#xHH;`, other bytes as they are.
pub fn escape_attr(value: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = value;
    loop {
        // the run of bytes that stand as they are, copied at once
        let run = rest
            .iter()
            .position(|&c| NEEDS_ESCAPE[c as usize])
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        let Some((&c, tail)) = rest[run..].split_first() else {
            return;
        };
        match c {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            _ => out.extend_from_slice(&[
                b'&',
                b'#',
                b'x',
                HEX[(c >> 4) as usize],
                HEX[(c & 15) as usize],
                b';',
            ]),
        }
        rest = tail;
    }
}

/// The bytes [`escape_attr`] replaces.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[0x7f] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[b'"' as usize] = true;
    t
};

/// Append the wire text of `root` (and everything below it) to `out`. Iterative: a deep tree
/// cannot exhaust the stack. Siblings of `root` are not written.
pub fn write_xml<N: XmlNode>(root: N, out: &mut Vec<u8>) {
    // the elements whose children are being written, innermost last
    let mut parents: Vec<N> = Vec::new();
    let mut current = Some(root);
    loop {
        let Some(node) = current.take() else {
            // no more siblings at this level: close the parent and go on after it
            let Some(parent) = parents.pop() else { break };
            out.extend_from_slice(b"</");
            out.extend_from_slice(parent.name());
            out.push(b'>');
            if parents.is_empty() {
                break;
            }
            current = parent.next_sibling();
            continue;
        };
        match node.kind() {
            NodeKind::Element => {
                out.push(b'<');
                out.extend_from_slice(node.name());
                node.attributes(&mut |name, value| {
                    out.push(b' ');
                    out.extend_from_slice(name);
                    out.extend_from_slice(b"=\"");
                    escape_attr(value, out);
                    out.push(b'"');
                });
                if let Some(child) = node.first_child() {
                    out.push(b'>');
                    parents.push(node);
                    current = Some(child);
                    continue;
                }
                out.extend_from_slice(b"/>");
            }
            NodeKind::Comment => {
                out.extend_from_slice(b"<!--");
                out.extend_from_slice(node.content());
                out.extend_from_slice(b"-->");
            }
            NodeKind::CData => {
                out.extend_from_slice(b"<![CDATA[");
                out.extend_from_slice(node.content());
                out.extend_from_slice(b"]]>");
            }
            NodeKind::Text | NodeKind::Other => {}
        }
        if parents.is_empty() {
            break;
        }
        current = node.next_sibling();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny arena tree for the tests: kind, name or content, attributes, first child, next.
    type Entry = (
        NodeKind,
        &'static str,
        Vec<(&'static str, &'static str)>,
        Option<usize>,
        Option<usize>,
    );
    struct Tree(Vec<Entry>);
    #[derive(Clone, Copy)]
    struct At<'a>(&'a Tree, usize);

    impl XmlNode for At<'_> {
        fn kind(&self) -> NodeKind {
            self.0 .0[self.1].0
        }
        fn name(&self) -> &[u8] {
            self.0 .0[self.1].1.as_bytes()
        }
        fn content(&self) -> &[u8] {
            self.0 .0[self.1].1.as_bytes()
        }
        fn attributes(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
            for (n, v) in &self.0 .0[self.1].2 {
                f(n.as_bytes(), v.as_bytes());
            }
        }
        fn first_child(&self) -> Option<Self> {
            self.0 .0[self.1].3.map(|i| At(self.0, i))
        }
        fn next_sibling(&self) -> Option<Self> {
            self.0 .0[self.1].4.map(|i| At(self.0, i))
        }
    }

    #[test]
    fn writes_what_pacemaker_3_0_0_writes() {
        use NodeKind::*;
        // measured with libcrmcommon 3.0.0 (shared/docs/pacemaker-ipc-client.md §3.2):
        // <t q="a&quot;b&lt;&gt;&amp;&#x09;&#x0A;&#x0D;cé" empty="" ctl="x&#x01;y&#x7F;z"><!--cmt--><k></k><![CDATA[cd<a>ta]]><j/></t>
        let tree = Tree(vec![
            (
                Element,
                "t",
                vec![
                    ("q", "a\"b<>&\t\n\rc\u{e9}"),
                    ("empty", ""),
                    ("ctl", "x\u{1}y\u{7f}z"),
                ],
                Some(1),
                Some(6),
            ),
            (Comment, "cmt", vec![], None, Some(2)),
            (Element, "k", vec![], Some(3), Some(4)),
            (Text, "text", vec![], None, None),
            (CData, "cd<a>ta", vec![], None, Some(5)),
            (Element, "j", vec![], None, None),
            (Element, "sibling-of-root", vec![], None, None),
        ]);
        let mut out = Vec::new();
        write_xml(At(&tree, 0), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<t q=\"a&quot;b&lt;&gt;&amp;&#x09;&#x0A;&#x0D;c\u{e9}\" empty=\"\" ctl=\"x&#x01;y&#x7F;z\"><!--cmt--><k></k><![CDATA[cd<a>ta]]><j/></t>"
        );
    }

    #[test]
    fn escaping_runs_matches_escaping_byte_by_byte() {
        // the rule, one byte at a time
        fn one(c: u8) -> Vec<u8> {
            match c {
                b'<' => b"&lt;".to_vec(),
                b'>' => b"&gt;".to_vec(),
                b'&' => b"&amp;".to_vec(),
                b'"' => b"&quot;".to_vec(),
                0..=0x1f | 0x7f => format!("&#x{c:02X};").into_bytes(),
                _ => vec![c],
            }
        }
        let mut inputs: Vec<Vec<u8>> = (0..=255u8).map(|c| vec![b'a', c, b'b']).collect();
        inputs.push(Vec::new());
        inputs.push((0..=255u8).collect());
        inputs.push(b"plain value-000123-xxxxxxxx".to_vec());
        inputs.push(b"<<&&\"\"\t\n>>".to_vec());
        let mut x = 0x2545_f491_u32;
        for len in 0..200 {
            inputs.push(
                (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        (x >> 24) as u8
                    })
                    .collect(),
            );
        }
        for input in inputs {
            let mut got = b"prefix".to_vec();
            escape_attr(&input, &mut got);
            let want: Vec<u8> = b"prefix"
                .iter()
                .copied()
                .chain(input.iter().flat_map(|&c| one(c)))
                .collect();
            assert_eq!(got, want, "input {input:?}");
        }
    }

    #[test]
    fn a_deep_tree_does_not_exhaust_the_stack() {
        let n = 200_000;
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            nodes.push((
                NodeKind::Element,
                "d",
                vec![],
                if i + 1 < n { Some(i + 1) } else { None },
                None,
            ));
        }
        let tree = Tree(nodes);
        let mut out = Vec::new();
        write_xml(At(&tree, 0), &mut out);
        assert_eq!(out.len(), 3 * (n - 1) + 4 + 4 * (n - 1));
    }
}
