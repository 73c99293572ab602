//! The CIB client against a live node's CIB manager, held against `cibadmin` run on the same
//! node (ignored by a plain `cargo test`; scripts/test runs it inside
//! `scripts/pcmk-node run 2.1|3.0|sid`).

use pcmk_ipc_rs::client::cib::{CallOptions, Cib, CibService};
use pcmk_ipc_rs::client::rc::RC_SCHEMA_VALIDATION;
use pcmk_ipc_rs::client::{Error, Status};
use pcmk_ipc_rs::xml::{to_text, Document};
use std::process::Command;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

/// XML text in one form (blanks between elements dropped), to compare with cibadmin's output.
fn canonical(text: &str) -> String {
    let doc = Document::parse(text.as_bytes()).unwrap_or_else(|| panic!("not XML: {text}"));
    String::from_utf8(to_text(doc.root())).unwrap()
}

/// cibadmin of the node's own version, run on the node.
fn cibadmin(args: &[&str]) -> Result<String, String> {
    let script = std::env::var("PCMK_NODE_SCRIPT").expect("run inside scripts/pcmk-node run");
    let out = Command::new(script)
        .arg("tool")
        .arg("cibadmin")
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(format!(
            "cibadmin {args:?}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// cibadmin finds nothing at `xpath`: it exits with `CRM_EX_NOSUCH` (105), not another
/// failure.
fn cibadmin_finds_nothing(xpath: &str) {
    let script = std::env::var("PCMK_NODE_SCRIPT").expect("run inside scripts/pcmk-node run");
    let out = Command::new(script)
        .args(["tool", "cibadmin", "-Q", "-A", xpath])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(105),
        "cibadmin -Q -A {xpath}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ours` equals what cibadmin prints for `args`, allowing the CIB to move on once between the
/// two reads (the controller writes the status section at its own pace).
fn same_as_cibadmin(mut ours: impl FnMut() -> Result<String, Error>, args: &[&str]) {
    let mut last = (String::new(), String::new());
    for _ in 0..5 {
        let a = canonical(&ours().unwrap());
        let b = canonical(&cibadmin(args).unwrap());
        if a == b {
            return;
        }
        last = (a, b);
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!(
        "cibadmin {args:?} differs:\nours:     {}\ncibadmin: {}",
        last.0, last.1
    );
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn queries_match_cibadmin() {
    for service in [
        CibService::ReadWrite,
        CibService::ReadOnly,
        CibService::SharedMemory,
    ] {
        let mut cib = Cib::connect(service, "pcmkrs-cib-live").unwrap();
        cib.set_timeout(T);
        assert!(!cib.client_id().is_empty(), "{service:?}");
        same_as_cibadmin(|| cib.query(), &["-Q"]);
        same_as_cibadmin(|| cib.query_section("nodes"), &["-Q", "-o", "nodes"]);
        same_as_cibadmin(
            || cib.query_section("crm_config"),
            &["-Q", "-o", "crm_config"],
        );
        same_as_cibadmin(
            || cib.query_xpath("//cluster_property_set", CallOptions::NONE),
            &["-Q", "-A", "//cluster_property_set"],
        );
        same_as_cibadmin(
            || cib.query_xpath("//node", CallOptions::NO_CHILDREN),
            &["-Q", "-A", "//node", "--no-children"],
        );
        assert!(cib.query().unwrap().starts_with("<cib "));
    }
}

fn nvpair(set: &str, value: &str) -> String {
    format!(
        r#"<cluster_property_set id="{set}"><nvpair id="{set}-v" name="pcmkrs-cib-live" value="{value}"/></cluster_property_set>"#
    )
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn changes_are_seen_by_cibadmin_and_notified() {
    let set = "pcmkrs-cib-live-set";
    let xpath = format!("//cluster_property_set[@id='{set}']//nvpair");
    let mut cib = Cib::connect(CibService::ReadWrite, "pcmkrs-cib-live").unwrap();
    cib.set_timeout(T);
    cib.subscribe().unwrap();
    let mine = cib.client_id().to_owned();

    // create: cibadmin sees it, and the change is notified with this client's id
    cib.create(Some("crm_config"), &nvpair(set, "1"), CallOptions::NONE)
        .unwrap();
    let seen = cibadmin(&["-Q", "-A", &xpath]).unwrap();
    assert!(seen.contains(r#"value="1""#), "{seen}");
    let n = next_own(&mut cib, &mine, "cib_create", set);
    if n.client_id.is_some() {
        assert_eq!(n.client_name.as_deref(), Some("pcmkrs-cib-live"));
    }
    assert_eq!(n.status, Status::new(0));
    assert!(n.diff.contains(set), "{}", n.diff);

    // modify, then a dry run that changes nothing
    cib.modify(Some("crm_config"), &nvpair(set, "2"), CallOptions::NONE)
        .unwrap();
    next_own(&mut cib, &mine, "cib_modify", set);
    cib.modify(Some("crm_config"), &nvpair(set, "3"), CallOptions::DRY_RUN)
        .unwrap();
    same_as_cibadmin(
        || cib.query_xpath(&xpath, CallOptions::NONE),
        &["-Q", "-A", &xpath],
    );
    assert!(cib
        .query_xpath(&xpath, CallOptions::NONE)
        .unwrap()
        .contains(r#"value="2""#));

    // replace the section with itself less the set: gone for cibadmin too
    let section = cib.query_section("crm_config").unwrap();
    let without = remove_set(&section, set);
    cib.replace(Some("crm_config"), &without, CallOptions::NONE)
        .unwrap();
    next_own(&mut cib, &mine, "cib_replace", set);
    cibadmin_finds_nothing(&xpath);
    assert_eq!(
        cib.query_xpath(&xpath, CallOptions::NONE).err(),
        Some(Error::Daemon(Status::new(libc::ENXIO)))
    );

    // create again, delete by element, then by XPath
    cib.create(Some("crm_config"), &nvpair(set, "4"), CallOptions::NONE)
        .unwrap();
    cib.delete(
        Some("crm_config"),
        &format!(r#"<cluster_property_set id="{set}"/>"#),
        CallOptions::NONE,
    )
    .unwrap();
    cibadmin_finds_nothing(&xpath);
    cib.modify(
        Some("crm_config"),
        &nvpair(set, "5"),
        CallOptions::CAN_CREATE,
    )
    .unwrap();
    cib.delete_xpath(
        &format!("//cluster_property_set[@id='{set}']"),
        CallOptions::NONE,
    )
    .unwrap();
    cibadmin_finds_nothing(&xpath);
    cib.unsubscribe().unwrap();
}

/// The next notification of this client's `op` on the element `marker` names, skipping other
/// clients' changes.
fn next_own(
    cib: &mut Cib,
    mine: &str,
    op: &str,
    marker: &str,
) -> pcmk_ipc_rs::client::cib::Notification {
    let mut seen = Vec::new();
    loop {
        let n = cib
            .wait_notification(Some(T))
            .unwrap()
            .unwrap_or_else(|| panic!("no {op} notification of {mine} within {T:?}: {seen:?}"));
        // 2.1 does not say whose change it was: the element it touched tells (the other tests
        // of this file run at the same time)
        if n.client_id.as_deref().map_or(true, |id| id == mine)
            && n.operation == op
            && n.diff.contains(marker)
        {
            return n;
        }
        seen.push((n.operation, n.client_id, n.client_name));
    }
}

/// The crm_config section's text without one cluster_property_set.
fn remove_set(section: &str, set: &str) -> String {
    let start = section
        .find(&format!(r#"<cluster_property_set id="{set}""#))
        .unwrap();
    let end = section[start..].find("</cluster_property_set>").unwrap() + start;
    format!(
        "{}{}",
        &section[..start],
        &section[end + "</cluster_property_set>".len()..]
    )
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn failures_are_typed_and_the_handle_goes_on() {
    let mut cib = Cib::connect(CibService::ReadWrite, "pcmkrs-cib-live").unwrap();
    cib.set_timeout(T);
    // not XML: nothing sent
    let e = cib
        .create(Some("resources"), "<primitive id=", CallOptions::NONE)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    assert_eq!(e.code(), libc::EINVAL);
    // what the schema does not allow: the daemon's answer
    let e = cib
        .create(
            Some("resources"),
            r#"<primitive id="pcmkrs-no-class"/>"#,
            CallOptions::NONE,
        )
        .unwrap_err();
    assert_eq!(e, Error::Daemon(Status::new(RC_SCHEMA_VALIDATION)), "{e}");
    assert!(e.to_string().contains("schema"), "{e}");
    // a query of nothing
    assert_eq!(
        cib.query_xpath("//pcmkrs-nothing", CallOptions::NONE).err(),
        Some(Error::Daemon(Status::new(libc::ENXIO)))
    );
    // the handle still works, and nothing was created
    assert!(cib.query().unwrap().starts_with("<cib "));
    cibadmin_finds_nothing("//primitive[@id='pcmkrs-no-class']");
}
